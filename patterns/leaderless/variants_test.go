package leaderless

import (
	"fmt"
	"sort"
	"strings"
	"testing"

	"clusterscope/patterns/sweep"
)

// lessonSeeds is how many seeds the variant is swept over.
const lessonSeeds = 300

// count-responses, swept alone, is exactly its named flaw: whenever a seed
// catches it, the first thing to break is the lesson's invariant (Success
// without a majority of distinct replicas), and some seed does catch it.
func TestVariantsAreTheirNamedFlaw(t *testing.T) {
	seeds := uint64(lessonSeeds)
	if testing.Short() {
		seeds = 50
	}
	c := RequestWaitingList()
	firsts := map[string]int{}
	caught, firstSeed, firstStep := 0, uint64(0), 0
	var wrong []string
	for seed := uint64(1); seed <= seeds; seed++ {
		cfg, err := c.Config(0, seed, VarCountResponses)
		if err != nil {
			t.Fatal(err)
		}
		r := sweep.Run(c, cfg, sweep.Options{})
		if !r.Failed {
			continue
		}
		caught++
		firsts[r.Invariant]++
		if r.Invariant == InvDistinctQuorum && firstSeed == 0 {
			firstSeed, firstStep = seed, r.Step
		}
		if r.Invariant != InvDistinctQuorum && len(wrong) < 3 {
			wrong = append(wrong, r.String())
		}
	}
	t.Logf("caught on %d of %d seeds (first: seed %d, step %d); first broken: %s", caught, seeds, firstSeed, firstStep, tally(firsts))
	if caught == 0 {
		t.Fatalf("no seed of %d caught %s", seeds, VarCountResponses)
	}
	if len(wrong) > 0 {
		t.Fatalf("%s broke something else first (want %s):\n%s", VarCountResponses, InvDistinctQuorum, strings.Join(wrong, "\n"))
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
