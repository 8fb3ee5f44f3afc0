package durable

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"clusterscope/engine"
	"clusterscope/patterns/kit"
	"clusterscope/patterns/kit/kittest"
	"clusterscope/patterns/sweep"
)

// segmentedRun is the Segmented Log page with segmentEntries per segment
// (0: one file).
func segmentedRun(t *testing.T, segmentEntries int) *engine.Sim {
	t.Helper()
	return kittest.Sim(t, SegmentedLog(), 1, 1, map[string]int{ParamSegmentEntries: segmentEntries})
}

// alice puts k1..k6 one after the other; then athens is asked for a
// snapshot while alice and bob put k7 and k8, so entries above the mark
// are in the log when the cleaner runs.
func snapshotUnderWrites(t *testing.T, s *engine.Sim) {
	t.Helper()
	for i := 1; i <= 6; i++ {
		put(t, s, "alice", "k"+strconv.Itoa(i), "v"+strconv.Itoa(i))
		s.RunFor(20*time.Millisecond, 10_000)
	}
	require.NoError(t, s.Apply(engine.Command{Kind: engine.CmdAction, Node: "athens", Name: actionSnapshot}))
	put(t, s, "alice", "k7", "v7")
	put(t, s, "bob", "k8", "v8")
}

func notes(s *engine.Sim) string {
	var out []string
	for _, ev := range s.Trace().Events() {
		if ev.Kind == engine.TrNote {
			out = append(out, ev.Text)
		}
	}
	return strings.Join(out, "\n")
}

// Segments are cleaned by deleting whole files and copy nothing; one file
// is cleaned by copying the entries above the mark into a new file, which
// then replaces it. Either way a restart rebuilds every put.
func TestOnlyAOneFileLogIsRewrittenByCleaning(t *testing.T) {
	for _, tc := range []struct {
		segmentEntries int
		firstBase      int
	}{{0, 7}, {4, 5}} {
		t.Run("segment-entries="+strconv.Itoa(tc.segmentEntries), func(t *testing.T) {
			s := segmentedRun(t, tc.segmentEntries)
			snapshotUnderWrites(t, s)
			s.RunFor(300*time.Millisecond, 100_000)
			n := athens(s)
			require.Equal(t, 6, n.snapIdx)
			require.Equal(t, 8, n.log.lastIndex())
			require.Equal(t, tc.firstBase, n.log.segs[0].base, "the log now starts at this index")
			require.Positive(t, n.cleaned.deleted, "cleaning deleted a file")
			if tc.segmentEntries == 0 {
				require.Len(t, n.log.segs, 1)
				require.Equal(t, 2, n.log.disk.File(segmentName(7)).Len(), "entries 7 and 8 were copied")
				require.Equal(t, n.log.disk.File(segmentName(7)).Bytes(), n.cleaned.rewritten)
				require.Contains(t, notes(s), "cleaner rewrote the log: copied 2 entries")
			} else {
				require.Zero(t, n.cleaned.rewritten, "deleting whole segments copies nothing")
			}
			require.NotContains(t, s.World().Disk("athens").Files(), rewriteName(7))

			require.NoError(t, s.Apply(engine.Command{Kind: engine.CmdCrash, Node: "athens"}))
			require.NoError(t, s.Apply(engine.Command{Kind: engine.CmdRestart, Node: "athens"}))
			s.RunFor(time.Millisecond, 100)
			require.Len(t, athens(s).kv, 8, "the snapshot gives k1..k6 and the log k7, k8")
			require.Empty(t, s.Violations())
		})
	}
}

// A crash while the copy is being fsynced (with a torn write armed) leaves
// the old file, which is still the log: every power cut the explorer lists
// then keeps every promise, recovery deletes the copy and rebuilds the
// same state, and the next cleaner run rewrites the log again.
func TestACrashDuringTheRewriteKeepsTheOldFile(t *testing.T) {
	s := segmentedRun(t, 0)
	snapshotUnderWrites(t, s)
	d := s.World().Disk("athens")
	copying := func() bool {
		f := d.File(rewriteName(7))
		return athens(s).rw != nil && f != nil && f.Len() > f.Durable()
	}
	for step := 0; !copying(); step++ {
		_, ok := s.Step()
		require.True(t, ok && step < 10_000, "the cleaner never copied entries")
	}
	rows, total := PowerCuts(s.World(), "athens", maxCrashStates)
	require.Equal(t, total, len(rows))
	for _, r := range rows {
		require.True(t, r.OK, "%s: %s", r.Survives, r.Why)
	}
	require.Contains(t, rows[len(rows)-1].Survives, rewriteName(7), "the explorer tries cuts of the copy too")
	before := athens(s)
	kv, appliedIdx := before.kv, before.appliedIdx

	require.NoError(t, s.Apply(engine.Command{Kind: engine.CmdDisk, Node: "athens", Name: engine.DiskTear}))
	require.NoError(t, s.Apply(engine.Command{Kind: engine.CmdCrash, Node: "athens"}))
	require.NoError(t, s.Apply(engine.Command{Kind: engine.CmdRestart, Node: "athens"}))
	s.RunFor(time.Millisecond, 100)
	n := athens(s)
	require.Contains(t, notes(s), "deleted wal_7.tmp, the copy of an unfinished cleaning")
	require.Equal(t, []segment{{base: 1, name: segmentName(1)}}, n.log.segs, "the old file is still the log")
	require.Nil(t, n.log.disk.File(rewriteName(7)))
	require.GreaterOrEqual(t, n.appliedIdx, appliedIdx)
	for k, v := range kv {
		require.Equal(t, v, n.kv[k], "key %s", k)
	}
	require.True(t, kit.NoLostWrite(s.World().History(), n.kv).OK)

	s.RunFor(300*time.Millisecond, 100_000)
	n = athens(s)
	require.Equal(t, 7, n.log.segs[0].base, "the next cleaner run rewrites the log")
	require.Equal(t, 1, strings.Count(notes(s), "cleaner rewrote the log"), "the interrupted rewrite did not count")
	require.Empty(t, s.Violations())
}

// Random schedules on one file, with the page's faults (failing and slow
// fsyncs, a full disk, torn writes, snapshots and restarts) stay clean,
// and they do make the cleaner rewrite the file.
func TestOneFileSweepWithDiskFaultsStaysClean(t *testing.T) {
	seeds := uint64(60)
	if testing.Short() {
		seeds = 15
	}
	c := SegmentedLog()
	rewrites := 0
	for seed := uint64(1); seed <= seeds; seed++ {
		cfg, err := c.Config(0, seed)
		require.NoError(t, err)
		cfg.Params[ParamSegmentEntries] = 0
		r := sweep.Run(c, cfg, sweep.Options{})
		require.False(t, r.Failed, "%s", r)
		rewrites += strings.Count(notes(r.Sim), "cleaner rewrote the log")
	}
	t.Logf("%d rewrites over %d seeds", rewrites, seeds)
	require.Positive(t, rewrites, "the sweep never made the cleaner rewrite the file")
}
