package channel

import (
	"testing"

	"clusterscope/engine"
	"clusterscope/patterns/kit/kittest"
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
	if f := kittest.NamedFlaw(t, SingleSocketChannel(), VarConnPerRequest, seeds, InvApplyOrder); f.Caught < int(seeds)/2 {
		t.Fatalf("only %d of %d seeds caught %s", f.Caught, seeds, VarConnPerRequest)
	}
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
