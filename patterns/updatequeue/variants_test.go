package updatequeue

import (
	"fmt"
	"sort"
	"strings"
	"testing"

	"clusterscope/patterns/sweep"
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
		t.Run(setup.Name, func(t *testing.T) {
			c := setup.Cluster
			firsts := map[string]int{}
			caught, firstSeed, firstStep := 0, uint64(0), 0
			var wrong []string
			for seed := uint64(1); seed <= seeds; seed++ {
				cfg, err := c.Config(0, seed, VarParallelHandlers)
				if err != nil {
					t.Fatal(err)
				}
				r := sweep.Run(c, cfg, sweep.Options{})
				if !r.Failed {
					continue
				}
				caught++
				firsts[r.Invariant]++
				if r.Invariant == InvOneAtATime && firstSeed == 0 {
					firstSeed, firstStep = seed, r.Step
				}
				if r.Invariant != InvOneAtATime && len(wrong) < 3 {
					wrong = append(wrong, r.String())
				}
			}
			t.Logf("caught on %d of %d seeds (first: seed %d, step %d); first broken: %s", caught, seeds, firstSeed, firstStep, tally(firsts))
			if caught == 0 {
				t.Fatalf("no seed of %d caught %s", seeds, VarParallelHandlers)
			}
			if len(wrong) > 0 {
				t.Fatalf("%s broke something else first (want %s):\n%s", VarParallelHandlers, InvOneAtATime, strings.Join(wrong, "\n"))
			}
		})
	}
}

func tally(m map[string]int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s×%d", k, m[k]))
	}
	return strings.Join(parts, ", ")
}
