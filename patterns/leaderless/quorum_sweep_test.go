package leaderless

import (
	"testing"

	"clusterscope/patterns/sweep"
)

// quorumSeeds is how many seeds each setting is swept over.
const quorumSeeds = 100

// The settings the page says porcupine will refuse: R + W ≤ N (a read
// quorum that misses the write), read repair off (a write that failed half
// way is seen, then unseen) and a sloppy quorum (hinted handoff or not:
// a read of home replicas can miss what stand-ins took). Each is
// caught by a sweep, and first by the history check, never by an
// invariant: the coordinators keep their own rules, the settings are
// what is weak. (The correct setting is swept clean by the conformance
// test.)
func TestWeakSettingsFailLinearizability(t *testing.T) {
	for _, tc := range []struct {
		name   string
		params map[string]int
	}{
		{"R+W≤N", map[string]int{ParamW: 1, ParamR: 1}},
		{"no read repair", map[string]int{ParamReadRepair: 0}},
		{"sloppy quorum", map[string]int{ParamSloppy: 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := QuorumKV()
			cfg, err := c.Config(0, 1)
			if err != nil {
				t.Fatal(err)
			}
			for k, v := range tc.params {
				cfg.Params[k] = v
			}
			caught, first := 0, sweep.Result{}
			for seed := uint64(1); seed <= quorumSeeds; seed++ {
				cfg.Seed = seed
				r := sweep.Run(c, cfg, sweep.Options{})
				if !r.Failed {
					continue
				}
				if r.Invariant != sweep.Linearizability {
					t.Fatalf("seed %d broke %s, not linearizability: %s", seed, r.Invariant, r.Text)
				}
				if caught == 0 {
					first = r
				}
				caught++
			}
			t.Logf("%s: %d of %d seeds fail linearizability; first: seed %d step %d", tc.name, caught, quorumSeeds, first.Seed, first.Step)
			if caught == 0 {
				t.Fatalf("no seed of %d caught a non-linearizable history", quorumSeeds)
			}
		})
	}
}
