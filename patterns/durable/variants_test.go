package durable

import (
	"testing"

	"clusterscope/patterns/kit/kittest"
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
			t.Run(p.id+"/"+v.Name, func(t *testing.T) { kittest.NamedFlaw(t, c, v.Name, seeds, caught[v.Name].Invariant) })
		}
	}
}
