package kittest

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"

	"clusterscope/engine"
	"clusterscope/patterns/kit"
	"clusterscope/patterns/sweep"
)

// Flaw is what sweeping one broken variant alone found.
type Flaw struct {
	Seeds, Caught int
	FirstSeed     uint64 // the first seed that caught it (0: none)
	FirstStep     int
	Firsts        map[string]int // first broken invariant → seeds
}

func (f Flaw) String() string {
	keys := make([]string, 0, len(f.Firsts))
	for k := range f.Firsts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s×%d", k, f.Firsts[k])
	}
	return fmt.Sprintf("caught on %d of %d seeds (first: seed %d, step %d); first broken: %s", f.Caught, f.Seeds, f.FirstSeed, f.FirstStep, strings.Join(parts, ", "))
}

// NamedFlaw checks that a broken variant is exactly its one named flaw: it
// sweeps the variant alone over seeds 1..seeds and fails t when a seed that
// catches it breaks anything but want (or one of also, where the one flaw
// breaks two promises at once) first, or when no seed catches it. It logs
// and returns what it found, for tests that ask more (how often).
func NamedFlaw(t *testing.T, c *kit.Cluster, variant string, seeds uint64, want string, also ...string) Flaw {
	t.Helper()
	f := Flaw{Seeds: int(seeds), Firsts: map[string]int{}}
	var wrong []string
	var sp engine.Spares // each seed's run takes the memory of the one before
	for seed := uint64(1); seed <= seeds; seed++ {
		r := runOn(t, &sp, c, config(t, c, seed, variant), sweep.Options{})
		sp.Reclaim(r.Sim) // r's own fields are all that is read below
		if !r.Failed {
			continue
		}
		f.Caught++
		f.Firsts[r.Invariant]++
		if f.FirstSeed == 0 {
			f.FirstSeed, f.FirstStep = seed, r.Step
		}
		if r.Invariant != want && !slices.Contains(also, r.Invariant) && len(wrong) < 3 {
			wrong = append(wrong, r.String())
		}
	}
	t.Logf("%s: %s", variant, f)
	if f.Caught == 0 {
		t.Fatalf("no seed of %d caught %s", seeds, variant)
	}
	if len(wrong) > 0 {
		t.Fatalf("%s broke something else first (want %s):\n%s", variant, want, strings.Join(wrong, "\n"))
	}
	return f
}
