package fixedpart

import (
	"testing"

	"clusterscope/patterns/kit/kittest"
)

// caught is where a sweep first catches each broken variant, and by which
// invariant (found with clusterscope check --seeds 1000).
var caught = map[string]kittest.Catch{
	VarNoVersionCheck: {Seed: 1, Invariant: InvAckedKept},
	VarHashModN:       {Seed: 1, Invariant: InvMoveBound},
}

func TestConformance(t *testing.T) {
	kittest.Run(t, FixedPartitions(), kittest.Options{Pattern: "fixed-partitions", Caught: caught})
}
