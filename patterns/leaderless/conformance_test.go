package leaderless

import (
	"testing"

	"clusterscope/patterns/kit/kittest"
)

// caught is where a sweep first catches the broken variant, and by which
// invariant: the seed is the first of 1, 2, 3... that does.
var caught = map[string]kittest.Catch{
	VarCountResponses: {Seed: 1, Invariant: InvDistinctQuorum},
}

func TestConformance(t *testing.T) {
	kittest.Run(t, RequestWaitingList(), kittest.Options{Pattern: "request-waiting-list", Caught: caught})
}

func TestQuorumKVConformance(t *testing.T) {
	kittest.Run(t, QuorumKV(), kittest.Options{Pattern: "majority-quorum"})
}
