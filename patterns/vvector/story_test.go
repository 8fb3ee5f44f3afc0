package vvector

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
	c := VersionVector()
	return kittest.Sim(t, c, 3, 1, nil, variants...)
}

// add has client add item to key through node, and runs until it is
// answered.
func add(t *testing.T, s *engine.Sim, client, key, item, node string) engine.Operation {
	t.Helper()
	kittest.Apply(t, s, engine.Command{Kind: engine.CmdClient, Node: client, Name: opAdd, Args: map[string]string{"key": key, "item": item, "node": node}})
	s.RunFor(50*time.Millisecond, 10_000)
	return last(s)
}

func get(t *testing.T, s *engine.Sim, client, key, node string) engine.Operation {
	t.Helper()
	kittest.Apply(t, s, engine.Command{Kind: engine.CmdClient, Node: client, Name: opGet, Args: map[string]string{"key": key, "node": node}})
	s.RunFor(50*time.Millisecond, 10_000)
	return last(s)
}

func node(s *engine.Sim, id string) *Node { n, _ := s.World().Process(id).(*Node); return n }

func last(s *engine.Sim) engine.Operation {
	h := s.World().History()
	return h[len(h)-1]
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

// held is what a replica keeps of key: value vector | value vector.
func held(s *engine.Sim, id, key string) string {
	var parts []string
	for _, sib := range node(s, id).store[key].Siblings {
		parts = append(parts, sib.Value+" "+sib.Vector().String())
	}
	return strings.Join(parts, " | ")
}

// splitCart cuts athens and alice off from byzantium, cyrene and bob.
func splitCart(t *testing.T, s *engine.Sim) {
	kittest.Apply(t, s, engine.Command{Kind: engine.CmdPartition, Groups: [][]string{{"athens", "alice"}, {"byzantium", "cyrene", "bob"}}})
}

// During a partition alice adds milk through athens and bob adds eggs
// through byzantium, each with an empty context: neither write had read
// the other, so after healing every replica keeps both as siblings. alice
// reads both, merges the carts and adds bread: her write's context covers
// both, so it replaces them everywhere.
func TestConcurrentWritesBecomeSiblingsAndAMergeReplacesThem(t *testing.T) {
	s := newRun(t)
	splitCart(t, s)
	require.Equal(t, engine.OpOK, add(t, s, "alice", "cart", "milk", "athens").Status)
	require.Equal(t, engine.OpOK, add(t, s, "bob", "cart", "eggs", "byzantium").Status)
	require.Equal(t, "milk {athens:1}", held(s, "athens", "cart"))
	require.Equal(t, "eggs {byzantium:1}", held(s, "cyrene", "cart"), "byzantium replicated to cyrene")

	kittest.Apply(t, s, engine.Command{Kind: engine.CmdHeal})
	s.RunFor(time.Second, 100_000)
	for _, id := range []string{"athens", "byzantium", "cyrene"} {
		require.Equal(t, "milk {athens:1} | eggs {byzantium:1}", held(s, id, "cart"), id)
	}
	require.Contains(t, notes(s), "anti-entropy")

	read := get(t, s, "alice", "cart", "athens")
	require.Equal(t, []string{"milk", "eggs"}, read.Output.(Result).Values)
	require.Contains(t, notes(s), "athens: alice's read of cart finds 2 concurrent siblings (milk | eggs): the client must merge them")

	w := add(t, s, "alice", "cart", "bread", "athens")
	require.Equal(t, Dot{Node: "athens", N: 2}, w.Output.(Result).Dot)
	s.RunFor(time.Second, 100_000)
	for _, id := range []string{"athens", "byzantium", "cyrene"} {
		require.Equal(t, "bread,eggs,milk {athens:2, byzantium:1}", held(s, id, "cart"), id)
	}
	require.Empty(t, s.Violations())
}

// alice and bob both add through athens with empty contexts. athens's
// counter alone would make bob's write (athens:2) look newer than alice's
// (athens:1); the write's context says bob never read hers, so athens
// keeps both.
func TestTwoWritesThroughOneCoordinatorWithoutReadingStaySiblings(t *testing.T) {
	s := newRun(t)
	add(t, s, "alice", "cart", "milk", "athens")
	add(t, s, "bob", "cart", "eggs", "athens")
	require.Equal(t, "milk {athens:1} | eggs {athens:2}", held(s, "athens", "cart"))
	require.Empty(t, s.Violations())
}

// The same partition under last-write-wins, with athens's clock 500 ms
// ahead: alice's milk is stamped later than bob's eggs though bob wrote
// after her. At healing the replicas keep milk alone: bob was told his add
// succeeded, and it is gone.
func TestLastWriteWinsLosesAConcurrentCartItem(t *testing.T) {
	for _, tc := range []struct {
		variant string
		lost    bool
	}{{"", false}, {VarLastWriteWins, true}} {
		t.Run("variant="+tc.variant, func(t *testing.T) {
			var vs []string
			if tc.variant != "" {
				vs = append(vs, tc.variant)
			}
			s := newRun(t, vs...)
			kittest.Apply(t, s, engine.Command{Kind: engine.CmdOffset, Node: "athens", Dur: engine.Duration(500 * time.Millisecond)})
			splitCart(t, s)
			add(t, s, "alice", "cart", "milk", "athens")
			bob := add(t, s, "bob", "cart", "eggs", "byzantium")
			require.Equal(t, engine.OpOK, bob.Status, "bob is told his add succeeded")
			kittest.Apply(t, s, engine.Command{Kind: engine.CmdHeal})
			s.RunFor(time.Second, 100_000)
			if !tc.lost {
				require.Equal(t, "milk {athens:1} | eggs {byzantium:1}", held(s, "cyrene", "cart"))
				require.Empty(t, s.Violations())
				return
			}
			for _, id := range []string{"athens", "byzantium", "cyrene"} {
				require.Equal(t, "milk {athens:1}", held(s, id, "cart"), id)
			}
			require.Contains(t, notes(s), "discards eggs {byzantium:1}: the version with the later timestamp wins")
			require.NotEmpty(t, s.Violations())
			v := s.Violations()[0]
			require.Equal(t, InvNoLostUpdate, v.Invariant)
			require.Contains(t, v.Text, "bob was told add eggs to cart via byzantium succeeded")
		})
	}
}

// alice adds milk then butter through athens ({athens:2}); bob, cut off,
// adds eggs through byzantium ({byzantium:1}). Neither had read the
// other's. By the sum of counters 2 > 1, so {athens:2} looks newer and
// the eggs are discarded at healing; by the contexts they are concurrent.
func TestCompareBySumOrdersConcurrentVectors(t *testing.T) {
	for _, tc := range []struct {
		variant string
		lost    bool
	}{{"", false}, {VarCompareBySum, true}} {
		t.Run("variant="+tc.variant, func(t *testing.T) {
			var vs []string
			if tc.variant != "" {
				vs = append(vs, tc.variant)
			}
			s := newRun(t, vs...)
			splitCart(t, s)
			add(t, s, "alice", "cart", "milk", "athens")
			add(t, s, "alice", "cart", "butter", "athens")
			add(t, s, "bob", "cart", "eggs", "byzantium")
			require.Equal(t, "butter,milk {athens:2}", held(s, "athens", "cart"))
			kittest.Apply(t, s, engine.Command{Kind: engine.CmdHeal})
			s.RunFor(time.Second, 100_000)
			if !tc.lost {
				require.Equal(t, "butter,milk {athens:2} | eggs {byzantium:1}", held(s, "byzantium", "cart"))
				require.Empty(t, s.Violations())
				return
			}
			require.Equal(t, "butter,milk {athens:2}", held(s, "byzantium", "cart"))
			require.Contains(t, notes(s), "discards eggs {byzantium:1}: a vector with a larger sum wins")
			require.Equal(t, InvNoLostUpdate, s.Violations()[0].Invariant)
		})
	}
}

// With anti-entropy all but off, a read repairs: cyrene missed alice's
// write while cut off; bob's read through byzantium asks every replica,
// finds cyrene behind and sends it the merge.
func TestAReadRepairsAStaleReplica(t *testing.T) {
	s := newRun(t)
	kittest.Apply(t, s, engine.Command{Kind: engine.CmdParam, Name: ParamAntiEntropy, Value: 600_000})
	kittest.Apply(t, s, engine.Command{Kind: engine.CmdPartition, Groups: [][]string{{"athens", "byzantium", "alice", "bob"}, {"cyrene"}}})
	add(t, s, "alice", "cart", "milk", "athens")
	kittest.Apply(t, s, engine.Command{Kind: engine.CmdHeal})
	s.RunFor(100*time.Millisecond, 10_000)
	require.Empty(t, node(s, "cyrene").store["cart"].Siblings, "nothing told cyrene yet")

	get(t, s, "bob", "cart", "byzantium")
	require.Equal(t, "milk {athens:1}", held(s, "cyrene", "cart"))
	require.Equal(t, 1, node(s, "byzantium").Repaired)
	require.Contains(t, notes(s), "cyrene merges cart from byzantium (read repair)")
	require.Empty(t, s.Violations())
}

// Bad input is refused with a reason and changes nothing.
func TestBadInputIsRefusedAndTheRunUnchanged(t *testing.T) {
	s := newRun(t)
	add(t, s, "alice", "cart", "milk", "athens")
	before := s.Trace().Hash()
	for _, c := range []struct {
		cmd  engine.Command
		says string
	}{
		{engine.Command{Kind: engine.CmdParam, Name: ParamW, Value: 0}, ParamW},
		{engine.Command{Kind: engine.CmdClient, Node: "alice", Name: opGet, Args: map[string]string{"key": "cart", "node": "delphi"}}, `no server called "delphi"`},
		{engine.Command{Kind: engine.CmdClient, Node: "alice", Name: opAdd, Args: map[string]string{"key": "cart", "item": "a,b"}}, "item must be"},
		{engine.Command{Kind: engine.CmdClient, Node: "alice", Name: opAdd, Args: map[string]string{"key": ""}}, "key must be"},
		{engine.Command{Kind: engine.CmdClient, Node: "alice", Name: "delete", Args: map[string]string{"key": "cart"}}, "unknown client operation"},
	} {
		err := s.Apply(c.cmd)
		require.Error(t, err, c.cmd.String())
		require.Contains(t, err.Error(), c.says)
	}
	require.Equal(t, before, s.Trace().Hash(), "a refused command leaves the run as it was")
}
