package clockbound

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"clusterscope/engine"
	"clusterscope/patterns/kit/kittest"
)

// boundStory is the page's story in ClockBound mode: green's clock runs
// 40 ms ahead of true time, amber's 40 ms behind. philip writes "After
// Dawn" on green; bob reads it on blue and phones alice, who reads on
// amber. It returns the run after alice's read.
func boundStory(t *testing.T, params map[string]int, variants ...string) *engine.Sim {
	t.Helper()
	params[ParamMode] = modeClockBound
	s := kittest.Sim(t, ClockBoundWait(), 3, 1, params, variants...)
	s.RunFor(time.Second, 0)
	op(t, s, "philip", opWrite, map[string]string{"key": "title", "value": "Before Dawn", "node": "green"})
	kittest.Apply(t, s, engine.Command{Kind: engine.CmdOffset, Node: "green", Dur: engine.Duration(40 * time.Millisecond)})
	kittest.Apply(t, s, engine.Command{Kind: engine.CmdOffset, Node: "amber", Dur: engine.Duration(-40 * time.Millisecond)})
	quick(t, s, "philip", opWrite, map[string]string{"key": "title", "value": "After Dawn", "node": "green"})
	quick(t, s, "bob", opRead, map[string]string{"key": "title", "node": "blue"})
	kittest.Apply(t, s, engine.Command{Kind: engine.CmdClient, Node: "bob", Name: opCall, Args: map[string]string{"to": "alice", "key": "title", "node": "amber"}})
	s.RunFor(5*time.Millisecond, 0)
	until(t, s, func() bool { return lastOutput(s, "alice").Read })
	return s
}

// quick runs a client operation and stops the moment it is answered.
func quick(t *testing.T, s *engine.Sim, client, name string, args map[string]string) {
	t.Helper()
	n := len(s.History())
	kittest.Apply(t, s, engine.Command{Kind: engine.CmdClient, Node: client, Name: name, Args: args})
	until(t, s, func() bool { return s.History()[n].Status != engine.OpPending })
}

// until runs a millisecond at a time until done, for at most a second.
func until(t *testing.T, s *engine.Sim, done func() bool) {
	t.Helper()
	for i := 0; !done(); i++ {
		require.Less(t, i, 1000, "not done after a second")
		s.RunFor(time.Millisecond, 0)
	}
}

// putWait is how long green held philip's last write, on its clock.
func putWait(s *engine.Sim) time.Duration {
	w := server(s, "green").recent
	last := w[len(w)-1]
	return last.WaitTill - last.Stamped
}

// With every clock inside the bound the servers claim (±50 ms), green
// stamps at latest (its clock + 50 ms) and holds the write until earliest
// passes the stamp: twice the bound. alice then reads the new title on
// amber, whose latest is past the stamp.
func TestClockBoundStory(t *testing.T) {
	s := boundStory(t, map[string]int{})
	require.Equal(t, 100*time.Millisecond, putWait(s).Round(time.Millisecond))
	require.Equal(t, "After Dawn", lastOutput(s, "bob").Value)
	r := lastOutput(s, "alice")
	require.Equal(t, "After Dawn", r.Value)
	require.Greater(t, r.ReadTS, r.TS, "amber read at latest, above the stamp")
	require.Empty(t, s.Violations())
}

// A wider bound claimed by the writer alone means a longer wait.
func TestClockBoundWiderBoundWaitsLonger(t *testing.T) {
	s := boundStory(t, map[string]int{boundParam("green"): 80})
	require.Equal(t, 160*time.Millisecond, putWait(s).Round(time.Millisecond))
	require.Equal(t, "After Dawn", lastOutput(s, "alice").Value)
	require.Empty(t, s.Violations())
}

// The bound is a claim: servers that claim ±20 ms while green is 40 ms
// ahead and amber 40 ms behind wait too little, and alice reads the old
// title: a stale read.
func TestClockBoundUnderEstimated(t *testing.T) {
	s := boundStory(t, map[string]int{ParamBound: 20})
	require.Equal(t, "Before Dawn", lastOutput(s, "alice").Value)
	require.NotEmpty(t, s.Violations())
	require.Equal(t, InvExternal, s.Violations()[0].Invariant)
}

// A read waits for its clock to pass its timestamp, then for a held
// version at or below it: bob reads on blue while green still waits on
// philip's write, and gets it once it commits.
func TestClockBoundReadWaits(t *testing.T) {
	s := kittest.Sim(t, ClockBoundWait(), 3, 1, map[string]int{ParamMode: modeClockBound})
	s.RunFor(time.Second, 0)
	kittest.Apply(t, s, engine.Command{Kind: engine.CmdOffset, Node: "green", Dur: engine.Duration(40 * time.Millisecond)})
	kittest.Apply(t, s, engine.Command{Kind: engine.CmdClient, Node: "philip", Name: opWrite, Args: map[string]string{"key": "title", "value": "After Dawn", "node": "green"}})
	s.RunFor(45*time.Millisecond, 0)
	kittest.Apply(t, s, engine.Command{Kind: engine.CmdClient, Node: "bob", Name: opRead, Args: map[string]string{"key": "title", "node": "blue"}})
	s.RunFor(10*time.Millisecond, 0)
	require.Len(t, server(s, "blue").clockWaits, 1, "waits for its clock to pass latest")
	s.RunFor(45*time.Millisecond, 0)
	require.Empty(t, server(s, "blue").clockWaits)
	require.Len(t, server(s, "blue").parked, 1, "then waits for the held version below its timestamp")
	s.RunFor(50*time.Millisecond, 0)
	require.Equal(t, "After Dawn", lastOutput(s, "bob").Value)
	require.Empty(t, s.Violations())
}

// The broken variant in ClockBound mode claims no bound at all: the
// interval shrinks to the clock reading, and already bob, reading on blue
// 40 ms behind green, misses the write.
func TestClockBoundVariant(t *testing.T) {
	s := boundStory(t, map[string]int{}, VarNoWait)
	require.Equal(t, "Before Dawn", lastOutput(s, "bob").Value)
	require.Zero(t, putWait(s).Round(time.Microsecond))
	require.Equal(t, InvExternal, s.Violations()[0].Invariant)
}

// Over random schedules with every skew inside the claimed bounds
// (amber claiming far less than the others), ClockBound mode holds.
func TestClockBoundSweep(t *testing.T) {
	sweepClean(t, 200, map[string]int{ParamMode: modeClockBound})
	sweepClean(t, 200, map[string]int{ParamMode: modeClockBound, boundParam("amber"): 5, ParamBound: 30})
}
