package emergent

import (
	"math/bits"

	"clusterscope/engine"
	"clusterscope/patterns/kit"
)

var (
	nodeFactSource    = kit.ProcessFacts(nodeFactsOf)
	clusterFactSource = kit.ClusterFacts(clusterFactsOf)
)

// NodeFacts are a node's facts.
type NodeFacts struct {
	Coordinator string `fact:"coordinator" doc:"whom it takes for coordinator: the oldest member it hears from (empty while it is not a member)"`
	Acting      bool   `fact:"acting" doc:"it acts as coordinator (with the majority check: a majority of the members endorse it)"`
	Age         int    `fact:"age" doc:"its age, the join counter it was given (1: the seed; 0 while not a member)"`
	Version     int    `fact:"version" doc:"the membership version it holds"`
	Members     int    `fact:"members" doc:"the members not marked down in its list"`
	Endorsed    int    `fact:"endorsements" doc:"members endorsing it as coordinator, itself included"`
	Hosts       int    `fact:"hosts" doc:"how many partitions it serves now"`
}

func nodeFactsOf(w *engine.World, id string) (NodeFacts, bool) {
	n, ok := w.Process(id).(*Node)
	if !ok {
		return NodeFacts{}, false
	}
	f := NodeFacts{Coordinator: n.coordinator, Acting: acts(w, n), Version: n.m.Version, Members: n.m.live(),
		Endorsed: n.majority, Hosts: bits.OnesCount64(hosts(w, n))}
	if i := n.m.find(id); i >= 0 && n.joined {
		f.Age = n.m.Members[i].Age
	}
	return f, true
}

// ClusterFacts are what no single node knows.
type ClusterFacts struct {
	Coordinators int               `fact:"coordinators" doc:"running nodes acting as coordinator (the pattern: at most 1)"`
	Coordinator  string            `fact:"coordinator" doc:"the node acting as coordinator (the first by name if several), empty if none"`
	Hosted       int               `fact:"hosted" doc:"partitions served by at least one running node"`
	TwoOwners    int               `fact:"twoOwners" doc:"partitions served by two running nodes or more (the pattern: 0)"`
	Owner        map[string]string `fact:"owner" doc:"partition (p0, p1...) → the running node serving it (the first by name if two do)"`
}

func clusterFactsOf(w *engine.World) ClusterFacts {
	ids := w.Nodes()
	f := ClusterFacts{Owner: map[string]string{}}
	var once, twice uint64
	for i, id := range ids {
		n := nodeAt(w, ids, i)
		if n == nil {
			continue
		}
		if acts(w, n) {
			f.Coordinators++
			if f.Coordinator == "" {
				f.Coordinator = id
			}
		}
		hosting := hosts(w, n)
		twice |= once & hosting
		once |= hosting
		for h := hosting; h != 0; h &= h - 1 {
			p := partName(bits.TrailingZeros64(h))
			if _, ok := f.Owner[p]; !ok {
				f.Owner[p] = id
			}
		}
	}
	f.Hosted, f.TwoOwners = bits.OnesCount64(once), bits.OnesCount64(twice)
	return f
}
