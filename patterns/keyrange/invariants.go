package keyrange

import (
	"fmt"

	"clusterscope/engine"
)

// Invariant names.
const (
	InvTiles       = "ranges-tile-the-key-space"
	InvKeyInRange  = "key-in-own-range"
	InvEpochsGrow  = "epochs-only-grow"
	CheckScans     = "scans-see-every-key-once"
	SettledPrefix  = "settled"
	settledHealthy = "ranges-served"
)

func invariants() []engine.Invariant {
	e := &epochWatch{seen: map[epochKey]int{}}
	return []engine.Invariant{
		{Name: InvTiles, Description: "The coordinator's ranges, in key order, cover the whole key space from the first key to the last, with no gap and no overlap.", Check: tilesCheck},
		{Name: InvKeyInRange, Description: "Every key a data node stores lies inside a range it holds and serves (or is handing over): the range a read or scan of the key is routed to.", Check: keyInRange},
		{Name: InvEpochsGrow, Description: "A range's epoch never goes down: not in the coordinator's table, not on any data node.", Check: e.check},
	}
}

// coordinatorTable is the coordinator's table: from memory when it is up,
// from its disk otherwise.
func coordinatorTable(w *engine.World) (tableRecord, bool) {
	if c, ok := w.Process(Coordinator).(*CoordinatorProc); ok {
		return c.t, true
	}
	return diskTable.Get(w.Storage(Coordinator))
}

// handled is the process that handled the last step, when it is a server.
func handled(w *engine.World) engine.Process {
	return w.NodeProcess(w.HandledNode())
}

func tilesCheck(w *engine.World) (string, []string) {
	c, ok := handled(w).(*CoordinatorProc)
	if !ok || c.t.Version == 0 {
		return "", nil
	}
	if why := tiles(c.t.Ranges); why != "" {
		return fmt.Sprintf("table v%d: %s", c.t.Version, why), []string{Coordinator}
	}
	return "", nil
}

// keyInRange looks at the ranges the handled node changed: each key must
// lie inside its range, and a range handed over keeps no keys.
func keyInRange(w *engine.World) (string, []string) {
	n, ok := handled(w).(*Node)
	if !ok {
		return "", nil
	}
	for _, r := range n.touched {
		if r.State == heldMoved && len(r.Keys) > 0 {
			return fmt.Sprintf("%s keeps %d keys of %s, which it handed over to %s", n.id, len(r.Keys), rangeName(r.ID), r.To), []string{n.id}
		}
		if k := n.putKey; k != "" {
			// A put: the range's other keys were judged when they came.
			if !contains(r.Start, r.End, k) {
				return outsideRange(w, n, r, k)
			}
			continue
		}
		for k := range r.Keys {
			if !contains(r.Start, r.End, k) {
				return outsideRange(w, n, r, k)
			}
		}
	}
	return "", nil
}

// outsideRange tells of key k stored in r, outside its bounds.
func outsideRange(w *engine.World, n *Node, r *rng, k string) (string, []string) {
	owner := "the range that holds it"
	if t, ok := coordinatorTable(w); ok {
		if tr := tableRange(t.Ranges, k); tr != nil {
			owner = rangeName(tr.ID) + " on " + tr.Owner
		}
	}
	return fmt.Sprintf("%s stores %s in %s %s (epoch %d), outside the range: reads and scans of %s go to %s and never see it",
		n.id, k, rangeName(r.ID), bounds(r.Start, r.End), r.Epoch, k, owner), []string{n.id}
}

// epochWatch remembers the highest epoch each process held for each range.
type epochWatch struct{ seen map[epochKey]int }

type epochKey struct {
	proc string
	rng  int
}

func (e *epochWatch) check(w *engine.World) (string, []string) {
	switch p := handled(w).(type) {
	case *CoordinatorProc:
		for _, r := range p.t.Ranges {
			if why := e.see(p.id, r.ID, r.Epoch); why != "" {
				return why, []string{p.id}
			}
		}
	case *Node:
		if p.putKey != "" {
			return "", nil // a put leaves its range's epoch as it was
		}
		for _, r := range p.touched {
			if why := e.see(p.id, r.ID, r.Epoch); why != "" {
				return why, []string{p.id}
			}
		}
	}
	return "", nil
}

func (e *epochWatch) see(proc string, id, epoch int) string {
	k := epochKey{proc, id}
	if was, ok := e.seen[k]; ok && epoch < was {
		return fmt.Sprintf("%s holds %s at epoch %d, after epoch %d", proc, rangeName(id), epoch, was)
	}
	e.seen[k] = epoch
	return ""
}

// rangesOf is every range node id holds (online, frozen or handed over),
// from memory or, while it is not up, from its disk.
func rangesOf(w *engine.World, id string) []rangeRecord {
	if n, ok := w.Process(id).(*Node); ok {
		out := make([]rangeRecord, len(n.ranges))
		for i, r := range n.ranges {
			out[i] = r.rangeRecord
		}
		return out
	}
	st := w.Storage(id)
	if st == nil {
		return nil
	}
	return loadRanges(st)
}
