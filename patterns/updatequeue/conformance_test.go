package updatequeue

import (
	"testing"

	"clusterscope/patterns/kit/kittest"
)

// caught is where a sweep first catches the broken variant, and by which
// invariant: the seed is the first of 1, 2, 3... that does.
var caught = map[string]kittest.Catch{
	VarParallelHandlers: {Seed: 1, Invariant: InvOneAtATime},
}

// Both setups of the page pass the kit's conformance harness.
func TestConformance(t *testing.T) {
	page := SingularUpdateQueue()
	for _, setup := range page.Setups {
		t.Run(setup.Name, func(t *testing.T) {
			kittest.Run(t, setup.Cluster, kittest.Options{Pattern: "singular-update-queue", Caught: caught})
		})
	}
}
