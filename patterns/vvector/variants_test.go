package vvector

import (
	"testing"

	"clusterscope/patterns/kit/kittest"
)

// lessonSeeds is how many seeds each variant is swept over.
const lessonSeeds = 300

// Each broken variant, swept alone, is exactly its named flaw: whenever a
// seed catches it, the first thing to break is the lesson's invariant (an
// acknowledged write discarded without being replaced), and seeds do
// catch it.
func TestVariantsAreTheirNamedFlaw(t *testing.T) {
	seeds := uint64(lessonSeeds)
	if testing.Short() {
		seeds = 50
	}
	for _, v := range []string{VarLastWriteWins, VarCompareBySum} {
		t.Run(v, func(t *testing.T) {
			t.Parallel()
			kittest.NamedFlaw(t, VersionVector(), v, seeds, InvNoLostUpdate)
		})
	}
}
