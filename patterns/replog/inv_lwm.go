package replog

import (
	"fmt"
	"maps"
	"slices"

	"clusterscope/engine"
)

// The Low-Water Mark page's invariants: a log is cleaned only under a
// snapshot, and a node's state is what the committed log up to its applied
// index produces (after a restart: the snapshot plus the log after it).

const (
	InvLowWaterOrder   = "low-water-order"
	InvStateMatchesLog = "state-matches-log"
)

// lowWaterOrder: low-water mark ≤ snapshot's last included index ≤ applied
// ≤ high-water mark, on every running node.
func (t *tracker) lowWaterOrder(w *engine.World) (string, []string) {
	t.refresh(w)
	for _, n := range t.nodeCache {
		if n == nil {
			continue
		}
		s := n.snapIndex()
		switch {
		case n.base > s:
			return fmt.Sprintf("%s cleaned its log up to %d but its snapshot covers only up to %d: what entries %d..%d did to the state is on no disk", n.id, n.base, s, s+1, n.base), []string{n.id}
		case s > n.applied:
			return fmt.Sprintf("%s has a snapshot up to %d but applied only %d entries", n.id, s, n.applied), []string{n.id}
		case n.applied > n.hwm:
			return fmt.Sprintf("%s applied %d entries, above its high-water mark %d", n.id, n.applied, n.hwm), []string{n.id}
		}
	}
	return "", nil
}

// stateMatchesLog compares each node's key-value state, whenever its
// applied index moves or it restarts, with the state the committed entries
// up to that index produce.
func (t *tracker) stateMatchesLog(w *engine.World) (string, []string) {
	t.sync(w)
	if t.stateNode == nil {
		t.stateNode, t.stateApplied = make([]*Node, len(t.ids)), make([]int, len(t.ids))
	}
	for i, n := range t.nodeCache {
		if n == nil || (n == t.stateNode[i] && n.applied == t.stateApplied[i]) {
			continue
		}
		t.stateNode[i], t.stateApplied[i] = n, n.applied
		a := n.applied
		if a > t.cEntries.len() {
			continue // applied past what is known committed: committed-entries-stable's to judge
		}
		// Keys in order: the first difference found is the one reported.
		for _, k := range slices.Sorted(maps.Keys(n.kv)) {
			if _, ok := t.keyWrites[k]; !ok {
				return fmt.Sprintf("%s holds %s=%s, which no committed entry up to %d wrote", n.id, k, n.kv[k], a), []string{n.id}
			}
		}
		for _, k := range slices.Sorted(maps.Keys(t.keyWrites)) {
			idxs := t.keyWrites[k]
			want := ""
			for j := len(idxs) - 1; j >= 0; j-- {
				if idxs[j] <= a {
					want = t.cEntries.at(idxs[j] - 1).Value
					break
				}
			}
			if got := n.kv[k]; got != want {
				return fmt.Sprintf("%s has %s=%q after applying %d entries, but the committed log up to %d gives %s=%q", n.id, k, got, a, a, k, want), []string{n.id}
			}
		}
	}
	return "", nil
}
