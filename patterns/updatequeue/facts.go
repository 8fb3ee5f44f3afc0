package updatequeue

import (
	"clusterscope/engine"
	"clusterscope/patterns/kit"
)

var (
	nodeFactSource    = kit.ProcessFacts(nodeFactsOf)
	clientFactSource  = kit.ProcessFacts(clientFactsOf)
	clusterFactSource = kit.ClusterFacts(clusterFactsOf)
)

// NodeFacts are a server's facts: athens's account, or byzantium's view of
// athens.
type NodeFacts struct {
	Balance    int    `fact:"balance" doc:"athens's balance as its update thread holds it"`
	Depth      int    `fact:"depth" doc:"tasks waiting in athens's queue"`
	MaxDepth   int    `fact:"maxDepth" doc:"the deepest athens's queue has been since it started"`
	Running    int    `fact:"running" doc:"tasks on athens's update thread (more than one only with parallel handlers)"`
	Stage      string `fact:"stage" doc:"the stage of athens's oldest running task (read, validate, WAL write, apply, respond; \"\" when idle)"`
	Applied    int    `fact:"applied" doc:"WAL records athens applied since it started (replayed ones included)"`
	QueueFull  int    `fact:"queueFull" doc:"requests athens refused with QUEUE_FULL"`
	Suspects   bool   `fact:"suspects" doc:"byzantium suspects athens (no heartbeat answer within its timeout)"`
	Suspicions int    `fact:"suspicions" doc:"how many times byzantium began to suspect athens"`
}

// ClientFacts are a client's facts.
type ClientFacts struct {
	OK           int    `fact:"ok" doc:"its operations that succeeded"`
	Insufficient int    `fact:"insufficient" doc:"its withdrawals refused as INSUFFICIENT"`
	Failed       int    `fact:"failed" doc:"its operations that did not happen (QUEUE_FULL, disk full or failing)"`
	Unknown      int    `fact:"unknown" doc:"its operations that timed out (they may or may not have happened)"`
	Pending      int    `fact:"pending" doc:"its operations waiting for an answer"`
	Last         string `fact:"last" doc:"a short text of its last outcome"`
}

// ClusterFacts are the account as a whole.
type ClusterFacts struct {
	Ledger     int `fact:"ledger" doc:"the balance athens's WAL adds up to: what a replay would rebuild"`
	WALRecords int `fact:"walRecords" doc:"records in athens's WAL"`
}

func nodeFactsOf(w *engine.World, id string) (NodeFacts, bool) {
	switch p := w.Process(id).(type) {
	case *Server:
		f := NodeFacts{Balance: p.balance, Depth: len(p.queue), MaxDepth: p.maxDepth, Running: len(p.active), Applied: p.applied, QueueFull: p.rejectedFull}
		if len(p.active) > 0 {
			f.Stage = p.active[0].stage.String()
		}
		return f, true
	case *Peer:
		return NodeFacts{Suspects: p.suspects, Suspicions: p.Suspicions}, true
	}
	return NodeFacts{}, false
}

func clientFactsOf(w *engine.World, id string) (ClientFacts, bool) {
	c, _ := w.Process(id).(*Client)
	if c == nil {
		return ClientFacts{}, false
	}
	return ClientFacts{OK: c.OK, Insufficient: c.Refused, Failed: c.Failed, Unknown: c.Unknown, Pending: len(c.pending), Last: c.last()}, true
}

func clusterFactsOf(w *engine.World) ClusterFacts {
	var f ClusterFacts
	for _, id := range w.Members(engine.RoleNode) {
		if d := w.Disk(id); d != nil {
			f.Ledger, f.WALRecords = ledger(d)
		}
	}
	return f
}
