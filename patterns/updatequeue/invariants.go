package updatequeue

import (
	"fmt"
	"strings"

	"clusterscope/engine"
	"clusterscope/patterns/kit"
)

// Invariant names (stable: scenarios and tests refer to them).
const (
	// InvOneAtATime is the pattern's promise, and what the lesson names
	// as the broken variant's first failure.
	InvOneAtATime      = "one-update-at-a-time"
	InvApplyInLogOrder = "apply-order-is-log-order"
	InvBalanceNotBelow = "balance-never-negative"
)

// invariants are checked after every step, in this order.
func invariants() []engine.Invariant {
	servers := &serverList{count: -1}
	return []engine.Invariant{
		{Name: InvOneAtATime, Description: "At most one update is between reading the balance and applying its change (read → validate → WAL write → apply).", Check: servers.oneAtATime},
		{Name: InvApplyInLogOrder, Description: "Updates are applied in the order of their WAL records, so a replay rebuilds the same balance.", Check: servers.applyInLogOrder},
		{Name: InvBalanceNotBelow, Description: "The balance never goes below zero: a withdrawal is refused when the money is not there.", Check: servers.balanceNotBelow},
	}
}

// serverList is one run's checkers' view of its server nodes. A run's
// nodes are fixed when it is built, so their number is read once:
// World.Nodes copies the list, and the checks run after every step.
type serverList struct{ count int }

// each runs check on every up account server until one reports a breach.
func (l *serverList) each(w *engine.World, check func(s *Server) (string, []string)) (string, []string) {
	if l.count < 0 {
		l.count = len(w.Nodes())
	}
	for i := range l.count {
		if s, ok := w.NodeProcess(i).(*Server); ok {
			if text, nodes := check(s); text != "" {
				return text, nodes
			}
		}
	}
	return "", nil
}

func (l *serverList) oneAtATime(w *engine.World) (string, []string) {
	return l.each(w, func(s *Server) (string, []string) {
		if s.criticalCount() > 1 {
			c := s.critical()
			parts := make([]string, len(c))
			for i, t := range c {
				parts[i] = t.name() + " (" + t.stage.String() + ")"
				if t.stage > stRead {
					parts[i] = fmt.Sprintf("%s (%s, read %d)", t.name(), t.stage, t.read)
				}
			}
			return fmt.Sprintf("%s has %d updates in flight at once: %s; each will write back a balance computed from what it read", s.id, len(c), strings.Join(parts, ", ")), []string{s.id}
		}
		return "", nil
	})
}

func (l *serverList) applyInLogOrder(w *engine.World) (string, []string) {
	return l.each(w, func(s *Server) (string, []string) {
		if s.orderBreach != "" {
			return s.id + ": " + s.orderBreach + "; a replay after a crash applies them in another order", []string{s.id}
		}
		return "", nil
	})
}

func (l *serverList) balanceNotBelow(w *engine.World) (string, []string) {
	return l.each(w, func(s *Server) (string, []string) {
		if s.balance < 0 {
			return fmt.Sprintf("%s's balance is %d: more was paid out than the account held", s.id, s.balance), []string{s.id}
		}
		return "", nil
	})
}

// ledger is the balance athens's WAL adds up to (written records, intact
// ones, in order): what a replay would rebuild.
func ledger(d *engine.Disk) (balance, records int) {
	balance = InitialBalance
	f := d.File(walFile)
	if f == nil {
		return balance, 0
	}
	for _, r := range f.Records() {
		if !r.Intact() {
			break
		}
		balance += r.Data.(walRecord).delta()
		records++
	}
	return balance, records
}

// Settled: once every fault is healed, athens is up with no client
// request left (a heartbeat may be passing through), its balance is what its WAL adds up to, every acknowledged update is
// in the WAL, and byzantium (in the heartbeat setup) trusts athens again.
func Settled(w *engine.World) kit.Verdict {
	for _, id := range w.Members(engine.RoleNode) {
		s, ok := w.Process(id).(*Server)
		if !ok {
			return kit.Verdict{Check: "up", Text: id + " is not up"}
		}
		if n := s.clientTasks(); n > 0 {
			return kit.Verdict{Check: "drained", Text: fmt.Sprintf("%s still has %d client request(s) queued or running", id, n)}
		}
		bal, _ := ledger(w.Disk(id))
		if bal != s.balance {
			return kit.Verdict{Check: "balance-is-ledger", Text: fmt.Sprintf("%s's balance is %d but its WAL adds up to %d", id, s.balance, bal)}
		}
		logged := map[int]bool{}
		if f := w.Disk(id).File(walFile); f != nil {
			for _, r := range f.Records()[:f.Durable()] {
				logged[r.Data.(walRecord).Req] = true
			}
		}
		for _, op := range w.History() {
			out, ok := op.Output.(Outcome)
			if op.Status == engine.OpOK && ok && out.OK && op.Input.(Op).mutates() && !logged[op.ID] {
				return kit.Verdict{Check: "acked-in-wal", Text: fmt.Sprintf("%s's %s was acknowledged but is not in %s's durable WAL", op.Client, op.Input, id), Ops: []int{op.ID}}
			}
		}
	}
	for _, id := range w.Members(rolePeer) {
		if p, ok := w.Process(id).(*Peer); ok && p.suspects {
			return kit.Verdict{Check: "trusted", Text: id + " still suspects a healthy athens"}
		}
	}
	return kit.Verdict{Check: "settled", OK: true, Text: "athens is idle, its balance is its WAL's, every acknowledged update is durable"}
}
