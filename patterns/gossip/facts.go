package gossip

import (
	"clusterscope/engine"
	"clusterscope/patterns/kit"
)

var (
	nodeFactSource    = kit.ProcessFacts(nodeFactsOf)
	clusterFactSource = kit.ClusterFacts(clusterFactsOf)
)

// NodeFacts are a peer's facts.
type NodeFacts struct {
	Generation   int               `fact:"generation" doc:"its generation: bumped, on its disk, at every restart"`
	Version      int               `fact:"version" doc:"the highest version it has stamped on its own state in this generation"`
	Round        int               `fact:"round" doc:"gossip rounds it has run since it started"`
	Address      string            `fact:"address" doc:"the address it announces (a new port at every boot)"`
	Knows        int               `fact:"knows" doc:"members it holds an entry for, itself included"`
	Stale        int               `fact:"stale" doc:"members that are up whose current generation, address or rumour it does not hold"`
	Suspects     int               `fact:"suspects" doc:"members it judges suspect"`
	Dead         int               `fact:"dead" doc:"members it judges dead"`
	RumourRounds int               `fact:"rumourRounds" doc:"rounds it has gossiped since it started its latest rumour (0: none)"`
	Rumours      map[string]string `fact:"rumours" doc:"the rumour it holds of each member that started one, by member"`
	Addresses    map[string]string `fact:"addresses" doc:"the address it holds of each member it knows, by member"`
}

// ClusterFacts are what no single node knows.
type ClusterFacts struct {
	Heard     map[string]int `fact:"heard" doc:"how many nodes that are up hold a rumour of this value (from any member), by value"`
	Stale     int            `fact:"stale" doc:"(node, member) pairs, both up, where the node lacks the member's current generation, address or rumour"`
	Suspected int            `fact:"suspected" doc:"(node, member) pairs, both up, where the node judges the member suspect"`
	Declared  int            `fact:"declaredDead" doc:"(node, member) pairs, both up, where the node judges the member dead"`
}

func nodeFactsOf(w *engine.World, id string) (NodeFacts, bool) {
	n, ok := w.Process(id).(*Node)
	if !ok || len(n.entries) == 0 {
		return NodeFacts{}, false
	}
	f := NodeFacts{Generation: int(n.gen), Version: int(n.ver), Round: n.round, Address: n.entries[n.self].addr.Value,
		Knows: n.known, Suspects: n.suspects, Dead: n.deads, Rumours: map[string]string{}, Addresses: map[string]string{}}
	if n.started.Ver > 0 {
		f.RumourRounds = n.round - n.startedRound
	}
	for j := range n.entries {
		if r := n.entries[j].rumour.Value; r != "" {
			f.Rumours[n.peers[j]] = r
		}
		if a := n.entries[j].addr.Value; a != "" {
			f.Addresses[n.peers[j]] = a
		}
	}
	f.Stale = staleOn(n, upNodes(w))
	return f, true
}

func upNodes(w *engine.World) []*Node {
	nodes := w.Nodes()
	procs := make([]*Node, len(nodes))
	for i := range nodes {
		procs[i], _ = w.NodeProcess(i).(*Node)
	}
	return procs
}

func clusterFactsOf(w *engine.World) ClusterFacts {
	procs := upNodes(w)
	f := ClusterFacts{Heard: map[string]int{}}
	for _, n := range procs {
		if n == nil {
			continue
		}
		seen := map[string]bool{}
		for j := range n.entries {
			e := &n.entries[j]
			if e.rumour.Value != "" && !seen[e.rumour.Value] {
				seen[e.rumour.Value] = true
				f.Heard[e.rumour.Value]++
			}
			if j < len(procs) && procs[j] != nil && procs[j] != n && e.known {
				switch e.status {
				case suspect:
					f.Suspected++
				case dead:
					f.Declared++
				}
			}
		}
		f.Stale += staleOn(n, procs)
	}
	return f
}
