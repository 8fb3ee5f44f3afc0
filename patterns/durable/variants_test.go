package durable

import (
	"fmt"
	"sort"
	"strings"
	"testing"

	"clusterscope/patterns/sweep"
)

// Each broken variant is its one named flaw: over many seeds, whenever a
// sweep catches it, the first thing to break is the invariant its lesson
// names (caught above), never something else first.
func TestVariantsAreTheirNamedFlaw(t *testing.T) {
	seeds := uint64(100)
	if testing.Short() {
		seeds = 25
	}
	for _, p := range pages {
		c := p.c()
		for _, v := range c.Variants {
			want := caught[v.Name].Invariant
			t.Run(p.id+"/"+v.Name, func(t *testing.T) {
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
}

func tally(m map[string]int) string {
	var parts []string
	for k, n := range m {
		parts = append(parts, fmt.Sprintf("%s ×%d", k, n))
	}
	sort.Strings(parts)
	return strings.Join(parts, ", ")
}
