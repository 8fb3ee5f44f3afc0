package replog

import (
	"clusterscope/engine"
	"clusterscope/patterns/kit"
)

// The facts scenario conditions read on the six pages, each kind declared
// once by its struct and read straight from the processes (no view is
// rendered for a condition).
var (
	nodeFactSource    = kit.ProcessFacts(nodeFactsOf)
	clientFactSource  = kit.ProcessFacts(clientFactsOf)
	clusterFactSource = kit.ClusterFacts(clusterFactsOf)
)

// NodeFacts are a server's facts (nodes.<id>.<fact>).
type NodeFacts struct {
	Generation int    `fact:"generation" doc:"its generation (term)"`
	VotedFor   string `fact:"votedFor" doc:"whom it voted for in its generation (\"\" if nobody)"`
	Leader     string `fact:"leader" doc:"whom it believes leads its generation (\"\" if unknown)"`
	HWM        int    `fact:"hwm" doc:"its high-water mark (commit index)"`
	LastIndex  int    `fact:"lastIndex" doc:"index of its last log entry"`
	LastGen    int    `fact:"lastGen" doc:"generation of its last log entry"`
	Applied    int    `fact:"applied" doc:"entries applied to its key-value store"`
	Suspicions int    `fact:"suspicions" doc:"election timeouts that fired while it knew a leader"`
}

// ClientFacts are a client's facts (nodes.<id>.<fact>).
type ClientFacts struct {
	OK          int    `fact:"ok" doc:"its operations that succeeded"`
	Failed      int    `fact:"failed" doc:"its operations that failed (did not happen)"`
	Unknown     int    `fact:"unknown" doc:"its operations that timed out or gave up (may or may not have happened)"`
	Pending     int    `fact:"pending" doc:"its operations waiting for an answer"`
	Last        string `fact:"last" doc:"a short text of its last outcome"`
	LeaderGuess string `fact:"leaderGuess" doc:"the server it will send its next operation to (\"\" if none yet)"`
}

// ClusterFacts are the cluster-wide facts.
type ClusterFacts struct {
	Leader     string `fact:"leader" doc:"the up server leading the highest generation (\"\" if none)"`
	Generation int    `fact:"generation" doc:"the highest generation of any server (a crashed one's from its disk)"`
	HWM        int    `fact:"hwm" doc:"the highest high-water mark of an up server"`
	Leaders    int    `fact:"leaders" doc:"how many servers believe they lead"`
}

func nodeFactsOf(w *engine.World, id string) (NodeFacts, bool) {
	n := nodeOf(w, id)
	if n == nil {
		return NodeFacts{}, false
	}
	return NodeFacts{
		Generation: n.gen, VotedFor: n.votedFor, Leader: n.leader,
		HWM: n.hwm, LastIndex: n.last(), LastGen: n.lastGen(), Applied: n.applied,
		Suspicions: n.suspicions,
	}, true
}

func clientFactsOf(w *engine.World, id string) (ClientFacts, bool) {
	c, _ := w.Process(id).(*Client)
	if c == nil {
		return ClientFacts{}, false
	}
	rc := &c.rc
	return ClientFacts{Pending: len(rc.Pending()), OK: rc.OK, Unknown: rc.Unknown, Failed: rc.Failed, Last: rc.Last(), LeaderGuess: rc.Leader()}, true
}

// clusterFactsOf: "leader" is the up node leading the highest generation
// ("" if none), "generation" the highest generation of any node (crashed
// ones from their disk), "hwm" the highest high-water mark of an up node
// and "leaders" how many up nodes believe they lead.
func clusterFactsOf(w *engine.World) ClusterFacts {
	leader, leaderGen, gen, hwm, leaders := "", -1, 0, 0, 0
	for _, id := range w.Nodes() {
		n := nodeOf(w, id)
		if n == nil {
			if v, ok := diskGen.Get(w.Storage(id)); ok && v > gen {
				gen = v
			}
			continue
		}
		gen = max(gen, n.gen)
		hwm = max(hwm, n.hwm)
		if n.role == Leader {
			leaders++
			if w.Status(id) == engine.StatusUp && n.gen > leaderGen {
				leader, leaderGen = id, n.gen
			}
		}
	}
	return ClusterFacts{Leader: leader, Generation: gen, HWM: hwm, Leaders: leaders}
}
