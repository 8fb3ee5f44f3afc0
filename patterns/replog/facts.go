package replog

import "clusterscope/patterns/kit"

// The facts scenario conditions read on the six pages. Node.View,
// Client.View and Facts emit exactly these (facts_test.go checks it).
var (
	nodeFacts = []kit.FactDoc{
		{Name: "generation", Type: kit.FactInt, Doc: "its generation (term)"},
		{Name: "votedFor", Type: kit.FactString, Doc: "whom it voted for in its generation (\"\" if nobody)"},
		{Name: "leader", Type: kit.FactString, Doc: "whom it believes leads its generation (\"\" if unknown)"},
		{Name: "hwm", Type: kit.FactInt, Doc: "its high-water mark (commit index)"},
		{Name: "lastIndex", Type: kit.FactInt, Doc: "index of its last log entry"},
		{Name: "lastGen", Type: kit.FactInt, Doc: "generation of its last log entry"},
		{Name: "applied", Type: kit.FactInt, Doc: "entries applied to its key-value store"},
		{Name: "suspicions", Type: kit.FactInt, Doc: "election timeouts that fired while it knew a leader"},
	}
	clientFacts = []kit.FactDoc{
		{Name: "ok", Type: kit.FactInt, Doc: "its operations that succeeded"},
		{Name: "failed", Type: kit.FactInt, Doc: "its operations that failed (did not happen)"},
		{Name: "unknown", Type: kit.FactInt, Doc: "its operations that timed out or gave up (may or may not have happened)"},
		{Name: "pending", Type: kit.FactInt, Doc: "its operations waiting for an answer"},
		{Name: "last", Type: kit.FactString, Doc: "a short text of its last outcome"},
		{Name: "leaderGuess", Type: kit.FactString, Doc: "the server it will send its next operation to (\"\" if none yet)"},
	}
	clusterFacts = []kit.FactDoc{
		{Name: "leader", Type: kit.FactString, Doc: "the up server leading the highest generation (\"\" if none)"},
		{Name: "generation", Type: kit.FactInt, Doc: "the highest generation of any server (a crashed one's from its disk)"},
		{Name: "hwm", Type: kit.FactInt, Doc: "the highest high-water mark of an up server"},
		{Name: "leaders", Type: kit.FactInt, Doc: "how many servers believe they lead"},
	}
)
