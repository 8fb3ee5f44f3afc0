package paxos

import (
	"testing"

	"clusterscope/patterns/kit/kittest"
)

// caught is where a sweep first catches each broken variant, and by which
// check: the seed is the first of 1, 2, 3... that does.
var caught = map[string]kittest.Catch{
	VarIgnoreAccepted: {Seed: 2, Invariant: InvOneValueChosen},
}

func TestConformance(t *testing.T) {
	kittest.Run(t, Paxos(), kittest.Options{Pattern: "paxos", Caught: caught})
}
