package twopc

import (
	"testing"

	"clusterscope/patterns/kit/kittest"
)

// caught is where a sweep first catches the broken variant, and by which
// check: the seed is the first of 1, 2, 3... that does.
var caught = map[string]kittest.Catch{
	VarPreparedNotPersisted: {Seed: 2, Invariant: InvOneOutcome},
}

func TestConformance(t *testing.T) {
	kittest.Run(t, TwoPhaseCommit(), kittest.Options{Pattern: "two-phase-commit", Caught: caught})
}
