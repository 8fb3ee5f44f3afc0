package keyrange

import (
	"fmt"
	"slices"
	"sort"

	"clusterscope/engine"
	"clusterscope/patterns/kit"
)

func sortStrings(s []string) { sort.Strings(s) }

// Settled: once every fault is healed and the cluster ran on, no split or
// move is left under way, every range is online on the node the table
// names at the table's epoch, no node keeps a frozen copy, and every key
// whose put was acknowledged is readable from the owner of its range.
// What waits on a node that has left the cluster (its disk went with it)
// is excused: without replication its ranges wait for it to come back.
func Settled(w *engine.World) kit.Verdict {
	members := w.Members(RoleData)
	if !slices.Contains(w.Members(RoleCoordinator), Coordinator) {
		return kit.Verdict{Check: settledHealthy, OK: true, Text: "the coordinator has left the cluster: the table cannot change until it is back"}
	}
	c, ok := w.Process(Coordinator).(*CoordinatorProc)
	if !ok {
		return kit.Verdict{Check: "coordinator-up", Text: "the coordinator is not up"}
	}
	gone := func(id string) bool { return id != "" && !slices.Contains(members, id) }
	if op := c.t.Op; op.Kind != "" {
		owner := ""
		if i := c.index(op.Range); i >= 0 {
			owner = c.t.Ranges[i].Owner
		}
		if !gone(owner) && !gone(op.To) && !gone(op.From) {
			return kit.Verdict{Check: "no-operation-stuck", Text: fmt.Sprintf("the coordinator's %s of %s is still under way", op.Kind, rangeName(op.Range))}
		}
	}
	held := map[string][]rangeRecord{}
	for _, id := range members {
		if _, ok := w.Process(id).(*Node); !ok {
			return kit.Verdict{Check: "nodes-up", Text: id + " is not up"}
		}
		held[id] = rangesOf(w, id)
		for _, r := range held[id] {
			if r.State == heldMoving && !gone(r.To) {
				return kit.Verdict{Check: "no-frozen-copy", Text: fmt.Sprintf("%s still keeps %s frozen for %s", id, rangeName(r.ID), r.To)}
			}
		}
	}
	for _, r := range c.t.Ranges {
		if gone(r.Owner) || (r.State == stateMoving && gone(r.To)) {
			continue
		}
		if r.State != stateOnline {
			return kit.Verdict{Check: settledHealthy, Text: fmt.Sprintf("%s is %s in the table", rangeName(r.ID), r.State)}
		}
		i := slices.IndexFunc(held[r.Owner], func(h rangeRecord) bool { return h.ID == r.ID })
		if i < 0 {
			return kit.Verdict{Check: settledHealthy, Text: fmt.Sprintf("the table puts %s on %s, which does not hold it", rangeName(r.ID), r.Owner)}
		}
		if h := held[r.Owner][i]; h.State != heldOnline || h.Epoch != r.Epoch || h.Start != r.Start || h.End != r.End {
			return kit.Verdict{Check: settledHealthy, Text: fmt.Sprintf("the table has %s %s at epoch %d on %s, which holds it %s at epoch %d",
				rangeName(r.ID), bounds(r.Start, r.End), r.Epoch, r.Owner, bounds(h.Start, h.End), h.Epoch)}
		}
	}
	for _, op := range w.History() {
		in, ok := op.Input.(Op)
		if !ok || in.Kind != opPut || op.Status != engine.OpOK {
			continue
		}
		r := tableRange(c.t.Ranges, in.Key)
		if r == nil || gone(r.Owner) {
			continue
		}
		i := slices.IndexFunc(held[r.Owner], func(h rangeRecord) bool { return h.ID == r.ID })
		if i < 0 {
			continue // reported above
		}
		if _, ok := held[r.Owner][i].Keys[in.Key]; !ok {
			return kit.Verdict{Check: "acknowledged-keys-readable", Ops: []int{op.ID},
				Text: fmt.Sprintf("%s's put of %s was acknowledged, but %s on %s, where reads of %s go, does not hold it", op.Client, in.Key, rangeName(r.ID), r.Owner, in.Key)}
		}
	}
	return kit.Verdict{Check: settledHealthy, OK: true, Text: "every range is online where the table says, and every acknowledged key is readable from its owner"}
}
