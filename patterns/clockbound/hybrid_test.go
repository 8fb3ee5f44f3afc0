package clockbound

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"clusterscope/engine"
	"clusterscope/patterns/kit/kittest"
)

// The page's story with hybrid stamps and no wait at all (the broken
// variant): amber's clock lags 80 ms; philip writes "After Dawn" on green,
// bob reads it on blue and phones alice, who reads on amber. When the call
// passes on the highest stamp bob has seen, alice's read carries it and
// amber's hybrid clock moves past the write's stamp: she reads the new
// title though nobody waited. When it does not, amber reads at its own
// lagging clock: a stale read, as with wall-clock stamps.
func TestHybridStory(t *testing.T) {
	for _, tc := range []struct {
		name, stamp, want string
		stamps            int
	}{
		{"wall stamps", "yes", "Before Dawn", stampsWall},
		{"hybrid, stamp passed on", "yes", "After Dawn", stampsHybrid},
		{"hybrid, stamp not passed on", noStamp, "Before Dawn", stampsHybrid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := kittest.Sim(t, ClockBoundWait(), 3, 1, map[string]int{ParamStamps: tc.stamps}, VarNoWait)
			s.RunFor(time.Second, 0)
			op(t, s, "philip", opWrite, map[string]string{"key": "title", "value": "Before Dawn", "node": "green"})
			kittest.Apply(t, s, engine.Command{Kind: engine.CmdOffset, Node: "amber", Dur: engine.Duration(-80 * time.Millisecond)})
			quick(t, s, "philip", opWrite, map[string]string{"key": "title", "value": "After Dawn", "node": "green"})
			require.Zero(t, server(s, "green").Waited, "nobody waits")
			quick(t, s, "bob", opRead, map[string]string{"key": "title", "node": "blue"})
			require.Equal(t, "After Dawn", lastOutput(s, "bob").Value)
			kittest.Apply(t, s, engine.Command{Kind: engine.CmdClient, Node: "bob", Name: opCall, Args: map[string]string{"to": "alice", "key": "title", "node": "amber", "stamp": tc.stamp}})
			s.RunFor(5*time.Millisecond, 0)
			until(t, s, func() bool { return lastOutput(s, "alice").Read })
			r := lastOutput(s, "alice")
			require.Equal(t, tc.want, r.Value)
			if tc.want == "After Dawn" {
				require.GreaterOrEqual(t, r.ReadTS, r.TS, "amber read at the stamp alice carried")
				require.Less(t, s.World().Clock("amber"), r.TS, "though its own clock is still below it")
				require.Empty(t, s.Violations())
				return
			}
			require.Equal(t, InvExternal, s.Violations()[0].Invariant)
		})
	}
}

// Hybrid stamps with the pattern on stay clean over random schedules, in
// every mode.
func TestHybridSweep(t *testing.T) {
	for _, m := range []int{modeCommitWait, modeReadRestart, modeClockBound} {
		sweepClean(t, 100, map[string]int{ParamStamps: stampsHybrid, ParamMode: m})
	}
}
