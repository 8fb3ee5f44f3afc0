package updatequeue

import (
	"testing"

	"clusterscope/patterns/kit/kittest"
)

// lessonSeeds is how many seeds the variant is swept over.
const lessonSeeds = 300

// parallel-handlers, swept alone over 300 seeds on both setups, is exactly
// its named flaw: whenever a seed catches it, the first thing to break is
// the lesson's invariant (two updates inside read → apply at once), and
// some seed does catch it.
func TestParallelHandlersIsItsNamedFlaw(t *testing.T) {
	seeds := uint64(lessonSeeds)
	if testing.Short() {
		seeds = 50
	}
	for _, setup := range SingularUpdateQueue().Setups {
		t.Run(setup.Name, func(t *testing.T) { kittest.NamedFlaw(t, setup.Cluster, VarParallelHandlers, seeds, InvOneAtATime) })
	}
}
