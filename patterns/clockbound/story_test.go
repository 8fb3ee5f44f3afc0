package clockbound

import (
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"clusterscope/engine"
	"clusterscope/patterns/kit/kittest"
)

func op(t *testing.T, s *engine.Sim, client, name string, args map[string]string) {
	t.Helper()
	kittest.Apply(t, s, engine.Command{Kind: engine.CmdClient, Node: client, Name: name, Args: args})
	s.RunFor(300*time.Millisecond, 0)
}

func lastOutput(s *engine.Sim, client string) Result {
	h := s.History()
	for i := len(h) - 1; i >= 0; i-- {
		if h[i].Client == client {
			r, _ := h[i].Output.(Result)
			return r
		}
	}
	return Result{}
}

func server(s *engine.Sim, id string) *Server { n, _ := s.World().Process(id).(*Server); return n }

// The page's story: amber's clock runs 80 ms behind green's and blue's
// (within maxOffset 100 ms). philip writes "After
// Dawn" on green; bob reads it on blue and phones alice, who reads on
// amber. Without the uncertainty amber reads below the write: a stale
// read, caught at once. Commit-wait and read-restart each give her the
// new title.
func TestStory(t *testing.T) {
	for _, tc := range []struct {
		name    string
		mode    int
		variant []string
		want    string
	}{
		{"no uncertainty", modeCommitWait, []string{VarNoWait}, "Before Dawn"},
		{"commit-wait", modeCommitWait, nil, "After Dawn"},
		{"read-restart", modeReadRestart, nil, "After Dawn"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := kittest.Sim(t, ClockBoundWait(), 3, 1, map[string]int{ParamMode: tc.mode}, tc.variant...)
			s.RunFor(time.Second, 0)
			op(t, s, "philip", opWrite, map[string]string{"key": "title", "value": "Before Dawn", "node": "green"})
			kittest.Apply(t, s, engine.Command{Kind: engine.CmdOffset, Node: "amber", Dur: engine.Duration(-80 * time.Millisecond)})
			kittest.Apply(t, s, engine.Command{Kind: engine.CmdClient, Node: "philip", Name: opWrite, Args: map[string]string{"key": "title", "value": "After Dawn", "node": "green"}})
			s.RunFor(5*time.Millisecond, 0)
			if tc.mode == modeCommitWait && tc.variant == nil {
				require.Equal(t, 2, server(s, "green").Waited, "both writes wait")
				s.RunFor(200*time.Millisecond, 0)
			}
			kittest.Apply(t, s, engine.Command{Kind: engine.CmdClient, Node: "bob", Name: opRead, Args: map[string]string{"key": "title", "node": "blue"}})
			s.RunFor(10*time.Millisecond, 0)
			require.Equal(t, "After Dawn", lastOutput(s, "bob").Value)
			kittest.Apply(t, s, engine.Command{Kind: engine.CmdClient, Node: "bob", Name: opCall, Args: map[string]string{"to": "alice", "key": "title", "node": "amber"}})
			s.RunFor(20*time.Millisecond, 0)
			require.Equal(t, tc.want, lastOutput(s, "alice").Value)
			if tc.variant != nil {
				require.NotEmpty(t, s.Violations())
				require.Equal(t, InvExternal, s.Violations()[0].Invariant)
				return
			}
			require.Empty(t, s.Violations())
		})
	}
}

// The story in one command: philip's write, once acknowledged, ends with a
// call to alice, who reads on amber at once. amber's clock lags green's
// by 100 ms, the whole bound: only the variant reads below the write.
func TestWriteThenCall(t *testing.T) {
	for _, tc := range []struct {
		name    string
		mode    int
		variant []string
		want    string
	}{
		{"no uncertainty", modeCommitWait, []string{VarNoWait}, "1"},
		{"commit-wait", modeCommitWait, nil, "2"},
		{"read-restart", modeReadRestart, nil, "2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := kittest.Sim(t, ClockBoundWait(), 3, 1, map[string]int{ParamMode: tc.mode}, tc.variant...)
			s.RunFor(time.Second, 0)
			op(t, s, "philip", opWrite, map[string]string{"key": "title", "value": "1", "node": "green"})
			kittest.Apply(t, s, engine.Command{Kind: engine.CmdOffset, Node: "green", Dur: engine.Duration(50 * time.Millisecond)})
			kittest.Apply(t, s, engine.Command{Kind: engine.CmdOffset, Node: "amber", Dur: engine.Duration(-50 * time.Millisecond)})
			op(t, s, "philip", opWrite, map[string]string{"key": "title", "value": "2", "node": "green", "tell": "alice", "tell-read": "amber"})
			r := lastOutput(s, "alice")
			require.True(t, r.Read, "alice read after the call")
			require.Equal(t, tc.want, r.Value)
			if tc.variant != nil {
				require.Equal(t, InvExternal, s.Violations()[0].Invariant)
				return
			}
			require.Empty(t, s.Violations())
		})
	}
}

// A write's call is checked like the phone action: another client to
// call, a server to read on; "none" (or nothing) calls nobody.
func TestWriteCallIsChecked(t *testing.T) {
	s := kittest.Sim(t, ClockBoundWait(), 3, 1, nil)
	s.RunFor(10*time.Millisecond, 0)
	write := func(args map[string]string) error {
		args["key"], args["node"] = "title", "green"
		return s.Apply(engine.Command{Kind: engine.CmdClient, Node: "philip", Name: opWrite, Args: args})
	}
	require.NoError(t, write(map[string]string{"tell": "alice", "tell-read": "amber"}))
	require.NoError(t, write(map[string]string{}))
	require.Error(t, write(map[string]string{"tell": "philip"}))
	require.Error(t, write(map[string]string{"tell": "carol"}))
	require.NoError(t, write(map[string]string{"tell": "none", "tell-read": "amber"}))
	require.Error(t, write(map[string]string{"tell": "bob", "tell-read": "nowhere"}))
}

// ms writes what FormatFloat wrote, faster.
func TestMs(t *testing.T) {
	for _, d := range []time.Duration{0, 1, 499, 500, 501, 999, 1000, 1500, 1_000_000, 1_234_567_891, 7_000_000_499, 7_000_000_500, 7_000_000_501, 999_999_999_500, -1, -1_500_000, 123_456_789_999} {
		require.Equal(t, strconv.FormatFloat(float64(d)/1e6, 'f', 3, 64), ms(d), "%d ns", int64(d))
	}
}
