package clocks

import (
	"testing"

	"clusterscope/patterns/kit/kittest"
)

// lessonSeeds is how many seeds each variant is swept over.
const lessonSeeds = 300

// Each broken variant, swept alone, is exactly its named flaw: whenever a
// seed catches it, the clock condition breaks first.
func TestVariantsAreTheirNamedFlaw(t *testing.T) {
	seeds := uint64(lessonSeeds)
	if testing.Short() {
		seeds = 50
	}
	t.Run(VarIgnoreIncoming, func(t *testing.T) {
		kittest.NamedFlaw(t, LamportClock(), VarIgnoreIncoming, seeds, InvClockCondition)
	})
	t.Run(VarRawWallClock, func(t *testing.T) {
		kittest.NamedFlaw(t, HybridClock(), VarRawWallClock, seeds, InvClockCondition)
	})
}
