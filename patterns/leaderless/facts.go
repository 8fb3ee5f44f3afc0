package leaderless

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
	Waiting   int               `fact:"waiting" doc:"messages on its waiting list (one per replica it asked and is still waiting for)"`
	Pending   int               `fact:"pending" doc:"client requests it coordinates that have not completed"`
	Completed int               `fact:"completed" doc:"client requests it completed with Success since it started"`
	Timeouts  int               `fact:"timeouts" doc:"client requests that expired (Timeout) since it started"`
	Late      int               `fact:"late" doc:"responses it ignored because nothing waited for them any more"`
	Values    map[string]string `fact:"values" doc:"what this replica holds, key by key"`
}

// ClientFacts are a client's facts.
type ClientFacts struct {
	OK       int    `fact:"ok" doc:"its operations that succeeded"`
	Unknown  int    `fact:"unknown" doc:"its sets that timed out (they may have reached some replicas)"`
	TimedOut int    `fact:"timedOut" doc:"its gets that timed out"`
	Pending  int    `fact:"pending" doc:"its operations waiting for an answer"`
	Last     string `fact:"last" doc:"a short text of its last outcome"`
}

func nodeFactsOf(w *engine.World, id string) (NodeFacts, bool) {
	n, ok := w.Process(id).(*Node)
	if !ok {
		return NodeFacts{}, false
	}
	values := make(map[string]string, len(n.store))
	for k, s := range n.store {
		values[k] = s.Value
	}
	return NodeFacts{Waiting: n.waiting.Len(), Pending: len(n.pending), Completed: n.Completed, Timeouts: n.Timeouts, Late: n.Late, Values: values}, true
}

func clientFactsOf(w *engine.World, id string) (ClientFacts, bool) {
	c, ok := w.Process(id).(*Client)
	if !ok {
		return ClientFacts{}, false
	}
	return ClientFacts{OK: c.OK, Unknown: c.Unknown, TimedOut: c.TimedOut, Pending: c.ops.Len(), Last: c.last()}, true
}
