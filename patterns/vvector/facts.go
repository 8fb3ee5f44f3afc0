package vvector

import (
	"strings"

	"clusterscope/engine"
	"clusterscope/patterns/kit"
)

var (
	nodeFactSource    = kit.ProcessFacts(nodeFactsOf)
	clientFactSource  = kit.ProcessFacts(clientFactsOf)
	clusterFactSource = kit.ClusterFacts(clusterFactsOf)
)

// NodeFacts are a replica's facts.
type NodeFacts struct {
	Siblings map[string]int    `fact:"siblings" doc:"versions it keeps of each key (more than one: concurrent siblings)"`
	Values   map[string]string `fact:"values" doc:"its versions of each key, their values joined by \" | \" in dot order"`
	Vectors  map[string]string `fact:"vectors" doc:"the version vectors of its versions of each key, joined by \" | \" in dot order"`
	Writes   int               `fact:"writes" doc:"client writes it coordinated since it started"`
	Repaired int               `fact:"repaired" doc:"read repairs it sent (or made to itself) since it started"`
	Pending  int               `fact:"pending" doc:"client requests it coordinates that have not ended"`
}

// ClientFacts are a client's facts.
type ClientFacts struct {
	OK      int               `fact:"ok" doc:"its operations that succeeded"`
	Unknown int               `fact:"unknown" doc:"its adds that timed out (they may have reached some replicas)"`
	Failed  int               `fact:"failed" doc:"its gets that timed out"`
	Pending int               `fact:"pending" doc:"its operations waiting for an answer"`
	Last    string            `fact:"last" doc:"a short text of its last outcome"`
	Cart    map[string]string `fact:"cart" doc:"per key, the items it last read or wrote, joined by commas"`
}

// ClusterFacts are the whole cluster's facts.
type ClusterFacts struct {
	Converged bool           `fact:"converged" doc:"every replica holds the same versions of every key"`
	Versions  map[string]int `fact:"versions" doc:"per key, how many different versions the replicas hold between them"`
	Lost      int            `fact:"lost" doc:"acknowledged writes no replica holds and no later write replaced (the broken variants' harm)"`
}

func nodeFactsOf(w *engine.World, id string) (NodeFacts, bool) {
	n, ok := w.Process(id).(*Node)
	if !ok {
		return NodeFacts{}, false
	}
	f := NodeFacts{Siblings: map[string]int{}, Values: map[string]string{}, Vectors: map[string]string{},
		Writes: n.Writes, Repaired: n.Repaired, Pending: n.waiting.Len()}
	for k, ks := range n.store {
		f.Siblings[k] = len(ks.Siblings)
		f.Values[k] = strings.Join(values(ks.Siblings), " | ")
		vs := make([]string, len(ks.Siblings))
		for i, s := range ks.Siblings {
			vs[i] = s.Vector().String()
		}
		f.Vectors[k] = strings.Join(vs, " | ")
	}
	return f, true
}

func clientFactsOf(w *engine.World, id string) (ClientFacts, bool) {
	c, ok := w.Process(id).(*Client)
	if !ok {
		return ClientFacts{}, false
	}
	cart := make(map[string]string, len(c.read))
	for k, r := range c.read {
		cart[k] = strings.Join(r.items, ",")
	}
	return ClientFacts{OK: c.rc.OK, Unknown: c.rc.Unknown, Failed: c.rc.Failed, Pending: len(c.rc.Pending()), Last: c.rc.Last(), Cart: cart}, true
}

func clusterFactsOf(w *engine.World) ClusterFacts {
	nodes := w.Members(engine.RoleNode)
	_, _, _, converged := diverged(w, nodes)
	f := ClusterFacts{Converged: converged, Versions: map[string]int{}}
	for _, k := range allKeys(w) {
		f.Versions[k] = len(viewKey(w, k).sibs)
	}
	lost, _ := lostWrites(w)
	f.Lost = len(lost)
	return f
}
