package clocks

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"clusterscope/engine"
	"clusterscope/patterns/kit"
	"clusterscope/patterns/kit/kittest"
)

func newRun(t *testing.T, c *kit.Cluster, variants ...string) *engine.Sim {
	t.Helper()
	return kittest.Sim(t, c, 3, 1, nil, variants...)
}

func write(t *testing.T, s *engine.Sim, client, key, value, node string) {
	t.Helper()
	kittest.Apply(t, s, engine.Command{Kind: engine.CmdClient, Node: client, Name: opWrite, Args: map[string]string{"key": key, "value": value, "node": node}})
	s.RunFor(20*time.Millisecond, 0)
}

func server(s *engine.Sim, id string) *Server { n, _ := s.World().Process(id).(*Server); return n }
func client(s *engine.Sim, id string) *Client { c, _ := s.World().Process(id).(*Client); return c }

func violated(s *engine.Sim) []string {
	var out []string
	for _, v := range s.Violations() {
		out = append(out, v.Invariant)
	}
	return out
}

// holdCopies cuts blue's links to green and amber, so blue's copies wait.
func holdCopies(t *testing.T, s *engine.Sim) {
	kittest.Apply(t, s, engine.Command{Kind: engine.CmdCut, From: "blue", To: "green"})
	kittest.Apply(t, s, engine.Command{Kind: engine.CmdCut, From: "blue", To: "amber"})
}

// alice writes name on blue, then title on green: green stamps the second
// write one above the larger of its counter and the stamp alice carried,
// so the chain of her writes keeps its order across servers.
func TestLamportAClientCarriesTheOrderAcrossServers(t *testing.T) {
	s := newRun(t, LamportClock())
	holdCopies(t, s)
	write(t, s, "alice", "name", "Alice", "blue")
	b := server(s, "blue").store["name"].Version.TS
	require.Equal(t, b, client(s, "alice").seen, "alice keeps the stamp blue gave her write")
	green := server(s, "green").clock
	write(t, s, "alice", "title", "Microservices", "green")
	g := server(s, "green").store["title"].Version.TS
	require.Equal(t, max(green.N, b.N)+1, g.N, "max(own, carried) + 1")
	require.True(t, b.Less(g))
	require.Empty(t, s.Violations())
}

// The same-key story: blue is set to 20, alice writes x=A on blue and then
// x=B on green. With the pattern every replica ends with B; ignoring the
// incoming stamp, green stamps B below A, the clock condition breaks at
// that very step, and every replica keeps A: alice's later write is lost.
func TestLamportSameKeyMerge(t *testing.T) {
	for _, broken := range []bool{false, true} {
		var variants []string
		if broken {
			variants = []string{VarIgnoreIncoming}
		}
		s := newRun(t, LamportClock(), variants...)
		kittest.Apply(t, s, engine.Command{Kind: engine.CmdAction, Node: "blue", Name: actSetClock, Args: map[string]string{"value": "20"}})
		holdCopies(t, s)
		write(t, s, "alice", "x", "A", "blue")
		a := server(s, "blue").store["x"].Version
		require.Greater(t, a.TS.N, int64(20))
		write(t, s, "alice", "x", "B", "green")
		bv := server(s, "green").store["x"].Version
		kittest.Apply(t, s, engine.Command{Kind: engine.CmdHeal})
		s.RunFor(2*time.Second, 0)
		want := "B"
		if broken {
			want = "A"
			require.Less(t, bv.TS.N, a.TS.N, "green stamped B with its own small counter")
		}
		for _, id := range serverNames {
			require.Equal(t, want, server(s, id).store["x"].Value, "%s (broken=%v)", id, broken)
		}
		if !broken {
			require.Equal(t, a.TS.N+1, bv.TS.N)
			require.Empty(t, s.Violations())
			continue
		}
		v := s.Violations()
		require.NotEmpty(t, v)
		require.Equal(t, InvClockCondition, v[0].Invariant)
		require.Contains(t, violated(s), InvNoLaterLost)
	}
}

// A crash keeps the clock: blue's first stamp after a restart is above
// every stamp it gave before, and its count of writes.
func TestLamportClockSurvivesARestart(t *testing.T) {
	s := newRun(t, LamportClock())
	kittest.Apply(t, s, engine.Command{Kind: engine.CmdAction, Node: "blue", Name: actSetClock, Args: map[string]string{"value": "50"}})
	write(t, s, "alice", "x", "A", "blue")
	before := server(s, "blue").clock
	kittest.Apply(t, s, engine.Command{Kind: engine.CmdCrash, Node: "blue"})
	s.RunFor(100*time.Millisecond, 0)
	kittest.Apply(t, s, engine.Command{Kind: engine.CmdRestart, Node: "blue"})
	require.True(t, before.Less(server(s, "blue").clock), "the boot is stamped after everything before the crash")
	require.Equal(t, "A", server(s, "blue").store["x"].Value)
	// The write count survives too (written only when a write moves it):
	// blue's next write is its second, not a second first.
	require.Equal(t, 1, server(s, "blue").seq)
	write(t, s, "alice", "x", "B", "blue")
	require.Equal(t, 2, server(s, "blue").store["x"].Version.Seq)
	require.Error(t, s.Apply(engine.Command{Kind: engine.CmdAction, Node: "blue", Name: actSetClock, Args: map[string]string{"value": "10"}}), "a Lamport clock is never set back")
	require.Empty(t, s.Violations())
}

// green lags 100 ms: alice's write there after her write on blue takes
// blue's wall time and counts on; raw wall-clock stamps put it 100 ms
// earlier, and the clock condition breaks first.
func TestHybridLaggingClock(t *testing.T) {
	for _, broken := range []bool{false, true} {
		var variants []string
		if broken {
			variants = []string{VarRawWallClock}
		}
		s := newRun(t, HybridClock(), variants...)
		kittest.Apply(t, s, engine.Command{Kind: engine.CmdOffset, Node: "green", Dur: engine.Duration(-100 * time.Millisecond)})
		holdCopies(t, s)
		s.RunFor(time.Second, 0)
		write(t, s, "alice", "x", "A", "blue")
		a := server(s, "blue").store["x"].Version.TS
		write(t, s, "alice", "x", "B", "green")
		b := server(s, "green").store["x"].Version.TS
		if !broken {
			require.Equal(t, Stamp{Wall: a.Wall, N: a.N + 1, Hybrid: true}, b)
			require.Empty(t, s.Violations())
			continue
		}
		require.Less(t, b.Wall, a.Wall, "green's own lagging clock")
		require.Equal(t, InvClockCondition, s.Violations()[0].Invariant)
	}
}

// blue's clock steps back 50 ms: its stamps keep their wall time and count
// on, so they still go up.
func TestHybridStepBackKeepsStampsRising(t *testing.T) {
	s := newRun(t, HybridClock())
	s.RunFor(time.Second, 0)
	write(t, s, "alice", "x", "A", "blue")
	a := server(s, "blue").store["x"].Version.TS
	kittest.Apply(t, s, engine.Command{Kind: engine.CmdJump, Node: "blue", Dur: engine.Duration(-50 * time.Millisecond)})
	write(t, s, "bob", "y", "C", "blue")
	c := server(s, "blue").store["y"].Version.TS
	require.True(t, a.Less(c), "%v then %v", a, c)
	require.Less(t, millis(s.World().Clock("blue")), c.Wall, "blue's physical clock is behind its stamps now: they did not go back with it")
	require.Empty(t, s.Violations())
}

// A stamp far ahead of every physical clock breaks the bound: here blue's
// last stamp is pushed a minute ahead by hand, and its next event carries
// it on (a hybrid clock never goes below its last stamp).
func TestHybridStampAheadOfEveryClockBreaksTheBound(t *testing.T) {
	s := newRun(t, HybridClock())
	s.RunFor(100*time.Millisecond, 0)
	server(s, "blue").clock.Wall += 60_000
	write(t, s, "alice", "x", "A", "blue")
	require.Contains(t, violated(s), InvNearPhysical)
	require.NotContains(t, violated(s), InvClockCondition, "the stamps are still in causal order")
}

// Every server event carries its stamp into the trace (the space-time
// diagram writes it beside the event): the delivery of alice's write on
// blue carries the stamp blue gave the write, on both pages, and the
// client, which has no clock, stamps nothing.
func TestStampsReachTheTrace(t *testing.T) {
	for _, c := range []*kit.Cluster{LamportClock(), HybridClock()} {
		s := newRun(t, c)
		write(t, s, "alice", "x", "A", "blue")
		v := server(s, "blue").store["x"].Version
		var got []string
		for _, e := range s.Trace().Events() {
			if e.Node == "alice" {
				require.Empty(t, e.Stamp, "a client has no clock: %+v", e)
			}
			if e.Kind == engine.TrDeliver && e.Node == "blue" && e.MsgKind == "Write" {
				got = append(got, e.Stamp)
			}
		}
		require.Equal(t, []string{v.TS.String()}, got, "the write's delivery on blue carries its stamp")
	}
}
