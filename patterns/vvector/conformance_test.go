package vvector

import (
	"testing"

	"clusterscope/patterns/kit/kittest"
)

// caught is where a sweep first catches each broken variant, and by which
// invariant: the seed is the first of 1, 2, 3... that does.
var caught = map[string]kittest.Catch{
	VarLastWriteWins: {Seed: 1, Invariant: InvNoLostUpdate},
	VarCompareBySum:  {Seed: 1, Invariant: InvNoLostUpdate},
}

func TestConformance(t *testing.T) {
	kittest.Run(t, VersionVector(), kittest.Options{Pattern: "version-vector", Caught: caught})
}
