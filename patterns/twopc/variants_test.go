package twopc

import (
	"testing"

	"clusterscope/patterns/kit/kittest"
)

// lessonSeeds is how many seeds the variant is swept over.
const lessonSeeds = 200

// prepared-not-persisted, swept alone, is exactly its named flaw: whenever
// a seed catches it, the first thing to break is atomicity (one outcome
// per transaction), and seeds do catch it.
func TestVariantIsItsNamedFlaw(t *testing.T) {
	seeds := uint64(lessonSeeds)
	if testing.Short() {
		seeds = 40
	}
	kittest.NamedFlaw(t, TwoPhaseCommit(), VarPreparedNotPersisted, seeds, InvOneOutcome)
}
