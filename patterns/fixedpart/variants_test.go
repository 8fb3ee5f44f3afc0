package fixedpart

import (
	"testing"

	"clusterscope/patterns/kit/kittest"
	"clusterscope/patterns/sweep"
)

// lessonSeeds is how many seeds each variant is swept over.
const lessonSeeds = 200

// Each broken variant, swept alone, is exactly its named flaw: whenever a
// seed catches it, the first thing to break is the invariant its lesson
// names, and most seeds catch it.
func TestVariantsAreTheirNamedFlaw(t *testing.T) {
	seeds := uint64(lessonSeeds)
	if testing.Short() {
		seeds = 30
	}
	for _, v := range []struct {
		name, inv string
		also      []string
	}{
		// An old owner that serves without checking may also answer a
		// read with its stale copy before any write is lost there: the
		// same flaw, seen by porcupine first.
		{VarNoVersionCheck, InvAckedKept, []string{sweep.Linearizability}},
		{VarHashModN, InvMoveBound, nil},
	} {
		t.Run(v.name, func(t *testing.T) {
			f := kittest.NamedFlaw(t, FixedPartitions(), v.name, seeds, v.inv, v.also...)
			if f.Caught*2 < f.Seeds {
				t.Errorf("%s caught on only %d of %d seeds", v.name, f.Caught, f.Seeds)
			}
		})
	}
}
