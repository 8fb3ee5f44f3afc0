package sweep_test

import (
	"reflect"
	"testing"

	"clusterscope/engine"
	"clusterscope/patterns"
	"clusterscope/patterns/sweep"
)

// A seed fixes the schedule: the same seed gives the same commands and the
// same trace; over a few seeds the schedule uses every kind of fault.
func TestScheduleIsDeterministicAndVaried(t *testing.T) {
	p, ok := patterns.ByID("replicated-log")
	if !ok || !p.Live() {
		t.Skip("replicated-log is not live")
	}
	kinds := map[string]bool{}
	for seed := uint64(1); seed <= 20; seed++ {
		cfg, err := p.Config(0, seed, nil)
		if err != nil {
			t.Fatal(err)
		}
		a, b := sweep.Run(p.Cluster, cfg, sweep.Options{}), sweep.Run(p.Cluster, cfg, sweep.Options{})
		if a.Sim.Trace().Hash() != b.Sim.Trace().Hash() || len(a.Log) != len(b.Log) {
			t.Fatalf("seed %d: two runs differ", seed)
		}
		for _, c := range a.Log {
			kinds[c.Kind] = true
		}
	}
	for _, k := range []string{"client", "partition", "cut", "heal", "crash", "restart", "pause", "resume", "drop-next", "network", "offset", "drift", "jump", "action"} {
		if !kinds[k] {
			t.Errorf("no %s command in 20 schedules", k)
		}
	}
}

// With NoFaults the schedule is client load only.
func TestNoFaults(t *testing.T) {
	p, _ := patterns.ByID("leader-and-followers")
	cfg, err := p.Config(0, 3, nil)
	if err != nil {
		t.Fatal(err)
	}
	r := sweep.Run(p.Cluster, cfg, sweep.Options{NoFaults: true})
	if r.Failed {
		t.Fatal(r)
	}
	for _, c := range r.Log {
		if c.Kind != "client" && c.Kind != "heal" && c.Kind != "network" {
			t.Fatalf("a calm run applied %s", c.Kind)
		}
	}
	if r.Ops == 0 {
		t.Fatal("no client load")
	}
}

// A sweep builds each seed's run from the memory of the one before
// (engine.Spares): every seed must come out as it does on a run of its
// own, with the same steps, operations, schedule and trace.
func TestSweepOnSparesIsEachSeedAlone(t *testing.T) {
	p, ok := patterns.ByID("leader-and-followers")
	if !ok {
		t.Fatal("no leader-and-followers")
	}
	cfg, err := p.Config(0, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	var swept []sweep.Result
	if r, ok := sweep.Sweep(p.Cluster, cfg, 1, 6, sweep.Options{}, func(_ int, r sweep.Result) { swept = append(swept, r) }); !ok {
		t.Fatalf("the correct cluster broke: %v", r)
	}
	if len(swept) != 6 || len(swept[5].Log) == 0 {
		t.Fatalf("progress saw %d seeds", len(swept))
	}
	var sp engine.Spares
	for _, got := range swept {
		one := cfg
		one.Seed = got.Seed
		alone := sweep.Run(p.Cluster, one, sweep.Options{})
		onSpares := sweep.RunOn(&sp, p.Cluster, one, sweep.Options{})
		if onSpares.Sim.Trace().Hash() != alone.Sim.Trace().Hash() {
			t.Fatalf("seed %d: the run on spares has another trace than the run alone", got.Seed)
		}
		sp.Reclaim(onSpares.Sim)
		if got.Steps != alone.Steps || got.Ops != alone.Ops || got.String() != alone.String() || !reflect.DeepEqual(got.Log, alone.Log) {
			t.Fatalf("seed %d swept: %v (%d commands); alone: %v (%d commands)", got.Seed, got, len(got.Log), alone, len(alone.Log))
		}
	}
}
