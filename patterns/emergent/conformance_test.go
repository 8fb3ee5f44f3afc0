package emergent

import (
	"testing"

	"clusterscope/patterns/kit/kittest"
)

// caught is where a sweep first catches the broken variant, and by which
// invariant (found with clusterscope check --seeds 1000).
var caught = map[string]kittest.Catch{
	VarNoMajorityCheck: {Seed: 1, Invariant: InvOneCoordinator},
}

func TestConformance(t *testing.T) {
	kittest.Run(t, EmergentLeader(), kittest.Options{Pattern: "emergent-leader", Caught: caught})
}
