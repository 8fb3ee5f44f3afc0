package twopc

import (
	"fmt"
	"slices"
	"time"

	"clusterscope/engine"
)

// Phases of a transaction at the coordinator.
const (
	PhLogging  = "logging"  // its BEGIN record is on the way to disk
	PhVoting   = "voting"   // Prepare sent, collecting votes
	PhHeld     = "stopped"  // stopped at a crash point by the learner
	PhDeciding = "deciding" // its decision is on the way to disk
	PhDecided  = "decided"  // decision sent, waiting for every ack
	PhDone     = "done"     // every participant acknowledged
)

// Coordinator is athens: it runs each transfer as a transaction. Its log
// holds BEGIN (the transfer and its participants, durable before any
// Prepare), the DECISION (durable before it is sent) and END (every
// participant acknowledged). Restarted, it reads the log back: a
// transaction without a decision is aborted (nobody can have committed
// it), one with a decision and no END gets its decision sent again.
type Coordinator struct {
	id    string
	txns  map[string]*ctxn
	order []*ctxn // every transaction, oldest first
	// active lists the transactions not done, oldest first: the retry tick
	// and the money check walk only these.
	active []*ctxn
	waits  []coordWait
	sync   groupSync
	// stopAt is the crash point armed by the learner ("" none).
	stopAt  string
	voteNo  bool // the learner told it to abort its next transaction
	ticking bool
	disk    *engine.Disk
	// For the checks, what the event just handled did: the transaction
	// whose decision became durable (fresh), the last one whose decision
	// was sent (sent), whether a transaction ended (ended) or the
	// coordinator (re)started.
	fresh, sent    *ctxn
	ended, started bool
	// Committed and Aborted count decisions made since it started.
	Committed, Aborted int
}

// ctxn is a transaction at the coordinator.
type ctxn struct {
	ID     string
	Client string
	Op     int
	T      Transfer
	Parts  []part
	Phase  string
	Commit bool
	Reason string
	// Since: local time the transaction began (voting deadlines).
	Since time.Duration
	// DecisionAt is the decision's record in the log (-1 none);
	// DecisionDurable says it reached the disk.
	DecisionAt      int
	DecisionDurable bool
	held            time.Duration // when it stopped at the crash point
	split           bool          // a participant acknowledged the other outcome
}

// part is one participant of a transaction and what it said.
type part struct {
	Node    string
	Updates []Update
	Vote    string // "" none yet, "yes", "no"
	Acked   bool
}

// coordWait: once record At is durable, the transaction's next step runs.
type coordWait struct {
	At  int
	Txn *ctxn
}

// Records of the coordinator's log.
type beginRec struct {
	Txn    string
	Client string
	Op     int
	T      Transfer
	Parts  []part
}

func (r beginRec) String() string { return "BEGIN " + r.Txn + " " + r.T.String() }

type decisionRec struct {
	Txn    string
	Commit bool
	Reason string
}

func (r decisionRec) String() string {
	if r.Commit {
		return "DECISION " + r.Txn + " commit"
	}
	return "DECISION " + r.Txn + " abort"
}

type endRec struct{ Txn string }

func (r endRec) String() string { return "END " + r.Txn }

const tickTimer = "retry"

func newCoordinator(id string) *Coordinator { return &Coordinator{id: id} }

// start rebuilds the transactions from the log (coordinatorFrom) and
// finishes what was left: undecided ones are aborted, decided ones sent
// again.
func (c *Coordinator) start(env engine.Env) {
	d := env.Disk()
	recs := records(d)
	for i, r := range recs {
		if !r.Intact() {
			d.Truncate(logFile, i)
			recs = recs[:i]
			break
		}
	}
	if d.File(logFile) == nil {
		d.Create(logFile)
	}
	*c = *coordinatorFrom(c.id, recs)
	c.started, c.disk = true, d
	now := env.Now()
	for _, t := range slices.Clone(c.active) {
		switch t.Phase {
		case PhVoting:
			t.Since = now
			engine.Notef(env, "%s restarts and finds %s in its log with no decision: it aborts it (no participant can have committed)", engine.S(c.id), engine.S(t.ID))
			c.decide(env, t, false, c.id+" restarted before deciding")
		case PhDecided:
			engine.Notef(env, "%s restarts and finds its decision for %s in its log (%s): it sends it again", engine.S(c.id), engine.S(t.ID), engine.S(verb(t.Commit)))
			c.announce(env, t)
		}
	}
	c.tick(env)
}

func outcomeWord(committed bool) string {
	if committed {
		return StCommitted
	}
	return StAborted
}

func verb(commit bool) string {
	if commit {
		return "commit"
	}
	return "abort"
}

// Handle is the coordinator's state machine.
func (c *Coordinator) Handle(env engine.Env, ev engine.Event) {
	c.fresh, c.sent, c.ended, c.started = nil, nil, false, false
	switch ev.Kind {
	case engine.EvStart:
		c.start(env)
	case engine.EvRequest:
		if ev.Request.Name == actVoteNo {
			c.voteNo = true
			engine.Notef(env, "the learner tells %s to abort its next transaction, whatever the votes", engine.S(c.id))
			break
		}
		c.stop(env, ev.Request.Args["point"])
	case engine.EvDisk:
		c.synced(env, ev.Disk)
	case engine.EvTimer:
		if ev.Timer == tickTimer {
			c.ticking = false
			c.retry(env)
			c.tick(env)
		}
	case engine.EvReceive:
		switch m := ev.Msg.(type) {
		case Begin:
			c.begin(env, ev.From, m)
		case Vote:
			c.vote(env, ev.From, m)
		case Ack:
			c.ack(env, ev.From, m)
		}
	}
}

// ValidateRequest refuses an action the coordinator does not have, or a
// crash point it does not know.
func (c *Coordinator) ValidateRequest(req engine.Request) error {
	if req.Name == actVoteNo {
		return nil
	}
	if req.Name != actStopAt {
		return errNoAction(req.Name, "coordinator", actStopAt+" and "+actVoteNo)
	}
	switch p := req.Args["point"]; p {
	case stopAfterVotes, stopAfterDecision, stopOff:
		return nil
	default:
		return fmt.Errorf("no crash point %q (points: %s, %s, %s)", p, stopAfterDecision, stopAfterVotes, stopOff)
	}
}

func errNoAction(name, role, have string) error {
	return fmt.Errorf("no action %q on a %s (it has %s)", name, role, have)
}

func (c *Coordinator) stop(env engine.Env, point string) {
	if point == stopOff {
		c.stopAt = ""
		engine.Notef(env, "the learner clears %s's crash point", engine.S(c.id))
		return
	}
	c.stopAt = point
	engine.Notef(env, "the learner arms a crash point: %s will stop %s of its next transaction", engine.S(c.id), engine.S(point))
}

// begin logs a new transaction; a client's retry of a known one gets its
// outcome once decided.
func (c *Coordinator) begin(env engine.Env, from string, m Begin) {
	if t := c.txns[m.Txn]; t != nil {
		if t.DecisionDurable {
			env.Send(from, Outcome{ID: m.ID, Txn: t.ID, Committed: t.Commit, Reason: t.Reason})
		}
		return
	}
	parts := []string(env.Members(RoleParticipant))
	from1, to1 := ownerOf(m.From, parts), ownerOf(m.To, parts)
	if from1 == "" || to1 == "" || from1 == to1 || m.Amount <= 0 {
		env.Send(from, Outcome{ID: m.ID, Txn: m.Txn, Reason: "not a transfer between two participants"})
		return
	}
	t := &ctxn{ID: m.Txn, Client: from, Op: m.ID, T: m.Transfer, Phase: PhLogging, DecisionAt: -1, Since: env.Now(),
		Parts: []part{
			{Node: from1, Updates: []Update{{Account: m.From, Delta: -m.Amount}}},
			{Node: to1, Updates: []Update{{Account: m.To, Delta: m.Amount}}},
		}}
	if to1 < from1 {
		t.Parts[0], t.Parts[1] = t.Parts[1], t.Parts[0]
	}
	c.txns[t.ID] = t
	c.order = append(c.order, t)
	c.active = append(c.active, t)
	at, err := env.Disk().Append(logFile, engine.Record{Data: beginRec{Txn: t.ID, Client: from, Op: m.ID, T: t.T, Parts: slices.Clone(t.Parts)}, Size: 64})
	if err != nil {
		t.Phase, t.Reason = PhDone, "the coordinator cannot write its log"
		c.dropActive(t)
		env.Send(from, Outcome{ID: m.ID, Txn: t.ID, Reason: t.Reason})
		return
	}
	var text [80]byte
	engine.Notef(env, "%s logs %s (%s) and will ask %s and %s to prepare once it is on disk", engine.S(c.id), engine.S(t.ID), engine.B(t.T.appendTo(text[:0])), engine.S(t.Parts[0].Node), engine.S(t.Parts[1].Node))
	c.wait(env, at, t)
}

func (c *Coordinator) wait(env engine.Env, at int, t *ctxn) {
	c.waits = append(c.waits, coordWait{At: at, Txn: t})
	c.sync.request(env)
}

func (c *Coordinator) synced(env engine.Env, d engine.DiskDone) {
	if d.File != logFile {
		return
	}
	c.sync.done(env, d)
	if d.Err != "" {
		return
	}
	var ready []*ctxn
	kept := c.waits[:0]
	for _, w := range c.waits {
		if w.At >= d.Durable {
			kept = append(kept, w)
			continue
		}
		ready = append(ready, w.Txn)
	}
	c.waits = kept
	for _, t := range ready {
		switch t.Phase {
		case PhLogging:
			t.Phase = PhVoting
			for _, p := range t.Parts {
				env.Send(p.Node, Prepare{Txn: t.ID, Transfer: t.T, Updates: p.Updates})
			}
			c.tick(env)
		case PhDeciding:
			t.DecisionDurable = true
			c.fresh = t
			if t.Commit {
				c.Committed++
			} else {
				c.Aborted++
			}
			if c.stopAt == stopAfterDecision {
				c.hold(env, t)
				continue
			}
			c.announce(env, t)
		}
	}
}

// hold stops t at the armed crash point: it stays there until the
// learner crashes the coordinator (or hold-ms passes).
func (c *Coordinator) hold(env engine.Env, t *ctxn) {
	c.stopAt = ""
	t.Phase, t.held = PhHeld, env.Now()
	if t.DecisionDurable {
		engine.Notef(env, "%s stops at its crash point: the decision to %s %s is on its disk, and not yet sent", engine.S(c.id), engine.S(verb(t.Commit)), engine.S(t.ID))
	} else {
		engine.Notef(env, "%s stops at its crash point: every vote on %s is in, and it has decided nothing", engine.S(c.id), engine.S(t.ID))
	}
	c.tick(env)
}

// vote counts a participant's vote; the last yes or the first no
// decides. A vote on a transaction already decided is answered with the
// decision (the participant may have restarted and asked again).
func (c *Coordinator) vote(env engine.Env, from string, m Vote) {
	t := c.txns[m.Txn]
	if t == nil {
		return
	}
	if t.DecisionDurable && t.Phase != PhHeld {
		if !m.Yes {
			return // a no voter rolls back by itself
		}
		c.sendTo(env, t, from)
		return
	}
	if t.Phase != PhVoting {
		return
	}
	i := t.part(from)
	if i < 0 || t.Parts[i].Vote != "" {
		return
	}
	if !m.Yes {
		t.Parts[i].Vote = "no"
		c.decide(env, t, false, from+" voted no: "+m.Reason)
		return
	}
	t.Parts[i].Vote = "yes"
	for _, p := range t.Parts {
		if p.Vote != "yes" {
			return
		}
	}
	if c.stopAt == stopAfterVotes {
		c.hold(env, t)
		return
	}
	if c.voteNo {
		c.voteNo = false
		c.decide(env, t, false, "the learner told "+c.id+" to abort it")
		return
	}
	c.decide(env, t, true, "")
}

func (t *ctxn) part(node string) int {
	for i, p := range t.Parts {
		if p.Node == node {
			return i
		}
	}
	return -1
}

// decide logs the decision; it is sent once durable.
func (c *Coordinator) decide(env engine.Env, t *ctxn, commit bool, reason string) {
	t.Commit, t.Reason, t.Phase = commit, reason, PhDeciding
	at, err := env.Disk().Append(logFile, engine.Record{Data: decisionRec{Txn: t.ID, Commit: commit, Reason: reason}, Size: 24})
	if err != nil {
		t.Phase = PhVoting // the vote timeout decides again
		return
	}
	t.DecisionAt = at
	if commit {
		engine.Notef(env, "%s decides to commit %s (every participant voted yes) and logs it before telling anyone", engine.S(c.id), engine.S(t.ID))
	} else {
		engine.Notef(env, "%s decides to abort %s (%s) and logs it before telling anyone", engine.S(c.id), engine.S(t.ID), engine.S(reason))
	}
	c.wait(env, at, t)
}

// announce tells the client and the participants the decision.
func (c *Coordinator) announce(env engine.Env, t *ctxn) {
	env.Send(t.Client, Outcome{ID: t.Op, Txn: t.ID, Committed: t.Commit, Reason: t.Reason})
	c.send(env, t)
}

// send sends the decision to every participant that has not acknowledged
// it.
func (c *Coordinator) send(env engine.Env, t *ctxn) {
	t.Phase = PhDecided
	for _, p := range t.Parts {
		if !p.Acked {
			c.sendTo(env, t, p.Node)
		}
	}
	c.tick(env)
}

func (c *Coordinator) sendTo(env engine.Env, t *ctxn, node string) {
	c.sent = t
	if t.Commit {
		env.Send(node, Commit{Txn: t.ID})
	} else {
		env.Send(node, Abort{Txn: t.ID})
	}
}

// ack marks a participant done with t; once all are, t ends.
func (c *Coordinator) ack(env engine.Env, from string, m Ack) {
	t := c.txns[m.Txn]
	if t == nil || !t.DecisionDurable {
		return
	}
	i := t.part(from)
	if i < 0 || t.Parts[i].Acked {
		return
	}
	t.Parts[i].Acked = true
	if m.Committed != t.Commit {
		t.split = true
		engine.Notef(env, "%s answers %s for %s, but the decision was %s: the transaction is no longer atomic", engine.S(from), engine.S(outcomeWord(m.Committed)), engine.S(t.ID), engine.S(verb(t.Commit)))
	}
	for _, p := range t.Parts {
		if !p.Acked {
			return
		}
	}
	if t.Phase == PhDone {
		return
	}
	t.Phase = PhDone
	c.ended = true
	c.dropActive(t)
	// END needs no wait: lost in a crash, the decision is sent once more
	// and acknowledged again.
	if _, err := env.Disk().Append(logFile, engine.Record{Data: endRec{Txn: t.ID}, Size: 16}); err == nil {
		c.sync.request(env)
	}
	switch {
	case t.split:
		engine.Notef(env, "%s ends: every participant answered, but they did not all %s it", engine.S(t.ID), engine.S(verb(t.Commit)))
	case t.Commit:
		engine.Notef(env, "%s is done: every participant applied it", engine.S(t.ID))
	default:
		engine.Notef(env, "%s is done: every participant rolled it back", engine.S(t.ID))
	}
}

func (c *Coordinator) dropActive(t *ctxn) {
	if i := slices.Index(c.active, t); i >= 0 {
		c.active = slices.Delete(c.active, i, i+1)
	}
}

// tick arms the retry timer. It runs always, as a real coordinator's
// timeout scanner does: an idle scan costs one event.
func (c *Coordinator) tick(env engine.Env) {
	if c.ticking {
		return
	}
	c.ticking = true
	env.SetTimer(tickTimer, ms(env.Param(ParamRetry, defRetry)))
}

// retry resends what is unanswered: Prepare to participants that have
// not voted (or aborts once the vote timeout passed), the decision to
// those that have not acknowledged it. A stopped transaction goes on
// after hold-ms.
func (c *Coordinator) retry(env engine.Env) {
	now := env.Now()
	for _, t := range slices.Clone(c.active) {
		switch t.Phase {
		case PhVoting:
			if now-t.Since >= ms(env.Param(ParamVoteTimeout, defVoteTimeout)) {
				var missing []string
				for _, p := range t.Parts {
					if p.Vote == "" {
						missing = append(missing, p.Node)
					}
				}
				c.decide(env, t, false, fmt.Sprintf("no vote from %s in time", joinNames(missing)))
				continue
			}
			for _, p := range t.Parts {
				if p.Vote == "" {
					env.Send(p.Node, Prepare{Txn: t.ID, Transfer: t.T, Updates: p.Updates})
				}
			}
		case PhDecided:
			c.send(env, t)
		case PhHeld:
			if now-t.held >= ms(env.Param(ParamHold, defHold)) {
				engine.Notef(env, "%s goes on from its crash point after %s", engine.S(c.id), engine.S(fmtMS(now-t.held)))
				if t.DecisionDurable {
					c.announce(env, t)
				} else {
					c.decide(env, t, true, "")
				}
			}
		}
	}
}

func joinNames(names []string) string {
	s := ""
	for i, n := range names {
		if i > 0 {
			s += " and "
		}
		s += n
	}
	return s
}

func fmtMS(d time.Duration) string { return d.Round(time.Millisecond).String() }
