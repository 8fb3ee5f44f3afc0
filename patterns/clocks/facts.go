package clocks

import (
	"clusterscope/engine"
	"clusterscope/patterns/kit"
)

var (
	nodeFactSource   = kit.ProcessFacts(nodeFactsOf)
	clientFactSource = kit.ProcessFacts(clientFactsOf)
)

// NodeFacts are a server's facts.
type NodeFacts struct {
	Clock   int               `fact:"counter" doc:"the stamp of its latest event: the Lamport counter, or a hybrid stamp's logical counter"`
	Wall    int               `fact:"wall" doc:"a hybrid stamp's wall part, in milliseconds (0 on the Lamport page)"`
	Values  map[string]string `fact:"values" doc:"what this replica holds, key by key"`
	Stamps  map[string]int    `fact:"stamps" doc:"the Lamport stamp of each key's version it holds (a hybrid stamp's counter)"`
	Walls   map[string]int    `fact:"walls" doc:"the wall part of each key's hybrid stamp it holds"`
	Dropped int               `fact:"dropped" doc:"versions it dropped in a merge because the other one had the higher stamp"`
	Unacked int               `fact:"unacked" doc:"copies of writes it sent that no peer has acknowledged yet"`
	Writes  int               `fact:"writes" doc:"client writes it stamped since it started"`
}

// ClientFacts are a client's facts.
type ClientFacts struct {
	Seen     int    `fact:"seen" doc:"the highest stamp it has seen (a hybrid stamp's counter), sent with every request"`
	SeenWall int    `fact:"seenWall" doc:"the wall part of the highest hybrid stamp it has seen"`
	OK       int    `fact:"ok" doc:"its operations that were answered"`
	Pending  int    `fact:"pending" doc:"its operations waiting for an answer"`
	Last     string `fact:"last" doc:"a short text of its last outcome"`
}

func nodeFactsOf(w *engine.World, id string) (NodeFacts, bool) {
	s, ok := w.Process(id).(*Server)
	if !ok {
		return NodeFacts{}, false
	}
	f := NodeFacts{Clock: int(s.clock.N), Wall: int(s.clock.Wall), Dropped: s.Lost, Unacked: len(s.pending), Writes: s.Writes,
		Values: map[string]string{}, Stamps: map[string]int{}, Walls: map[string]int{}}
	for k, h := range s.store {
		f.Values[k], f.Stamps[k], f.Walls[k] = h.Value, int(h.Version.TS.N), int(h.Version.TS.Wall)
	}
	return f, true
}

func clientFactsOf(w *engine.World, id string) (ClientFacts, bool) {
	c, ok := w.Process(id).(*Client)
	if !ok {
		return ClientFacts{}, false
	}
	return ClientFacts{Seen: int(c.seen.N), SeenWall: int(c.seen.Wall), OK: c.OK, Pending: c.ops.Len(), Last: c.last()}, true
}
