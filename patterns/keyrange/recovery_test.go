package keyrange

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"clusterscope/engine"
	"clusterscope/patterns/kit/kittest"
)

// A move survives crashes at its worst moments: the old owner crashes
// with the range frozen, the coordinator crashes with the move committed
// but not finished, and the PartitionInstalled answer is lost. Each picks
// up from its disk; the move completes, no key is lost, and the cluster
// settles.
func TestMoveSurvivesCrashesAndLoss(t *testing.T) {
	s := kittest.Sim(t, KeyRangePartitions(), 3, 1, map[string]int{ParamAutoMove: 0, ParamMaxKeys: 0})
	s.RunFor(200*time.Millisecond, 0)
	for _, k := range []string{"apple", "banana", "cherry", "date"} {
		send(t, s, "alice", opPut, map[string]string{"key": k, "value": k[:1]})
	}
	kittest.Apply(t, s, engine.Command{Kind: engine.CmdAction, Node: Coordinator, Name: actSplit, Args: map[string]string{"range": "r1", "at": "c"}})
	s.RunFor(100*time.Millisecond, 0)
	require.Equal(t, "online", clusterFactsOf(s.World()).State["r2"])

	// The answer from the new owner is lost, then the old owner crashes
	// with r2 frozen, then the coordinator crashes.
	kittest.Apply(t, s, engine.Command{Kind: engine.CmdDropNext, From: "cyrene", To: Coordinator, Count: 1})
	kittest.Apply(t, s, engine.Command{Kind: engine.CmdAction, Node: Coordinator, Name: actMove, Args: map[string]string{"range": "r2", "to": "cyrene"}})
	s.RunFor(8*time.Millisecond, 0)
	a, _ := s.World().Process("athens").(*Node)
	require.Equal(t, heldMoving, a.find(2).State, "athens has frozen r2")
	require.Equal(t, opKindMove, nodeFactsMust(t, s, Coordinator).Busy)
	kittest.Apply(t, s, engine.Command{Kind: engine.CmdCrash, Node: "athens"})
	kittest.Apply(t, s, engine.Command{Kind: engine.CmdCrash, Node: Coordinator})
	s.RunFor(300*time.Millisecond, 0)
	kittest.Apply(t, s, engine.Command{Kind: engine.CmdRestart, Node: Coordinator})
	s.RunFor(300*time.Millisecond, 0)
	kittest.Apply(t, s, engine.Command{Kind: engine.CmdRestart, Node: "athens"})
	s.RunFor(2*time.Second, 0)

	f := clusterFactsOf(s.World())
	require.Equal(t, "cyrene", f.Owner["r2"])
	require.Equal(t, 1, f.Moves)
	require.Empty(t, s.Violations())
	v := Settled(s.World())
	require.True(t, v.OK, v.Text)
	send(t, s, "bob", opScan, map[string]string{"start": "", "end": ""})
	require.Equal(t, []KV{{"apple", "a"}, {"banana", "b"}, {"cherry", "c"}, {"date", "d"}}, lastOutput(s, "bob").(ScanResult).Pairs)
	require.True(t, KeyRangePartitions().Linearizable(s.History()))
}

// A duplicated or retried write is applied once: the node remembers the
// operation ids that wrote each key, and they move with the key.
func TestRetriedWriteAppliedOnce(t *testing.T) {
	s := kittest.Sim(t, KeyRangePartitions(), 3, 1, nil)
	s.RunFor(200*time.Millisecond, 0)
	kittest.Apply(t, s, engine.Command{Kind: engine.CmdNetwork, Net: &engine.NetSettings{MinDelay: engine.Duration(time.Millisecond), MeanDelay: engine.Duration(2 * time.Millisecond), DupPct: 100}})
	send(t, s, "alice", opPut, map[string]string{"key": "apple", "value": "1"})
	n, _ := s.World().Process("athens").(*Node)
	require.Equal(t, 1, n.Writes, "the duplicate put was not applied again")
	require.Len(t, n.find(1).Keys["apple"].Ops, 1)
}
