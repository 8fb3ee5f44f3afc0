package clockbound

import (
	"os"
	"testing"

	"clusterscope/patterns/kit/kittest"
	"clusterscope/patterns/sweep"
	"clusterscope/patterns/sweep/sweeptest"
)

// The conformance sweep runs the default mode, commit-wait; read-restart
// must hold over the same schedules (skews within the bound) too.
func TestReadRestartSweep(t *testing.T) {
	sweepClean(t, 200, map[string]int{ParamMode: modeReadRestart})
}

// sweepClean runs seeds schedules (a tenth of them with -short, and
// $CLUSTERSCOPE_SEEDS of them when set, as under `make sweep`) with the
// settings and fails on the first that breaks anything.
func sweepClean(t *testing.T, seeds uint64, params map[string]int) {
	t.Helper()
	if os.Getenv(sweeptest.SeedsEnv) != "" {
		seeds = uint64(sweeptest.Seeds(t))
	} else if testing.Short() {
		seeds /= 10
	}
	c := ClockBoundWait()
	for seed := uint64(1); seed <= seeds; seed++ {
		s := kittest.Sim(t, c, 3, seed, params)
		if r := sweep.Run(c, s.Config(), sweep.Options{}); r.Failed {
			t.Fatalf("%v: %s", params, r)
		}
	}
}
