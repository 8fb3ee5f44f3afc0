package leaderless

import (
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"clusterscope/engine"
	"clusterscope/patterns/kit/kittest"
)

func newKV(t *testing.T, size int, params map[string]int) (*engine.Sim, engine.Config) {
	t.Helper()
	s := kittest.Sim(t, QuorumKV(), size, 1, params)
	return s, s.Config()
}

func kvOp(t *testing.T, s *engine.Sim, client, op, key, value, via string) {
	t.Helper()
	args := map[string]string{"key": key, "node": via}
	if op == opSet {
		args["value"] = value
	}
	kittest.Apply(t, s, engine.Command{Kind: engine.CmdClient, Node: client, Name: op, Args: args})
}

// Settings that cannot run together are refused with the reason, at the
// start and when a learner changes one; the refused change leaves the
// run as it was.
func TestQuorumSettingsThatDoNotFitAreRefused(t *testing.T) {
	c := QuorumKV()
	for _, tc := range []struct {
		params map[string]int
		want   string
	}{
		{map[string]int{ParamN: 3, ParamW: 4}, "W=4"},
		{map[string]int{ParamN: 3, ParamR: 5}, "R=5"},
		{map[string]int{ParamN: 6}, "only 5 servers"},
	} {
		_, err := c.Sim(5, 1, tc.params)
		require.ErrorContains(t, err, tc.want)
	}
	s, _ := newKV(t, 5, nil)
	require.ErrorContains(t, s.Apply(engine.Command{Kind: engine.CmdParam, Name: ParamN, Value: 1}), "W=2")
	require.NoError(t, s.Apply(engine.Command{Kind: engine.CmdParam, Name: ParamW, Value: 3}))
	require.Equal(t, 3, s.World().Param(ParamW, 0))
}

// A write numbers its version one above the highest a read quorum holds,
// whoever coordinated the writes before it: two writers through different
// coordinators, one after the other, give versions 1 then 2, and a read
// anywhere returns the second.
func TestWritesThroughAnyCoordinatorAreOrderedByTheirVersionRead(t *testing.T) {
	s, _ := newKV(t, 5, nil)
	kvOp(t, s, "alice", opSet, "x", "1", "delphi")
	s.RunFor(100*time.Millisecond, 0)
	kvOp(t, s, "bob", opSet, "x", "2", "cyrene")
	s.RunFor(100*time.Millisecond, 0)
	kvOp(t, s, "alice", opGet, "x", "", "ephesus")
	s.RunFor(100*time.Millisecond, 0)
	h := s.World().History()
	require.Len(t, h, 3)
	require.Equal(t, "v1:delphi", h[0].Output.(Result).Version.String())
	require.Equal(t, "v2:cyrene", h[1].Output.(Result).Version.String())
	require.Equal(t, "2", h[2].Output.(Result).Value)
	homes, _ := home("x", s.World().Nodes(), 3)
	require.Equal(t, []string{"athens", "byzantium", "cyrene"}, homes)
	require.Empty(t, s.Violations())
}

// Every declared fact of the quorum KV is really computed: along a run
// with a sloppy quorum, partitions (hints, then their handoff), writes
// that lose messages (read repairs) and a crash, each takes a value other
// than its zero at some point.
func TestQuorumFactsAreComputed(t *testing.T) {
	c := QuorumKV()
	require.NoError(t, c.ValidateFacts())
	s, cfg := newKV(t, 5, map[string]int{ParamSloppy: 1, ParamExpiry: 300})
	seen := kittest.FactsSeen{}
	r := rand.New(rand.NewPCG(3, 7))
	for i := range 120 {
		switch i {
		case 20:
			kittest.Apply(t, s, engine.Command{Kind: engine.CmdPartition, Groups: [][]string{{"athens", "delphi", "ephesus", "alice"}, {"byzantium", "cyrene", "bob"}}})
		case 40:
			kittest.Apply(t, s, engine.Command{Kind: engine.CmdHeal})
			kittest.Apply(t, s, engine.Command{Kind: engine.CmdCrash, Node: "cyrene"})
		case 50:
			kittest.Apply(t, s, engine.Command{Kind: engine.CmdRestart, Node: "cyrene"})
		case 60, 70, 80:
			kittest.Apply(t, s, engine.Command{Kind: engine.CmdDropNext, From: cfg.Nodes[i%5], MsgKind: "SetValueRequest", Count: 2})
		}
		kittest.Apply(t, s, c.Workload(r, cfg.Nodes, cfg.Clients))
		s.RunFor(time.Duration(1+r.IntN(40))*time.Millisecond, 0)
		seen.Note(t, s.World(), c.ClusterFacts, "")
		for _, id := range cfg.Nodes {
			seen.Note(t, s.World(), c.NodeFacts, id)
		}
		for _, id := range cfg.Clients {
			seen.Note(t, s.World(), c.ClientFacts, id)
		}
	}
	seen.Check(t, c.ClusterFacts, c.NodeFacts, c.ClientFacts)
}

// The cluster panel labels each setting with what it gives up, and draws
// the last write's and the last read's replicas with their overlap.
func TestTheClusterPanelSaysWhatSettingsGiveUp(t *testing.T) {
	s, _ := newKV(t, 3, map[string]int{ParamW: 1, ParamR: 1, ParamReadRepair: 0})
	kvOp(t, s, "alice", opSet, "x", "1", "athens")
	s.RunFor(100*time.Millisecond, 0)
	kvOp(t, s, "bob", opGet, "x", "", "cyrene")
	s.RunFor(100*time.Millisecond, 0)
	ws := quorumView(s.World())
	require.Len(t, ws, 2)
	var text []string
	for _, f := range ws[0].Fields {
		text = append(text, f.Label+": "+f.Value)
	}
	all := strings.Join(text, "\n")
	require.Contains(t, all, "W=1: a write acknowledged by one replica can be lost to its crash")
	require.Contains(t, all, "R+W=2 ≤ N")
	require.Contains(t, all, "read repair off")
	sets := ws[1]
	require.Equal(t, []string{"server", "home of x", "alice set x=1", "bob get x", "both"}, sets.Columns)
	require.Len(t, sets.Rows, 3)
}
