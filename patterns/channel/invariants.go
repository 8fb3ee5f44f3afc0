package channel

import (
	"fmt"

	"clusterscope/engine"
	"clusterscope/patterns/kit"
)

// Invariant names (stable: scenarios and tests refer to them).
const (
	// InvConnFIFO: the engine's promise for one connection, as a follower
	// sees it.
	InvConnFIFO = "connection-in-order"
	// InvAppliedOnce: the follower's duplicate check across reconnects.
	InvAppliedOnce = "no-frame-applied-twice"
	// InvApplyOrder is what the broken variant breaks first.
	InvApplyOrder = "apply-order-is-send-order"
)

func invariants() []engine.Invariant {
	nodes := &nodeList{}
	order := &applyOrder{nodes: nodes}
	return []engine.Invariant{
		{Name: InvConnFIFO, Description: "On one connection a follower receives frames in the order athens sent them, with no gap: each Seq one more than the last on that connection.", Check: nodes.eachFollower(func(f *follower) string { return f.fifoBreach })},
		{Name: InvAppliedOnce, Description: "No follower applies the same frame twice, however often it was resent after a reset.", Check: nodes.eachFollower(func(f *follower) string { return f.twiceBreach })},
		{Name: InvApplyOrder, Description: "Every follower applies athens's log in athens's order: its n-th applied entry is athens's entry #n.", Check: order.check},
	}
}

// nodeList is one run's server ids, read once: a run's nodes are fixed
// when it is built, and World.Nodes copies the list at every call (the
// checks run after every step).
type nodeList struct{ ids []string }

func (l *nodeList) get(w *engine.World) []string {
	if l.ids == nil {
		l.ids = w.Nodes()
	}
	return l.ids
}

func (l *nodeList) eachFollower(breach func(f *follower) string) func(w *engine.World) (string, []string) {
	return func(w *engine.World) (string, []string) {
		for i, id := range l.get(w) {
			if n, ok := w.NodeProcess(i).(*Node); ok && !n.lead {
				if text := breach(&n.follower); text != "" {
					return text, []string{id}
				}
			}
		}
		return "", nil
	}
}

// applyOrder compares each follower's applied entries with athens's log
// (its disk, which a crash does not take), reading only what is new since
// the last step.
type applyOrder struct {
	nodes   *nodeList
	checked []int // per node (by position): applied entries already compared
}

func (a *applyOrder) check(w *engine.World) (string, []string) {
	leaders := w.Members(roleLeader)
	if len(leaders) == 0 {
		return "", nil
	}
	log := w.Storage(leaders[0]).Log()
	ids := a.nodes.get(w)
	if a.checked == nil {
		a.checked = make([]int, len(ids))
	}
	for i, id := range ids {
		n, ok := w.NodeProcess(i).(*Node)
		if !ok || n.lead {
			continue
		}
		f := &n.follower
		k := a.checked[i]
		if k > len(f.applied) { // rebuilt after a restart: compare again
			k = 0
		}
		for ; k < len(f.applied); k++ {
			seq := f.applied[k]
			if seq != k+1 {
				prev := "nothing"
				if k > 0 {
					prev = fmt.Sprintf("#%d", f.applied[k-1])
				}
				return fmt.Sprintf("%s applied #%d right after %s: athens sent #%d before it", id, seq, prev, k+1), []string{id}
			}
			if e, _ := f.entries.get(seq); k >= len(log) || log[k].(Entry) != e {
				return fmt.Sprintf("%s's entry #%d is not athens's #%d", id, seq, seq), []string{id, leaders[0]}
			}
		}
		a.checked[i] = k
	}
	return "", nil
}

// Settled: once every fault is healed and the cluster ran a while, every
// node is up, athens's channels are open and trusted, every follower holds
// athens's whole log and trusts athens, and no read is left waiting.
func Settled(w *engine.World) kit.Verdict {
	leaders := w.Members(roleLeader)
	if len(leaders) == 0 {
		return kit.Verdict{Check: "leader", Text: "no leader"}
	}
	l, ok := w.Process(leaders[0]).(*Node)
	if !ok {
		return kit.Verdict{Check: "up", Text: leaders[0] + " is not up"}
	}
	for _, id := range w.Members(roleFollower) {
		n, ok := w.Process(id).(*Node)
		if !ok {
			return kit.Verdict{Check: "up", Text: id + " is not up"}
		}
		ch := l.channel(id)
		switch {
		case ch == nil:
			return kit.Verdict{Check: "channels", Text: "athens has no channel to " + id}
		case ch.failed:
			return kit.Verdict{Check: "trusted", Text: "athens still treats " + id + " as failed"}
		case !w.Variant(VarConnPerRequest) && ch.conn == 0:
			return kit.Verdict{Check: "channels", Text: "athens has no open connection to " + id}
		case ch.acked != len(l.log):
			return kit.Verdict{Check: "caught-up", Text: fmt.Sprintf("%s acknowledged #%d of athens's %d entries", id, ch.acked, len(l.log))}
		case n.suspects:
			return kit.Verdict{Check: "trusted", Text: id + " still treats athens as failed"}
		case len(n.reads) > 0:
			return kit.Verdict{Check: "reads", Text: fmt.Sprintf("%s has %d read(s) waiting", id, len(n.reads))}
		}
		if n.contig != len(l.log) {
			return kit.Verdict{Check: "caught-up", Text: fmt.Sprintf("%s holds #%d of athens's %d entries", id, n.contig, len(l.log))}
		}
	}
	return kit.Verdict{Check: "settled", OK: true, Text: "every channel is open and trusted, every follower holds athens's whole log"}
}
