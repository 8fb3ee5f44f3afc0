package wire

import (
	"testing"

	"clusterscope/patterns/kit"
	"clusterscope/patterns/kit/kittest"
)

// Each broken variant, swept alone, is exactly its named flaw: whenever a
// seed catches it, the first thing to break is the invariant its lesson
// names, and some seed does catch it.
func TestVariantsAreTheirNamedFlaw(t *testing.T) {
	seeds := uint64(200)
	if testing.Short() {
		seeds = 30
	}
	cases := []struct {
		page      *kit.Cluster
		variant   string
		invariant string
	}{
		{RequestPipeline(), VarNoOrderCheck, InvAppliedInOrder},
		{RequestPipeline(), VarUnboundedWindow, InvWithinWindow},
		{RequestBatch(), VarNoLinger, InvSentInTime},
		{RequestBatch(), VarByPosition, InvMatchedByID},
	}
	for _, tc := range cases {
		t.Run(tc.variant, func(t *testing.T) { kittest.NamedFlaw(t, tc.page, tc.variant, seeds, tc.invariant) })
	}
}
