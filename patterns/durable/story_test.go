package durable

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"clusterscope/engine"
	"clusterscope/patterns/kit/kittest"
)

func newRun(t *testing.T, variants ...string) *engine.Sim {
	t.Helper()
	c := WriteAheadLog()
	return kittest.Sim(t, c, 1, 1, nil, variants...)
}

func put(t *testing.T, s *engine.Sim, client, key, value string) {
	t.Helper()
	require.NoError(t, s.Apply(engine.Command{Kind: engine.CmdClient, Node: client, Name: "write", Args: map[string]string{"key": key, "value": value}}))
}

func athens(s *engine.Sim) *Node { n, _ := s.World().Process("athens").(*Node); return n }

// alice puts title and author; athens's disk then takes a minute per
// fsync, so her author write sits in the page cache. Under ack-before-fsync
// she is told it is done, and the explorer shows a power cut that loses it;
// with the pattern she waits, and every cut keeps what she was told.
func TestPowerCutExplorerShowsTheLostAcknowledgedWrite(t *testing.T) {
	for _, tc := range []struct {
		variant string
		red     bool
	}{{"", false}, {VarAckBeforeFsync, true}} {
		t.Run("variant="+tc.variant, func(t *testing.T) {
			var vs []string
			if tc.variant != "" {
				vs = append(vs, tc.variant)
			}
			s := newRun(t, vs...)
			put(t, s, "alice", "title", "Microservices")
			s.RunFor(50*time.Millisecond, 10_000)
			require.NoError(t, s.Apply(engine.Command{Kind: engine.CmdDisk, Node: "athens", Name: engine.DiskFsyncLatency, Dur: engine.Duration(time.Minute)}))
			put(t, s, "alice", "author", "Unmesh")
			s.RunFor(50*time.Millisecond, 10_000)

			rows, total := PowerCuts(s.World(), "athens", maxCrashStates)
			require.Equal(t, 3, total, "one unsynced record: keep it, lose it, or keep it torn")
			var bad []string
			for _, r := range rows {
				if !r.OK {
					bad = append(bad, r.Why)
				}
			}
			if !tc.red {
				require.Empty(t, bad, "with the pattern every power cut keeps what clients were told")
				return
			}
			require.NotEmpty(t, bad)
			require.Contains(t, bad[0], "alice's acked author=Unmesh missing")
		})
	}
}

// We arm a torn write and crash athens while alice's third put is in the
// page cache; at restart recovery cuts the torn record and replays the
// two acknowledged puts.
func TestRecoveryCutsTheTornTailAndReplays(t *testing.T) {
	s := newRun(t)
	put(t, s, "alice", "title", "Microservices")
	s.RunFor(50*time.Millisecond, 10_000)
	put(t, s, "alice", "author", "Unmesh")
	s.RunFor(50*time.Millisecond, 10_000)
	require.NoError(t, s.Apply(engine.Command{Kind: engine.CmdDisk, Node: "athens", Name: engine.DiskFsyncLatency, Dur: engine.Duration(time.Minute)}))
	put(t, s, "alice", "year", "2023")
	s.RunFor(10*time.Millisecond, 10_000)
	require.NoError(t, s.Apply(engine.Command{Kind: engine.CmdDisk, Node: "athens", Name: engine.DiskTear}))
	require.NoError(t, s.Apply(engine.Command{Kind: engine.CmdCrash, Node: "athens"}))
	require.NoError(t, s.Apply(engine.Command{Kind: engine.CmdRestart, Node: "athens"}))
	s.RunFor(time.Millisecond, 100)

	n := athens(s)
	require.Equal(t, map[string]string{"title": "Microservices", "author": "Unmesh"}, n.kv)
	var notes []string
	for _, ev := range s.Trace().Events() {
		if ev.Kind == engine.TrNote {
			notes = append(notes, ev.Text)
		}
	}
	all := strings.Join(notes, "\n")
	require.Contains(t, all, "truncated torn record at index 3")
	require.Contains(t, all, "replayed 1..2")
	require.Equal(t, 2, s.World().Disk("athens").File(segmentName(1)).Len(), "the torn record is cut from the file")
	require.Empty(t, s.Violations())
}
