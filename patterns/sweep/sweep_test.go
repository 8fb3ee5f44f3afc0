package sweep_test

import (
	"testing"

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
