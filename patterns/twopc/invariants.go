package twopc

import (
	"fmt"
	"strconv"

	"clusterscope/engine"
	"clusterscope/patterns/kit"
)

// The checks. InvOneOutcome is the pattern's promise (atomicity), and what
// the lesson names as the broken variant's first failure.
const (
	InvOneOutcome     = "one-outcome-per-transaction"
	InvCommitNeedsYes = "commit-only-if-all-voted-yes"
	InvLocksHeld      = "prepared-holds-its-locks"
	InvLoggedFirst    = "decision-logged-before-sent"
	InvMoneyTotal     = "money-total"
)

// SettledFinished is the check after healing.
const SettledFinished = "every-transaction-finished"

func invariants() []engine.Invariant {
	r := &replays{}
	return []engine.Invariant{
		{Name: InvOneOutcome, Description: "Atomicity: every participant of a transaction reaches the outcome the coordinator logged (all commit or all roll back), never one committed and another aborted.", Check: func(w *engine.World) (string, []string) { return oneOutcome(w, r) }},
		{Name: InvCommitNeedsYes, Description: "The coordinator decides commit only when every participant voted yes.", Check: commitNeedsYes},
		{Name: InvLocksHeld, Description: "A participant holds the write locks of every transaction it has prepared until it learns the outcome, across crashes: a lock is held only by a prepared transaction, and a prepared transaction holds all of its locks.", Check: locksHeld},
		{Name: InvLoggedFirst, Description: "The coordinator sends a decision only once it is durable in its log, so a restart cannot decide otherwise.", Check: loggedFirst},
		{Name: InvMoneyTotal, Description: "The money in the bank stays the same: the sum of all balances, plus the credits and debits a committed transaction still has to apply on participants that hold it prepared, is the starting total.", Check: func(w *engine.World) (string, []string) { return moneyTotal(w, r) }},
	}
}

// coordinatorOf is the coordinator as it is in memory, or as its disk
// would rebuild it when it is down (nil: none).
func coordinatorOf(w *engine.World, r *replays) (*Coordinator, string) {
	ids := w.Members(RoleCoordinator)
	if len(ids) == 0 {
		return nil, ""
	}
	id := ids[0]
	if c, ok := w.Process(id).(*Coordinator); ok {
		r.forget(id)
		return c, id
	}
	if c, ok := r.find(w, id).(*Coordinator); ok {
		return c, id
	}
	c := coordinatorFrom(id, records(w.Disk(id)))
	r.keep(w, id, c)
	return c, id
}

// participantOf is participant id in memory, or rebuilt from its disk when
// it is down.
func participantOf(w *engine.World, id string, r *replays) *Participant {
	if p, ok := w.Process(id).(*Participant); ok {
		r.forget(id)
		return p
	}
	if p, ok := r.find(w, id).(*Participant); ok {
		return p
	}
	p := participantFrom(id, records(w.Disk(id)))
	r.keep(w, id, p)
	return p
}

// replays keeps what a crashed process's disk rebuilds, for one run's
// checks: a down process's disk does not change, and the money check
// would otherwise replay it at every step it runs. An entry is dropped
// as soon as the process is seen up; its key (the file and how much it
// holds) guards the rest. A nil *replays keeps nothing (views, facts).
type replays struct {
	kept map[string]replay
	// statuses is every server's status when the money was last counted
	// after a command.
	statuses []engine.Status
	commands int // the run's commands when they were read
}

// statusChanged reports whether a server's status changed since it was
// last asked (always true for a nil *replays).
func (r *replays) statusChanged(w *engine.World) bool {
	if r == nil {
		return true
	}
	nodes := w.Nodes()
	if len(r.statuses) == len(nodes) && w.CommandCount() == r.commands {
		return false // only a command changes a status
	}
	r.commands = w.CommandCount()
	changed := len(r.statuses) != len(nodes)
	if changed {
		r.statuses = make([]engine.Status, len(nodes))
	}
	for i, id := range nodes {
		if st := w.Status(id); st != r.statuses[i] {
			r.statuses[i], changed = st, true
		}
	}
	return changed
}

type replay struct {
	file              *engine.File
	n, bytes, durable int
	proc              any
}

func (r *replays) key(w *engine.World, id string) replay {
	k := replay{}
	if d := w.Disk(id); d != nil {
		if f := d.File(logFile); f != nil {
			k = replay{file: f, n: f.Len(), bytes: f.Bytes(), durable: f.Durable()}
		}
	}
	return k
}

func (r *replays) find(w *engine.World, id string) any {
	if r == nil {
		return nil
	}
	e, ok := r.kept[id]
	if !ok {
		return nil
	}
	k := r.key(w, id)
	if k.file != e.file || k.n != e.n || k.bytes != e.bytes || k.durable != e.durable {
		return nil
	}
	return e.proc
}

func (r *replays) keep(w *engine.World, id string, proc any) {
	if r == nil {
		return
	}
	if r.kept == nil {
		r.kept = map[string]replay{}
	}
	e := r.key(w, id)
	e.proc = proc
	r.kept[id] = e
}

func (r *replays) forget(id string) {
	if r != nil && r.kept != nil {
		delete(r.kept, id)
	}
}

// stateOf is participant p's state for txn ("" never heard of).
func (p *Participant) stateOf(txn string) string {
	if t := p.txns[txn]; t != nil {
		return t.State
	}
	return ""
}

// decisionOf is the coordinator's durable decision for txn (ok false:
// none yet).
func (c *Coordinator) decisionOf(txn string) (commit, ok bool) {
	if c == nil {
		return false, false
	}
	if t := c.txns[txn]; t != nil && t.DecisionDurable {
		return t.Commit, true
	}
	return false, false
}

func final(state string) bool { return state == StCommitted || state == StAborted }

// oneOutcome: when a participant reaches an outcome, or the coordinator's
// decision becomes durable, every participant's outcome and the decision
// agree.
func oneOutcome(w *engine.World, r *replays) (string, []string) {
	var txn string
	switch n := w.NodeProcess(w.HandledNode()).(type) {
	case *Participant:
		if n.fresh == nil {
			return "", nil
		}
		txn = n.fresh.ID
	case *Coordinator:
		if n.fresh == nil {
			return "", nil
		}
		txn = n.fresh.ID
	default:
		return "", nil
	}
	c, cid := coordinatorOf(w, r)
	commit, decided := c.decisionOf(txn)
	var committed, aborted []string
	for _, id := range w.Members(RoleParticipant) {
		switch participantOf(w, id, r).stateOf(txn) {
		case StCommitted:
			committed = append(committed, id)
		case StAborted:
			aborted = append(aborted, id)
		}
	}
	switch {
	case len(committed) > 0 && len(aborted) > 0:
		return fmt.Sprintf("%s committed on %s but aborted on %s", txn, joinNames(committed), joinNames(aborted)), append(committed, aborted...)
	case decided && commit && len(aborted) > 0:
		return fmt.Sprintf("%s decided to commit %s, but %s aborted it", cid, txn, joinNames(aborted)), append([]string{cid}, aborted...)
	case decided && !commit && len(committed) > 0:
		return fmt.Sprintf("%s decided to abort %s, but %s committed it", cid, txn, joinNames(committed)), append([]string{cid}, committed...)
	}
	return "", nil
}

// commitNeedsYes looks at a commit decision the moment it is durable.
func commitNeedsYes(w *engine.World) (string, []string) {
	c, ok := w.NodeProcess(w.HandledNode()).(*Coordinator)
	if !ok || c.fresh == nil || !c.fresh.Commit {
		return "", nil
	}
	for _, p := range c.fresh.Parts {
		if p.Vote != "yes" {
			vote := p.Vote
			if vote == "" {
				vote = "not voted"
			}
			return fmt.Sprintf("%s decided to commit %s, but %s's vote is %s", c.id, c.fresh.ID, p.Node, vote), []string{c.id, p.Node}
		}
	}
	return "", nil
}

// locksHeld checks the participant that just ran: each lock's holder is
// prepared there, and each prepared transaction holds its locks.
func locksHeld(w *engine.World) (string, []string) {
	p, ok := w.NodeProcess(w.HandledNode()).(*Participant)
	if !ok {
		return "", nil
	}
	for _, t := range p.prepared {
		if t.State != StPrepared {
			return fmt.Sprintf("%s lists %s among its prepared transactions, but it is %s", p.id, t.ID, t.State), []string{p.id}
		}
		for _, u := range t.Updates {
			if a := p.acct(u.Account); a == nil || a.Holder != t.ID {
				return fmt.Sprintf("%s has %s prepared without the lock on %s", p.id, t.ID, u.Account), []string{p.id}
			}
		}
	}
	for _, a := range p.accounts {
		if a.Holder == "" {
			continue
		}
		if p.stateOf(a.Holder) != StPrepared {
			return fmt.Sprintf("%s's lock on %s is held by %s, which is not prepared there", p.id, a.Name, a.Holder), []string{p.id}
		}
	}
	return "", nil
}

// loggedFirst looks at a decision the moment it is sent.
func loggedFirst(w *engine.World) (string, []string) {
	c, ok := w.NodeProcess(w.HandledNode()).(*Coordinator)
	if !ok || c.sent == nil {
		return "", nil
	}
	f := w.Disk(c.id).File(logFile)
	if c.sent.DecisionAt < 0 || f == nil || f.Durable() <= c.sent.DecisionAt {
		return fmt.Sprintf("%s sent its decision on %s before the decision was durable in its log", c.id, c.sent.ID), []string{c.id}
	}
	return "", nil
}

// moneyTotal runs when money may have moved: a participant reached an
// outcome or (re)started, the coordinator ended a transaction or
// (re)started, or a command changed the run (a crash).
func moneyTotal(w *engine.World, r *replays) (string, []string) {
	switch n := w.NodeProcess(w.HandledNode()).(type) {
	case *Participant:
		if n.fresh == nil && !n.started {
			return "", nil
		}
	case *Coordinator:
		if !n.ended && !n.started {
			return "", nil
		}
	case nil:
		// A client ran, or a command changed the run: only a crash or a
		// restart (a server's status) moves money.
		if !r.statusChanged(w) {
			return "", nil
		}
	}
	m := countMoney(w, r)
	if m.Total() != m.Start {
		return fmt.Sprintf("the bank holds %d (balances %d, still to apply %+d), not the %d it started with", m.Total(), m.Balances, m.Pending, m.Start), nil
	}
	return "", nil
}

// money is the bank's books: balances, what committed transactions still
// have to apply, and the starting total.
type money struct {
	Balances, Pending, Start int
}

func (m money) Total() int { return m.Balances + m.Pending }

func countMoney(w *engine.World, r *replays) money {
	parts := w.Members(RoleParticipant)
	m := money{Start: startBalance * accountsPer * len(parts)}
	ps := make([]*Participant, len(parts))
	for i, id := range parts {
		ps[i] = participantOf(w, id, r)
		for _, a := range ps[i].accounts {
			m.Balances += a.Balance
		}
	}
	c, _ := coordinatorOf(w, r)
	if c == nil {
		return m
	}
	for _, t := range c.active {
		if !t.DecisionDurable || !t.Commit {
			continue
		}
		for _, pt := range t.Parts {
			for i, id := range parts {
				if id != pt.Node || final(ps[i].stateOf(t.ID)) {
					continue
				}
				for _, u := range pt.Updates {
					m.Pending += u.Delta
				}
			}
		}
	}
	return m
}

// Settled: once every fault is healed and the cluster ran on, every
// transaction is finished: the coordinator has none active, no participant
// holds a lock or a prepared transaction, and the balances add up.
func Settled(w *engine.World) kit.Verdict {
	for _, id := range w.Nodes() {
		if w.Status(id) != engine.StatusUp {
			return kit.Verdict{Check: "up", Text: id + " is not up"}
		}
	}
	c, cid := coordinatorOf(w, nil)
	if c != nil && len(c.active) > 0 {
		t := c.active[0]
		return kit.Verdict{Check: SettledFinished, Text: fmt.Sprintf("%s still has %d transaction(s) unfinished; %s is %s", cid, len(c.active), t.ID, t.Phase)}
	}
	for _, id := range w.Members(RoleParticipant) {
		p := participantOf(w, id, nil)
		if len(p.prepared) > 0 {
			return kit.Verdict{Check: SettledFinished, Text: fmt.Sprintf("%s still holds %s prepared, blocked", id, p.prepared[0].ID)}
		}
	}
	if m := countMoney(w, nil); m.Balances != m.Start {
		return kit.Verdict{Check: SettledFinished, Text: "the balances add up to " + strconv.Itoa(m.Balances) + ", not " + strconv.Itoa(m.Start)}
	}
	return kit.Verdict{Check: SettledFinished, OK: true, Text: "every transaction finished; no lock held; the money adds up"}
}
