package replog

import (
	"fmt"
	"sort"

	"clusterscope/engine"
	"clusterscope/patterns/kit"
)

// Settled judges the cluster once every fault is healed and it has run a
// while (the sweep calls it at the end of a run): it has recovered when one
// server leads and every other follows it in its generation, the leader has
// committed its whole log (its election no-op commits what earlier leaders
// left), every log holds the leader's committed prefix, every server has
// applied it to the same key-value state, and no acknowledged write is lost.
func Settled(w *engine.World) kit.Verdict {
	servers := w.Members(engine.RoleNode)
	nodes := make([]*Node, 0, len(servers))
	var leaders []string
	for _, id := range servers {
		n := nodeOf(w, id)
		if n == nil || w.Status(id) != engine.StatusUp {
			return kit.Verdict{Check: "all-up", Text: fmt.Sprintf("%s is %s after healing.", id, w.Status(id))}
		}
		nodes = append(nodes, n)
		if n.Role() == Leader {
			leaders = append(leaders, id)
		}
	}
	if len(leaders) != 1 {
		return kit.Verdict{Check: "one-leader", Text: fmt.Sprintf("%d servers lead after healing (%v); one should.", len(leaders), leaders)}
	}
	leader := nodeOf(w, leaders[0])
	mark := leader.HWM()
	if mark < leader.LastIndex() {
		return kit.Verdict{Check: "all-committed", Text: fmt.Sprintf("%s leads generation %d with entries %d to %d still above its high-water mark %d.", leader.ID(), leader.Generation(), mark+1, leader.LastIndex(), mark)}
	}
	for _, n := range nodes {
		if n.Generation() != leader.Generation() {
			return kit.Verdict{Check: "one-leader", Text: fmt.Sprintf("%s is in generation %d but %s leads generation %d.", n.ID(), n.Generation(), leader.ID(), leader.Generation())}
		}
		if i := firstDifferentEntry(n, leader, mark); i > 0 {
			return kit.Verdict{Check: "logs-equal", Text: fmt.Sprintf("%s's log differs from the leader %s's at index %d, below the high-water mark %d.", n.ID(), leader.ID(), i, mark)}
		}
	}
	keys := historyKeys(w.History())
	states := make(map[string]map[string]string, len(nodes))
	for _, n := range nodes {
		st := make(map[string]string, len(keys))
		for _, k := range keys {
			if v := n.Value(k); v != "" {
				st[k] = v
			}
		}
		states[n.ID()] = st
	}
	if v := kit.NoLostWrite(w.History(), states[leader.ID()]); !v.OK {
		return v
	}
	if v := kit.Converged(states); !v.OK {
		return v
	}
	return kit.Verdict{Check: "settled", OK: true,
		Text: fmt.Sprintf("%s leads; every log holds its %d committed entries, every store agrees and every acknowledged write is there.", leader.ID(), mark)}
}

// firstDifferentEntry is the first index (from 1) up to mark where a's log
// is missing or differs from b's, 0 when they agree. Below a low-water mark
// the logs hold no entries: the hash chain at the higher mark answers for
// what was cleaned.
func firstDifferentEntry(a, b *Node, mark int) int {
	lo := max(a.base, b.base)
	if lo > 0 && lo <= mark {
		if a.last() < lo || b.last() < lo || a.hashAt(lo) != b.hashAt(lo) {
			return min(a.last()+1, lo)
		}
	}
	for i := lo + 1; i <= mark && i <= b.last(); i++ {
		if i > a.last() || a.entry(i) != b.entry(i) {
			return i
		}
	}
	return 0
}

// historyKeys are the keys the clients touched, sorted.
func historyKeys(h []engine.Operation) []string {
	seen := map[string]bool{}
	var out []string
	for _, op := range h {
		if in, ok := op.Input.(KVInput); ok && !seen[in.Key] {
			seen[in.Key] = true
			out = append(out, in.Key)
		}
	}
	sort.Strings(out)
	return out
}
