package durable

import (
	"strconv"
	"testing"
	"time"

	"clusterscope/engine"

	"github.com/stretchr/testify/require"
)

// A log that grew long gets fewer crash states explored, so one view stays
// within maxReplayed records of replay: about 2,020 records with 20 or so unsynced
// (41+ states) explore 31.
func TestPowerCutExplorerBoundsItsReplay(t *testing.T) {
	s := newRun(t)
	write := func(i int) {
		put(t, s, []string{"alice", "bob"}[i%2], "k"+strconv.Itoa(i%50), strconv.Itoa(i))
		s.RunFor(5*time.Millisecond, 10_000)
	}
	for i := 0; i < 2000; i++ {
		write(i)
	}
	require.NoError(t, s.Apply(engine.Command{Kind: engine.CmdDisk, Node: "athens", Name: engine.DiskFsyncLatency, Dur: engine.Duration(time.Minute)}))
	for i := 2000; i < 2020; i++ {
		write(i)
	}
	d := s.World().Disk("athens")
	u, records := d.Unsynced(), 0
	for _, name := range d.Files() {
		records += d.File(name).Len()
	}
	require.GreaterOrEqual(t, u, 20)
	rows, total := PowerCuts(s.World(), "athens", maxCrashStates)
	require.Equal(t, 2*u+1, total)
	require.Less(t, len(rows), total, "a long log is explored in part")
	require.Len(t, rows, maxReplayed/(records+1), "states explored for a %d-record disk", records)
}
