package sweep_test

import (
	"testing"

	"clusterscope/engine"
	"clusterscope/patterns"
	"clusterscope/patterns/sweep"
)

// firstFailure sweeps a broken variant until a seed breaks it.
func firstFailure(t *testing.T, id, variant string) (*patterns.Pattern, engine.Config, sweep.Result) {
	t.Helper()
	p, ok := patterns.ByID(id)
	if !ok {
		t.Fatalf("no pattern %s", id)
	}
	cfg, err := p.Config(0, 1, []string{variant})
	if err != nil {
		t.Fatal(err)
	}
	r, ok := sweep.Sweep(p.Cluster, cfg, 1, 50, sweep.Options{}, nil)
	if ok {
		t.Fatalf("%s (%s): no seed of 50 broke", id, variant)
	}
	cfg.Seed = r.Seed
	return p, cfg, r
}

// Replayed at their virtual times, a sweep's own commands give the same run:
// the shrinker's trials start from the very run the sweep found.
func TestScheduleReplayedByTimeIsTheSameRun(t *testing.T) {
	p, cfg, r := firstFailure(t, "leader-and-followers", "forget-vote-on-restart")
	again := sweep.ReplaySchedule(p.Cluster, cfg, r.Log, sweep.Options{})
	if again.Invariant != r.Invariant || again.Step != r.Step || again.Text != r.Text {
		t.Fatalf("by time: %v\nsweep:   %v", again, r)
	}
}

// A vote given without the log check elects a leader that lacks committed
// entries; the sweep's schedule that shows it is long. The shrunk one is a
// few commands, still breaks the same invariant, and its log (at the steps
// it ran) replays the way a share link does, to the same violation.
func TestShrinkKeepsWhatBreaksTheInvariant(t *testing.T) {
	p, cfg, r := firstFailure(t, "replicated-log", "vote-without-log-check")
	s, err := sweep.Shrink(p.Cluster, cfg, r, sweep.Options{}, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("seed %d: %d commands (broke at step %d) → %d commands (step %d) in %d runs, complete %v",
		r.Seed, s.Original, s.FirstStep, len(s.Log), s.Step, s.Tries, s.Complete)
	if !s.Failed || s.Invariant != r.Invariant {
		t.Fatalf("shrunk run: %v, want %s", s.Result, r.Invariant)
	}
	if len(s.Log) > len(r.Log)/4 || !s.Complete || s.Step > r.Step {
		t.Errorf("%d of %d commands kept, step %d of %d (complete %v)", len(s.Log), len(r.Log), s.Step, r.Step, s.Complete)
	}
	for _, lc := range s.Log {
		t.Logf("  step %d: %s", lc.Step, lc.Command)
	}
	sim, err := engine.Replay(cfg, p.Cluster.Model(cfg), s.Log, s.Step)
	if err != nil {
		t.Fatal(err)
	}
	v := sim.Violations()
	if len(v) == 0 || v[0].Invariant != r.Invariant || v[0].Step != s.Step {
		t.Fatalf("the shrunk log replayed by steps: violations %v, want %s at step %d", v, r.Invariant, s.Step)
	}
}

func TestShrinkRefusesARunThatDidNotFail(t *testing.T) {
	p, _ := patterns.ByID("heartbeat")
	cfg, _ := p.Config(0, 1, nil)
	if _, err := sweep.Shrink(p.Cluster, cfg, sweep.Run(p.Cluster, cfg, sweep.Options{}), sweep.Options{}, 0); err == nil {
		t.Fatal("shrank a run that did not fail")
	}
}

// A shrink told to stop ends at once with the schedule found so far, still
// failing the same way (the page's search stops it at its deadline).
func TestShrinkStopsWhenTold(t *testing.T) {
	p, cfg, r := firstFailure(t, "replicated-log", "vote-without-log-check")
	tries := 0
	s, err := sweep.Shrink(p.Cluster, cfg, r, sweep.Options{Stop: func() bool { tries++; return tries > 3 }}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if s.Complete || s.Tries > 4 || s.Invariant != r.Invariant {
		t.Fatalf("after a stop: %d runs, complete %v, %s", s.Tries, s.Complete, s.Invariant)
	}
}
