package wire

import (
	"testing"

	"clusterscope/patterns/kit"
	"clusterscope/patterns/sweep"
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
		t.Run(tc.variant, func(t *testing.T) {
			caught := 0
			for seed := uint64(1); seed <= seeds; seed++ {
				cfg, err := tc.page.Config(0, seed, tc.variant)
				if err != nil {
					t.Fatal(err)
				}
				r := sweep.Run(tc.page, cfg, sweep.Options{})
				if !r.Failed {
					continue
				}
				if r.Invariant != tc.invariant {
					t.Fatalf("%s broke %s first (want %s): %s", tc.variant, r.Invariant, tc.invariant, r)
				}
				if caught == 0 {
					t.Logf("first caught: seed %d, step %d: %s", seed, r.Step, r.Text)
				}
				caught++
			}
			t.Logf("caught on %d of %d seeds", caught, seeds)
			if caught == 0 {
				t.Fatalf("no seed of %d caught %s", seeds, tc.variant)
			}
		})
	}
}
