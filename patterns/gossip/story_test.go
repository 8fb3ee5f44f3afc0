package gossip

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"clusterscope/engine"
	"clusterscope/patterns/kit/kittest"
)

func node(s *engine.Sim, id string) *Node {
	n, _ := s.World().Process(id).(*Node)
	return n
}

func rumour(t *testing.T, s *engine.Sim, at, value string) {
	t.Helper()
	kittest.Apply(t, s, engine.Command{Kind: engine.CmdAction, Node: at, Name: actRumour, Args: map[string]string{"value": value}})
}

// holds reports what holder holds of member: generation and address.
func holds(s *engine.Sim, holder, member string) (int32, string) {
	n := node(s, holder)
	for j, p := range n.peers {
		if p == member {
			return n.entries[j].gen, n.entries[j].addr.Value
		}
	}
	return 0, ""
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

// Twelve peers start knowing only themselves and learn each other by
// gossip. athens starts a rumour; it reaches all twelve in a few rounds
// (log2 12 is about 3.6), with no node talking to more than one peer a
// round. Then delphi crashes and restarts on a new port: its generation
// goes from 1 to 2, and every peer replaces what it held of delphi, though
// delphi's versions start from 1 again.
func TestStoryRumourAndRestart(t *testing.T) {
	s := kittest.Sim(t, GossipDissemination(), 12, 1, nil)
	s.RunFor(2*time.Second, 0)
	require.Equal(t, 0, clusterFactsOf(s.World()).Stale, "after 10 rounds everyone knows everyone")

	rumour(t, s, "athens", "hello")
	rounds := 0
	for clusterFactsOf(s.World()).Heard["hello"] < 12 {
		s.RunFor(defInterval*time.Millisecond, 0)
		rounds++
		require.Less(t, rounds, 12, "the rumour should reach twelve nodes in a handful of rounds")
	}
	t.Logf("the rumour reached all 12 in %d rounds", rounds)
	require.Contains(t, notes(s), "athens starts a rumour: hello")

	s.RunFor(3*time.Second, 0) // delphi's versions climb well past 1
	oldVer := node(s, "delphi").ver
	kittest.Apply(t, s, engine.Command{Kind: engine.CmdCrash, Node: "delphi"})
	s.RunFor(500*time.Millisecond, 0)
	kittest.Apply(t, s, engine.Command{Kind: engine.CmdRestart, Node: "delphi"})
	s.RunFor(3*time.Second, 0)
	require.Equal(t, int32(2), node(s, "delphi").gen)
	require.Less(t, node(s, "delphi").ver, oldVer, "delphi's versions start again from 1")
	for _, id := range []string{"athens", "byzantium", "ephesus", "n012"} {
		gen, addr := holds(s, id, "delphi")
		require.Equal(t, int32(2), gen, id)
		require.Equal(t, "delphi:7002", addr, id)
	}
	require.Contains(t, notes(s), "that delphi restarted: generation 2, address delphi:7002")
	require.Empty(t, s.Violations())
	require.True(t, Settled(s.World()).OK, Settled(s.World()).Text)
}

// Split in halves, a rumour spreads only on its side; healed, it reaches
// everyone.
func TestStoryPartitionHoldsTheRumourBack(t *testing.T) {
	s := kittest.Sim(t, GossipDissemination(), 8, 1, nil)
	s.RunFor(2*time.Second, 0)
	left, right := []string{"athens", "byzantium", "cyrene", "delphi"}, []string{"ephesus", "funchal", "gades", "n008"}
	kittest.Apply(t, s, engine.Command{Kind: engine.CmdPartition, Groups: [][]string{left, right}})
	rumour(t, s, "athens", "moved")
	s.RunFor(1500*time.Millisecond, 0)
	f := clusterFactsOf(s.World())
	require.Equal(t, 4, f.Heard["moved"], "only athens's half")
	kittest.Apply(t, s, engine.Command{Kind: engine.CmdHeal})
	s.RunFor(1500*time.Millisecond, 0)
	require.Equal(t, 8, clusterFactsOf(s.World()).Heard["moved"])
}

// ephesus crashes. No one is told: each node notices on its own that
// ephesus's heartbeat has stopped growing, suspects it after 2 s and
// declares it dead after 5 s.
func TestStoryEachNodeJudgesAlone(t *testing.T) {
	s := kittest.Sim(t, GossipDissemination(), 8, 1, nil)
	s.RunFor(2*time.Second, 0)
	kittest.Apply(t, s, engine.Command{Kind: engine.CmdCrash, Node: "ephesus"})
	s.RunFor(3*time.Second, 0)
	require.Equal(t, 7, countJudged(s, "ephesus", suspect), "every other node suspects ephesus")
	s.RunFor(3*time.Second, 0)
	require.Equal(t, 7, countJudged(s, "ephesus", dead), "every other node has declared ephesus dead")
	require.Contains(t, notes(s), "athens declares ephesus dead: no heartbeat for")
}

// countJudged counts the nodes that judge member so.
func countJudged(s *engine.Sim, member string, status uint8) int {
	count := 0
	for _, id := range s.World().Nodes() {
		n := node(s, id)
		if n == nil {
			continue
		}
		for j, p := range n.peers {
			if p == member && n.entries[j].status == status {
				count++
			}
		}
	}
	return count
}

// The broken variant: delphi restarts with the generation it had. Its
// new address is stamped version 1 of generation 1; every peer holds
// version 50 or so of generation 1 and takes the new state for old news.
// Six seconds on nobody has delphi's new address, and its heartbeat,
// ignored as well, has got it declared dead by every peer while it is up
// and gossiping. No stamp went back anywhere: the peers were right by the
// rules, which is the trouble.
func TestStoryBrokenRestartIsIgnored(t *testing.T) {
	s := kittest.Sim(t, GossipDissemination(), 12, 1, nil, VarNoGeneration)
	s.RunFor(10*time.Second, 0)
	kittest.Apply(t, s, engine.Command{Kind: engine.CmdCrash, Node: "delphi"})
	s.RunFor(200*time.Millisecond, 0)
	kittest.Apply(t, s, engine.Command{Kind: engine.CmdRestart, Node: "delphi"})
	s.RunFor(6*time.Second, 0)
	require.Equal(t, int32(1), node(s, "delphi").gen)
	require.Equal(t, "delphi:7002", node(s, "delphi").entries[node(s, "delphi").self].addr.Value)
	for _, id := range s.World().Nodes() {
		if id == "delphi" {
			continue
		}
		_, addr := holds(s, id, "delphi")
		require.Equal(t, "delphi:7001", addr, "%s still holds delphi's old address", id)
	}
	require.Equal(t, 11, countJudged(s, "delphi", dead), "every peer has declared the running delphi dead")
	require.Empty(t, s.Violations(), "no stamp went back: the peers ignored the new state")
	v := Settled(s.World())
	require.False(t, v.OK)
	require.Equal(t, "converged", v.Check)
	t.Log(v.Text)
}
