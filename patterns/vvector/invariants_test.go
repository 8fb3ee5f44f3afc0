package vvector

import (
	"maps"
	"slices"
	"testing"

	"clusterscope/engine"
	"clusterscope/patterns/sweep"
)

// The two checkers look again only at the keys a replica just saved (a
// storeWatch); they must break at the very step, and say the same, as a
// check of every key does, on faulty runs of the pattern and of both
// broken variants.
func TestIncrementalChecksMatchFullScans(t *testing.T) {
	const refLost, refConcurrent, refLostHistory = "ref-lost", "ref-concurrent", "ref-lost-history"
	c := VersionVector()
	build := c.Build
	c.Build = func(cfg engine.Config) engine.Model {
		m := build(cfg)
		m.Invariants = func() []engine.Invariant {
			return append(invariants(),
				engine.Invariant{Name: refLost, Check: (&lostCheck{everyKey: true}).check},
				// The plainest judge: every acknowledged add of the whole
				// history, every step (it does not share lostCheck's
				// bookkeeping of which adds it took).
				engine.Invariant{Name: refLostHistory, Check: func(w *engine.World) (string, []string) {
					if lost, keys := lostWrites(w); len(lost) > 0 {
						return lostText(lost[0], keys[lost[0].In.Key]), nil
					}
					return "", nil
				}},
				engine.Invariant{Name: refConcurrent, Check: func(w *engine.World) (string, []string) {
					for _, id := range w.Members(engine.RoleNode) {
						n, ok := w.Process(id).(*Node)
						if !ok {
							continue
						}
						for _, key := range slices.Sorted(maps.Keys(n.store)) {
							if text := replacedKept(n.id, n.store[key].Siblings); text != "" {
								return text, nil
							}
						}
					}
					return "", nil
				}})
		}
		return m
	}
	seeds := uint64(40)
	if testing.Short() {
		seeds = 10
	}
	caught := 0
	for _, variant := range []string{"", VarLastWriteWins, VarCompareBySum} {
		for seed := uint64(1); seed <= seeds; seed++ {
			var on []string
			if variant != "" {
				on = append(on, variant)
			}
			cfg, err := c.Config(0, seed, on...)
			if err != nil {
				t.Fatal(err)
			}
			r := sweep.Run(c, cfg, sweep.Options{KeepGoing: true, Faults: 3e9, Settle: 1e9})
			first := map[string]engine.Violation{}
			for _, v := range r.Sim.Violations() {
				first[v.Invariant] = v
			}
			for inv, ref := range map[string]string{InvNoLostUpdate: refLost, InvConcurrent: refConcurrent} {
				got, want := first[inv], first[ref]
				if got.Step != want.Step {
					t.Errorf("variant %q seed %d: %s broke at step %d, a full scan at step %d (%s)", variant, seed, inv, got.Step, want.Step, want.Text)
				}
				if got.Text != want.Text {
					t.Errorf("variant %q seed %d: %s says %q, a full scan %q", variant, seed, inv, got.Text, want.Text)
				}
				if got.Step > 0 {
					caught++
				}
			}
			if got, want := first[InvNoLostUpdate], first[refLostHistory]; got.Step != want.Step {
				t.Errorf("variant %q seed %d: %s broke at step %d, a judge of the whole history at step %d (%s)", variant, seed, InvNoLostUpdate, got.Step, want.Step, want.Text)
			}
		}
	}
	if caught == 0 {
		t.Fatal("no run broke an invariant: the comparison saw nothing")
	}
}
