package web

import (
	"cmp"
	"slices"

	"clusterscope/engine"
)

// maxWireRows bounds the nodes and the links a frame's counters list: the
// busiest ones (the panel shows a handful; a 200-node cluster has 40,000
// links). The totals and the kinds are always whole.
const maxWireRows = 16

// trafficEvery is how much virtual time a run goes on between two looks at
// its counters while it plays (they change at nearly every step, and the
// whole panel's data is a few KB: every frame would quadruple a frame's
// size). After anything the learner does they are looked at in the next
// frame (baseline.trafficDue), so a paused or stepped run shows them exact.
const trafficEvery = 250_000 // µs

// trafficWire is the counters panel's data (engine.World.Traffic), cut to
// the busiest rows; More* say how many were left out.
type trafficWire struct {
	engine.TrafficView
	MoreNodes int `json:"moreNodes,omitempty"`
	MoreLinks int `json:"moreLinks,omitempty"`
}

func newTrafficWire(sim *engine.Sim) *trafficWire {
	t := &trafficWire{TrafficView: sim.World().Traffic()}
	t.Nodes, t.MoreNodes = busiest(t.Nodes, func(n engine.NodeTraffic) int64 { return n.Sent.Messages + n.Received.Messages })
	t.Links, t.MoreLinks = busiest(t.Links, func(l engine.LinkTraffic) int64 { return l.Sent.Messages })
	return t
}

// busiest keeps the maxWireRows rows that count most, in their order, and
// says how many it dropped.
func busiest[T any](rows []T, count func(T) int64) ([]T, int) {
	if len(rows) <= maxWireRows {
		return rows, 0
	}
	idx := make([]int, len(rows))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int { return cmp.Compare(count(rows[b]), count(rows[a])) })
	idx = idx[:maxWireRows]
	slices.Sort(idx)
	out := make([]T, len(idx))
	for i, j := range idx {
		out[i] = rows[j]
	}
	return out, len(rows) - maxWireRows
}
