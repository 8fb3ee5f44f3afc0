package keyrange

import (
	"testing"

	"clusterscope/patterns/kit/kittest"
)

func TestConformance(t *testing.T) {
	kittest.Run(t, KeyRangePartitions(), kittest.Options{Pattern: "key-range-partitions", Caught: map[string]kittest.Catch{
		VarNoEpochCheck:      {Seed: 1, Invariant: InvKeyInRange},
		VarInclusiveBoundary: {Seed: 1, Invariant: InvKeyInRange},
	}})
}
