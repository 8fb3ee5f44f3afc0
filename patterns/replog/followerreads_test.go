package replog

import (
	"testing"

	"clusterscope/patterns/kit/kittest"
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
		t.Run(v.Name, func(t *testing.T) { kittest.NamedFlaw(t, c, v.Name, seeds, frCaught[v.Name].Invariant) })
	}
}
