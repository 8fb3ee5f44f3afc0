package gossip

import (
	"fmt"

	"clusterscope/engine"
	"clusterscope/patterns/kit"
)

// Settled: once every fault is healed and the cluster has gossiped a few
// seconds, every node is up, every node holds every member's current
// generation, address and rumour, and no node suspects a member that is
// up.
func Settled(w *engine.World) kit.Verdict {
	nodes := w.Nodes()
	procs := make([]*Node, len(nodes))
	for i, id := range nodes {
		n, ok := w.NodeProcess(i).(*Node)
		if !ok {
			return kit.Verdict{Check: "up", Text: id + " is not up"}
		}
		procs[i] = n
	}
	for _, n := range procs {
		for j, m := range procs {
			if m == n {
				continue
			}
			e, own := &n.entries[j], &m.entries[m.self]
			switch {
			case !e.known:
				return kit.Verdict{Check: "converged", Text: fmt.Sprintf("%s has not heard of %s", n.id, m.id)}
			case e.gen != own.gen || e.addr.Value != own.addr.Value || e.rumour.Value != own.rumour.Value:
				return kit.Verdict{Check: "converged", Text: fmt.Sprintf("%s holds %s at generation %d, address %s, rumour %q; %s is at generation %d, address %s, rumour %q",
					n.id, m.id, e.gen, e.addr.Value, e.rumour.Value, m.id, own.gen, own.addr.Value, own.rumour.Value)}
			case e.status != alive:
				return kit.Verdict{Check: "all-alive", Text: fmt.Sprintf("%s judges %s %s, though it is up", n.id, m.id, statusNames[e.status])}
			}
		}
	}
	return kit.Verdict{Check: "settled", OK: true, Text: "every node is up, holds every member's current state and judges every member alive"}
}
