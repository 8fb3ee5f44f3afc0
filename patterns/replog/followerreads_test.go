package replog

import (
	"strings"
	"testing"

	"clusterscope/patterns/kit/kittest"
	"clusterscope/patterns/sweep"
)

// frCaught is where a sweep of the Follower Reads page first catches each
// broken variant, and by what: the seed is the first of 1, 2, 3... that
// does.
var frCaught = map[string]kittest.Catch{
	VarIgnoreMinVersion: {Seed: 1, Invariant: "read-your-writes"},
	VarStaleServes:      {Seed: 1, Invariant: InvStalenessBound},
}

// Named by page, as the other conformance tests are, so that make sweep's
// Conformance/.*/sweep picks its sweep out.
func TestFollowerReadsConformance(t *testing.T) {
	t.Run("follower-reads", func(t *testing.T) {
		kittest.Run(t, FollowerReads(), kittest.Options{Pattern: "follower-reads", Caught: frCaught})
	})
}

// Each broken variant is its one named flaw: whenever a sweep catches it,
// the first thing to break is what its lesson names.
func TestFollowerReadVariantsAreTheirNamedFlaw(t *testing.T) {
	seeds := uint64(100)
	if testing.Short() {
		seeds = 25
	}
	c := FollowerReads()
	for _, v := range c.Variants {
		want := frCaught[v.Name].Invariant
		t.Run(v.Name, func(t *testing.T) {
			firsts := map[string]int{}
			var wrong []string
			n := 0
			for seed := uint64(1); seed <= seeds; seed++ {
				cfg, err := c.Config(0, seed, v.Name)
				if err != nil {
					t.Fatal(err)
				}
				r := sweep.Run(c, cfg, sweep.Options{})
				if !r.Failed {
					continue
				}
				n++
				firsts[r.Invariant]++
				if r.Invariant != want && len(wrong) < 3 {
					wrong = append(wrong, r.String())
				}
			}
			t.Logf("caught on %d of %d seeds; first broken: %s", n, seeds, tally(firsts))
			if n == 0 {
				t.Fatalf("no seed of %d caught %s", seeds, v.Name)
			}
			if len(wrong) > 0 {
				t.Errorf("%s broke something else first (want %s):\n%s", v.Name, want, strings.Join(wrong, "\n"))
			}
		})
	}
}
