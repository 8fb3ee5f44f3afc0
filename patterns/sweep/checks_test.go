package sweep_test

import (
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"clusterscope/engine"
	"clusterscope/patterns"
	"clusterscope/patterns/kit"
	"clusterscope/patterns/sweep"
)

func replicatedLog(t *testing.T) (*kit.Cluster, engine.Config) {
	t.Helper()
	p, ok := patterns.ByID("replicated-log")
	if !ok || !p.Live() {
		t.Skip("replicated-log is not live")
	}
	cfg, err := p.Config(0, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	c := *p.Cluster
	return &c, cfg
}

// A cluster that has not recovered when the schedule ends fails the sweep
// on its Settled check, reported like an invariant. With almost no time to
// settle, a crashed leader has not been replaced yet on some seed.
func TestSettledIsJudgedAfterHealing(t *testing.T) {
	c, cfg := replicatedLog(t)
	if c.Settled == nil {
		t.Skip("replicated-log declares no Settled check")
	}
	for seed := uint64(1); seed <= 40; seed++ {
		cfg.Seed = seed
		r := sweep.Run(c, cfg, sweep.Options{Settle: time.Millisecond})
		if !r.Failed {
			continue
		}
		if !strings.HasPrefix(r.Invariant, sweep.SettledPrefix) || r.Text == "" || !strings.Contains(r.String(), r.Invariant) {
			t.Fatalf("seed %d failed as %q (%s), want a %s… failure", seed, r.Invariant, r.Text, sweep.SettledPrefix)
		}
		t.Logf("%s", r)
		// Given the usual time to settle, the same schedule recovers.
		if r := sweep.Run(c, cfg, sweep.Options{}); r.Failed {
			t.Fatalf("seed %d with time to settle: %s", seed, r)
		}
		return
	}
	t.Fatal("40 schedules healed 1ms before their end and every cluster had already recovered: is Settled run?")
}

// A breach of a named history check fails the sweep under the check's name.
func TestNamedHistoryChecksJudgeTheSweep(t *testing.T) {
	c, cfg := replicatedLog(t)
	noWrites := kit.HistoryCheck{Name: "no-acknowledged-write", Doc: "test: nothing is ever written", Run: func(h []engine.Operation) kit.Verdict {
		for _, op := range h {
			if in, ok := op.Input.(kit.KVInput); ok && op.Status == engine.OpOK {
				if _, w := in.KVWrite(); w {
					return kit.Verdict{Text: "a write was acknowledged", Ops: []int{op.ID}}
				}
			}
		}
		return kit.Verdict{OK: true}
	}}
	c.HistoryChecks = append(append([]kit.HistoryCheck(nil), c.HistoryChecks...), noWrites)
	r := sweep.Run(c, cfg, sweep.Options{})
	if !r.Failed || r.Invariant != noWrites.Name || r.Text != "a write was acknowledged" {
		t.Fatalf("got %s, want a failure of %s", r, noWrites.Name)
	}
}

// A pattern's own fault generators are drawn from during the fault phase,
// see the run as it stands, and what they return is applied.
func TestPatternFaultGeneratorsAreDrawn(t *testing.T) {
	c, cfg := replicatedLog(t)
	var drawn []engine.Command
	c.Faults = []kit.FaultGen{{Name: "pause-the-leader", Draw: func(r *rand.Rand, w *engine.World) (engine.Command, bool) {
		for _, id := range w.Members(engine.RoleNode) {
			if w.Status(id) == engine.StatusUp && r.IntN(2) == 0 {
				cmd := engine.Command{Kind: engine.CmdPause, Node: id}
				drawn = append(drawn, cmd)
				return cmd, true
			}
		}
		return engine.Command{}, false
	}}}
	r := sweep.Run(c, cfg, sweep.Options{})
	if len(drawn) < 3 {
		t.Fatalf("the generator was drawn %d times in a whole schedule", len(drawn))
	}
	// Each drawn command is in the log, in order (the built-in pauses may
	// come between).
	i := 0
	for _, lc := range r.Log {
		if i < len(drawn) && lc.Kind == engine.CmdPause && lc.Node == drawn[i].Node {
			i++
		}
	}
	if i != len(drawn) {
		t.Fatalf("only %d of the %d drawn pauses were applied", i, len(drawn))
	}
}
