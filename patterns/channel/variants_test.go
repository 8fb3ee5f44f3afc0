package channel

import (
	"fmt"
	"sort"
	"strings"
	"testing"

	"clusterscope/engine"
	"clusterscope/patterns/sweep"
)

// connection-per-request, swept alone, is exactly its named flaw: whenever
// a seed catches it, the first thing to break is the lesson's invariant
// (a follower applies entries in another order than athens sent them),
// and most seeds do.
func TestVariantsAreTheirNamedFlaw(t *testing.T) {
	seeds := uint64(300)
	if testing.Short() {
		seeds = 50
	}
	c := SingleSocketChannel()
	firsts := map[string]int{}
	caught, firstSeed, firstStep := 0, uint64(0), 0
	var wrong []string
	for seed := uint64(1); seed <= seeds; seed++ {
		cfg, err := c.Config(0, seed, VarConnPerRequest)
		if err != nil {
			t.Fatal(err)
		}
		r := sweep.Run(c, cfg, sweep.Options{})
		if !r.Failed {
			continue
		}
		caught++
		firsts[r.Invariant]++
		if r.Invariant == InvApplyOrder && firstSeed == 0 {
			firstSeed, firstStep = seed, r.Step
		}
		if r.Invariant != InvApplyOrder && len(wrong) < 3 {
			wrong = append(wrong, r.String())
		}
	}
	t.Logf("caught on %d of %d seeds (first: seed %d, step %d); first broken: %s", caught, seeds, firstSeed, firstStep, tally(firsts))
	if caught < int(seeds)/2 {
		t.Fatalf("only %d of %d seeds caught %s", caught, seeds, VarConnPerRequest)
	}
	if len(wrong) > 0 {
		t.Fatalf("%s broke something else first (want %s):\n%s", VarConnPerRequest, InvApplyOrder, strings.Join(wrong, "\n"))
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

// The page's sweeps reset connections (kit.ConnResets): some early seed's
// schedule resets one, and the run still passes (Settled included: the
// channel came back).
func TestSweepsResetConnections(t *testing.T) {
	c := SingleSocketChannel()
	for seed := uint64(1); seed <= 20; seed++ {
		cfg, err := c.Config(0, seed)
		if err != nil {
			t.Fatal(err)
		}
		r := sweep.Run(c, cfg, sweep.Options{})
		if r.Failed {
			t.Fatal(r)
		}
		for _, l := range r.Log {
			if l.Kind == engine.CmdReset {
				return
			}
		}
	}
	t.Fatal("no schedule of 20 seeds reset a connection")
}
