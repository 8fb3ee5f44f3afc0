package twopc

import (
	"strconv"
	"time"

	"clusterscope/engine"
)

// Transaction states at a participant.
const (
	StPrepared  = "prepared"  // voted yes: holds the locks, waits for the decision
	StCommitted = "committed" // applied the updates
	StAborted   = "aborted"   // rolled back, or voted no, or never had it
)

// logFile is the name of every process's transaction log on its disk.
const logFile = "txlog"

// Participant owns a few accounts (byzantium: B1, B2). Per account it
// keeps the balance and the write lock (the transaction holding it); per
// transaction it has seen, its state. What it promised (PREPARED) and what
// it applied (COMMITTED, ABORTED) it writes to its transaction log, and it
// answers only once the record is durable.
type Participant struct {
	id       string
	accounts []account
	txns     map[string]*ptxn
	// prepared lists the transactions holding locks, oldest first (a
	// participant holds at most one per account).
	prepared []*ptxn
	// waits are answers held until a log record is durable.
	waits []diskWait
	sync  groupSync
	// voteNo: the learner told it to vote no on the next prepare.
	voteNo bool
	// fresh is the transaction whose outcome this participant reached in
	// the event just handled (nil: none), for the atomicity check.
	fresh     *ptxn
	started   bool // it (re)started in the event just handled
	disk      *engine.Disk
	recent    []string // the transactions it saw last, oldest first (its panel)
	inquiring bool
	// Refused counts prepares it voted no on; Recovered the prepared
	// transactions it reloaded at its last start.
	Refused, Recovered int
}

// account is one account and its write lock.
type account struct {
	Name    string
	Balance int
	Holder  string // the transaction holding the write lock ("" free)
	// Refused is the last transaction refused the lock (no-wait), shown
	// in the lock table.
	Refused string
}

// ptxn is a transaction as a participant knows it.
type ptxn struct {
	ID      string
	Coord   string
	T       Transfer
	Updates []Update
	State   string
	Since   time.Duration // local time it was prepared (for "blocked for")
	Durable bool          // its PREPARED record is on disk
}

// diskWait is a message to send once record At of the log is durable.
type diskWait struct {
	At  int
	To  string
	Msg engine.Message
}

// Records of a participant's log.
type prepRec struct {
	Txn, Coord string
	T          Transfer
	Updates    []Update
}

func (r prepRec) String() string {
	b := append([]byte("PREPARED "), r.Txn...)
	for _, u := range r.Updates {
		b = appendUpdate(append(b, ' '), u)
	}
	return string(b)
}

// outcomeRec is a transaction's outcome; a commit carries the updates it
// applied, so the balances a restart rebuilds need nothing else.
type outcomeRec struct {
	Txn       string
	Committed bool
	Updates   []Update
}

func (r outcomeRec) String() string {
	if r.Committed {
		return "COMMITTED " + r.Txn
	}
	return "ABORTED " + r.Txn
}

func newParticipant(id string) *Participant { return &Participant{id: id} }

// start rebuilds the participant from its log (participantFrom): every
// PREPARED transaction without an outcome holds its locks again and waits
// for the coordinator, asking it now and then.
func (p *Participant) start(env engine.Env) {
	d := env.Disk()
	recs := records(d)
	for i, r := range recs {
		if !r.Intact() {
			d.Truncate(logFile, i) // a torn last record: the write never finished
			recs = recs[:i]
			break
		}
	}
	if d.File(logFile) == nil {
		d.Create(logFile)
	}
	*p = *participantFrom(p.id, recs)
	p.started, p.disk = true, d
	now := env.Now()
	for _, t := range p.prepared {
		t.Since = now
		p.touch(t.ID)
		p.Recovered++
		engine.Notef(env, "%s restarts with %s PREPARED on its disk: it takes the locks of %s again and waits for %s's decision", engine.S(p.id), engine.S(t.ID), engine.S(lockedNames(t)), engine.S(t.Coord))
	}
	p.inquireLater(env)
}

func (p *Participant) acct(name string) *account {
	for i := range p.accounts {
		if p.accounts[i].Name == name {
			return &p.accounts[i]
		}
	}
	return nil
}

func (p *Participant) lock(t *ptxn) {
	for _, u := range t.Updates {
		if a := p.acct(u.Account); a != nil {
			a.Holder = t.ID
		}
	}
	p.prepared = append(p.prepared, t)
}

func (p *Participant) unlock(t *ptxn) {
	for _, u := range t.Updates {
		if a := p.acct(u.Account); a != nil && a.Holder == t.ID {
			a.Holder = ""
		}
	}
	for i, x := range p.prepared {
		if x == t {
			p.prepared = append(p.prepared[:i], p.prepared[i+1:]...)
			break
		}
	}
}

func (p *Participant) apply(t *ptxn) {
	for _, u := range t.Updates {
		if a := p.acct(u.Account); a != nil {
			a.Balance += u.Delta
		}
	}
}

// Handle is the participant's state machine.
func (p *Participant) Handle(env engine.Env, ev engine.Event) {
	p.fresh, p.started = nil, false
	switch ev.Kind {
	case engine.EvTimer:
		if ev.Timer == inquireTimer {
			p.inquiring = false
			p.inquire(env)
		}
	case engine.EvStart:
		p.start(env)
	case engine.EvRequest:
		if ev.Request.Name == actVoteNo {
			p.voteNo = true
			engine.Notef(env, "the learner tells %s to vote no on its next prepare", engine.S(p.id))
		}
	case engine.EvDisk:
		p.synced(env, ev.Disk)
	case engine.EvReceive:
		switch m := ev.Msg.(type) {
		case Prepare:
			p.prepare(env, ev.From, m)
		case Commit:
			p.decide(env, ev.From, m.Txn, true)
		case Abort:
			p.decide(env, ev.From, m.Txn, false)
		}
	}
}

// ValidateRequest refuses an action a participant does not have.
func (p *Participant) ValidateRequest(req engine.Request) error {
	if req.Name != actVoteNo {
		return errNoAction(req.Name, "participant", actVoteNo)
	}
	return nil
}

// prepare promises the transaction or refuses it. Refusals: the learner
// said no, a lock is held by another transaction (no-wait: refuse at once
// rather than wait, so two transactions never wait for each other), or
// the debit is more than the balance.
func (p *Participant) prepare(env engine.Env, from string, m Prepare) {
	if t := p.txns[m.Txn]; t != nil {
		switch {
		case t.State == StPrepared && t.Durable:
			env.Send(from, Vote{Txn: m.Txn, Yes: true}) // a retry: the same vote
		case t.State == StCommitted:
			env.Send(from, Vote{Txn: m.Txn, Yes: true})
		case t.State == StAborted:
			env.Send(from, Vote{Txn: m.Txn, Reason: "already aborted here"})
		}
		return // prepared, not yet durable: the vote goes when it is
	}
	if reason := p.refusal(m); reason != "" {
		p.Refused++
		p.touch(m.Txn)
		p.txns[m.Txn] = &ptxn{ID: m.Txn, Coord: from, T: m.Transfer, Updates: m.Updates, State: StAborted}
		engine.Notef(env, "%s votes no on %s: %s", engine.S(p.id), engine.S(m.Txn), engine.S(reason))
		env.Send(from, Vote{Txn: m.Txn, Reason: reason})
		return
	}
	t := &ptxn{ID: m.Txn, Coord: from, T: m.Transfer, Updates: m.Updates, State: StPrepared, Since: env.Now()}
	p.txns[m.Txn] = t
	p.touch(m.Txn)
	p.lock(t)
	p.inquireLater(env)
	if env.Variant(VarPreparedNotPersisted) {
		t.Durable = true // as far as it cares
		engine.Notef(env, "%s locks %s and votes yes on %s, keeping the vote only in memory", engine.S(p.id), engine.S(lockedNames(t)), engine.S(m.Txn))
		env.Send(from, Vote{Txn: m.Txn, Yes: true})
		return
	}
	at, err := env.Disk().Append(logFile, engine.Record{Data: prepRec{Txn: m.Txn, Coord: from, T: m.Transfer, Updates: m.Updates}, Size: 48})
	if err != nil {
		p.unlock(t)
		t.State = StAborted
		engine.Notef(env, "%s votes no on %s: it cannot log it (%s)", engine.S(p.id), engine.S(m.Txn), engine.S(err.Error()))
		env.Send(from, Vote{Txn: m.Txn, Reason: "cannot write its log"})
		return
	}
	engine.Notef(env, "%s locks %s and logs %s PREPARED; it votes yes once that is on disk", engine.S(p.id), engine.S(lockedNames(t)), engine.S(m.Txn))
	p.wait(env, at, from, Vote{Txn: m.Txn, Yes: true})
}

func (p *Participant) refusal(m Prepare) string {
	if p.voteNo {
		p.voteNo = false
		return "the learner told it to"
	}
	for _, u := range m.Updates {
		a := p.acct(u.Account)
		if a == nil {
			return "no account " + u.Account + " here"
		}
		if a.Holder != "" && a.Holder != m.Txn {
			a.Refused = m.Txn
			return u.Account + " is locked by " + a.Holder + " (no-wait: refuse rather than wait)"
		}
		if a.Balance+u.Delta < 0 {
			return u.Account + " holds " + strconv.Itoa(a.Balance) + ", less than " + strconv.Itoa(-u.Delta)
		}
	}
	return ""
}

func lockedNames(t *ptxn) string {
	s := ""
	for i, u := range t.Updates {
		if i > 0 {
			s += ", "
		}
		s += u.Account
	}
	return s
}

// decide applies the coordinator's decision (commit true: Commit), once:
// a copy of a decision already applied is acknowledged again.
func (p *Participant) decide(env engine.Env, from, txn string, commit bool) {
	t := p.txns[txn]
	if t == nil {
		// It never heard of txn. An Abort that overtook its Prepare: the
		// Prepare that comes later must be refused. A Commit: only a
		// participant that forgot its yes vote gets here, and with no
		// record it presumes the transaction aborted.
		t = &ptxn{ID: txn, Coord: from, State: StAborted}
		p.txns[txn] = t
		p.fresh = t
		p.touch(txn)
		if commit {
			engine.Notef(env, "%s has no record of %s: it presumes it aborted and says so, though %s decided commit", engine.S(p.id), engine.S(txn), engine.S(from))
		}
		env.Send(from, Ack{Txn: txn})
		return
	}
	switch t.State {
	case StPrepared:
		if !t.Durable {
			return // its vote is not out yet: the decision cannot be for it
		}
		p.unlock(t)
		p.fresh = t
		p.touch(txn)
		t.State = StAborted
		if commit {
			t.State = StCommitted
			p.apply(t)
			engine.Notef(env, "%s commits %s: applies %s and releases its locks", engine.S(p.id), engine.S(txn), engine.S(updatesText(t.Updates)))
		} else {
			engine.Notef(env, "%s rolls %s back and releases its locks", engine.S(p.id), engine.S(txn))
		}
		at, err := env.Disk().Append(logFile, engine.Record{Data: outcomeRec{Txn: txn, Committed: commit, Updates: t.Updates}, Size: 24})
		if err != nil {
			env.Send(from, Ack{Txn: txn, Committed: commit})
			return
		}
		p.wait(env, at, from, Ack{Txn: txn, Committed: commit})
	default:
		if p.pendingAck(txn) {
			return // its record is on the way to disk; the ack follows
		}
		if (t.State == StCommitted) != commit {
			engine.Notef(env, "%s has %s %s, but %s decided otherwise", engine.S(p.id), engine.S(txn), engine.S(t.State), engine.S(from))
		}
		env.Send(from, Ack{Txn: txn, Committed: t.State == StCommitted})
	}
}

func updatesText(us []Update) string {
	var b []byte
	for i, u := range us {
		if i > 0 {
			b = append(b, ", "...)
		}
		b = appendUpdate(b, u)
	}
	return string(b)
}

func (p *Participant) pendingAck(txn string) bool {
	for _, w := range p.waits {
		if a, ok := w.Msg.(Ack); ok && a.Txn == txn {
			return true
		}
	}
	return false
}

// wait holds msg until record at is durable, and asks for an fsync.
func (p *Participant) wait(env engine.Env, at int, to string, msg engine.Message) {
	p.waits = append(p.waits, diskWait{At: at, To: to, Msg: msg})
	p.sync.request(env)
}

// synced sends what waited for the records now durable; a failed fsync
// is asked again.
func (p *Participant) synced(env engine.Env, d engine.DiskDone) {
	if d.File != logFile {
		return
	}
	p.sync.done(env, d)
	if d.Err != "" {
		return
	}
	kept := p.waits[:0]
	for _, w := range p.waits {
		if w.At >= d.Durable {
			kept = append(kept, w)
			continue
		}
		if v, ok := w.Msg.(Vote); ok {
			if t := p.txns[v.Txn]; t != nil {
				t.Durable = true
			}
		}
		env.Send(w.To, w.Msg)
	}
	p.waits = kept
}

const inquireTimer = "inquire"

// inquireLater arms the inquiry timer while a transaction is prepared.
func (p *Participant) inquireLater(env engine.Env) {
	if p.inquiring || len(p.prepared) == 0 {
		return
	}
	p.inquiring = true
	env.SetTimer(inquireTimer, 4*ms(env.Param(ParamRetry, defRetry)))
}

// inquire: a prepared participant may not decide alone, so it can only
// ask. It sends its yes vote again to the coordinator of every
// transaction it holds prepared; a coordinator that has decided answers
// with the decision.
func (p *Participant) inquire(env engine.Env) {
	for _, t := range p.prepared {
		if t.Durable {
			env.Send(t.Coord, Vote{Txn: t.ID, Yes: true})
		}
	}
	p.inquireLater(env)
}

const keptRecent = 6

// touch moves txn to the end of the recent list.
func (p *Participant) touch(txn string) {
	for i, x := range p.recent {
		if x == txn {
			p.recent = append(p.recent[:i], p.recent[i+1:]...)
			break
		}
	}
	if len(p.recent) == keptRecent {
		p.recent = append(p.recent[:0], p.recent[1:]...)
	}
	p.recent = append(p.recent, txn)
}
