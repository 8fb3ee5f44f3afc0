package clockbound

import (
	"testing"

	"clusterscope/engine"
	"clusterscope/patterns/kit"
	"clusterscope/patterns/kit/kittest"
	"clusterscope/patterns/sweep"
)

// The conformance sweep runs the default mode, commit-wait; read-restart
// must hold over the same schedules (skews within the bound) too.
func TestReadRestartSweep(t *testing.T) {
	seeds := uint64(200)
	if testing.Short() {
		seeds = 20
	}
	c := ClockBoundWait()
	for seed := uint64(1); seed <= seeds; seed++ {
		s := kittest.Sim(t, c, 3, seed, map[string]int{ParamMode: modeReadRestart})
		if r := sweepRun(c, s); r.Failed {
			t.Fatalf("read-restart: %s", r)
		}
	}
}

func sweepRun(c *kit.Cluster, s *engine.Sim) sweep.Result {
	return sweep.Run(c, s.Config(), sweep.Options{})
}
