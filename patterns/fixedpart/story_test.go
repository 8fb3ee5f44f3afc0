package fixedpart

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"clusterscope/engine"
	"clusterscope/patterns/kit/kittest"
)

// newRun starts athens, byzantium and cyrene (delphi and ephesus on
// standby) and runs until the controller has handed the partitions out.
func newRun(t *testing.T, variants ...string) *engine.Sim {
	t.Helper()
	s := kittest.Sim(t, FixedPartitions(), 3, 1, nil, variants...)
	s.RunFor(50*time.Millisecond, 0)
	require.Equal(t, 1, table(s).Version, "the first assignment is table v1")
	return s
}

func put(t *testing.T, s *engine.Sim, client, key, value string) {
	t.Helper()
	kittest.Apply(t, s, engine.Command{Kind: engine.CmdClient, Node: client, Name: opPut, Args: map[string]string{"key": key, "value": value}})
}

func get(t *testing.T, s *engine.Sim, client, key string) {
	t.Helper()
	kittest.Apply(t, s, engine.Command{Kind: engine.CmdClient, Node: client, Name: opGet, Args: map[string]string{"key": key}})
}

func table(s *engine.Sim) Table {
	d, _ := controllerOf(s.World())
	return d.Table
}

func client(s *engine.Sim, id string) *Client {
	c, _ := s.World().Process(id).(*Client)
	return c
}

func data(s *engine.Sim, id string) *DataNode {
	n, _ := s.World().Process(id).(*DataNode)
	return n
}

// keyIn is the first of k1, k2... that lies in partition p of 12.
func keyIn(p int) string {
	for i := 1; ; i++ {
		if k := "k" + string(rune('a'+i%26)) + strings.Repeat("x", i/26); partitionOf(k, defPartitions) == p {
			return k
		}
	}
}

// lastOutcome is the last completed operation of a client.
func lastOutcome(s *engine.Sim, client string) engine.Operation {
	h := s.History()
	for i := len(h) - 1; i >= 0; i-- {
		if h[i].Client == client && h[i].Status != engine.OpPending {
			return h[i]
		}
	}
	return engine.Operation{}
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

// The first assignment deals the twelve partitions round-robin: athens
// p0, p3, p6, p9; byzantium p1, p4, p7, p10; cyrene p2, p5, p8, p11. When
// delphi joins, the controller moves one partition from each (p9, p10,
// p11) and no more: four nodes, three partitions each. bob routed by
// table v1 all along; his put of a key in p9 reaches athens, which no
// longer owns it and says so; bob asks the controller for the table and
// goes again, to delphi. alice then reads what bob wrote.
func TestStoryJoinMovesWholePartitionsAndAStaleClientIsRefused(t *testing.T) {
	s := newRun(t)
	key := keyIn(9)
	put(t, s, "alice", key, "1")
	get(t, s, "bob", key) // bob caches table v1
	s.RunFor(50*time.Millisecond, 0)
	require.Equal(t, 1, client(s, "bob").table.Version)

	kittest.Apply(t, s, engine.Command{Kind: engine.CmdJoin, Node: "delphi"})
	s.RunFor(300*time.Millisecond, 0)
	tb := table(s)
	require.Equal(t, []int{3, 3, 3, 3}, tb.Held([]string{"athens", "byzantium", "cyrene", "delphi"}))
	require.Equal(t, "delphi", tb.Owners[9])
	require.Equal(t, 7, tb.Version, "three moves, each a version to start it and one to switch")
	d, _ := controllerOf(s.World())
	require.Equal(t, 3, d.Moves)

	put(t, s, "bob", key, "2")
	s.RunFor(100*time.Millisecond, 0)
	require.Equal(t, 1, client(s, "bob").Refused, "athens refused bob's stale route")
	require.Equal(t, engine.OpOK, lastOutcome(s, "bob").Status)
	require.Equal(t, tb.Version, client(s, "bob").table.Version, "bob fetched the new table")
	get(t, s, "alice", key)
	s.RunFor(100*time.Millisecond, 0)
	require.Equal(t, Result{Value: "2"}, lastOutcome(s, "alice").Output)
	require.Empty(t, s.Violations())
	require.True(t, FixedPartitions().Linearizable(s.History()))
	require.Contains(t, notes(s), "athens refuses #")
}

// Without the check, athens still takes bob's put after p9 went to
// delphi, and tells him ok. delphi, the owner, never hears of it: alice
// reads the old value there. The write is lost.
func TestStoryWithoutTheVersionCheckTheOldOwnerLosesAnAcknowledgedWrite(t *testing.T) {
	s := newRun(t, VarNoVersionCheck)
	key := keyIn(9)
	put(t, s, "alice", key, "1")
	get(t, s, "bob", key)
	s.RunFor(50*time.Millisecond, 0)
	kittest.Apply(t, s, engine.Command{Kind: engine.CmdJoin, Node: "delphi"})
	s.RunFor(300*time.Millisecond, 0)
	require.Equal(t, "delphi", table(s).Owners[9])

	put(t, s, "bob", key, "2")
	s.RunFor(100*time.Millisecond, 0)
	require.Equal(t, engine.OpOK, lastOutcome(s, "bob").Status, "athens acknowledged it")
	require.Equal(t, 1, data(s, "athens").Stray)
	require.NotEmpty(t, s.Violations())
	require.Equal(t, InvAckedKept, s.Violations()[0].Invariant)

	// alice's cached table is v1 too: she asks for the current one first.
	kittest.Apply(t, s, engine.Command{Kind: engine.CmdClient, Node: "alice", Name: opRefresh})
	s.RunFor(100*time.Millisecond, 0)
	alice := client(s, "alice")
	require.Equal(t, table(s).Version, alice.table.Version)
	get(t, s, "alice", key)
	s.RunFor(100*time.Millisecond, 0)
	require.Equal(t, Result{Value: "1"}, lastOutcome(s, "alice").Output, "the owner still has the old value")
	require.False(t, FixedPartitions().Linearizable(s.History()))
}

// The same join under hash mod N: partition p belongs on node p mod 4
// now, not p mod 3, so nine of the twelve partitions change home where
// three would do.
func TestStoryHashModNMovesMostPartitionsOnAJoin(t *testing.T) {
	moved := func(variants ...string) (int, []engine.Violation) {
		s := newRun(t, variants...)
		for i := 0; i < 24; i++ {
			put(t, s, "alice", "k"+string(rune('a'+i)), "1")
		}
		s.RunFor(100*time.Millisecond, 0)
		kittest.Apply(t, s, engine.Command{Kind: engine.CmdJoin, Node: "delphi"})
		s.RunFor(time.Second, 0)
		d, _ := controllerOf(s.World())
		require.Zero(t, d.Table.Move.ID, "the rebalance is over")
		return d.Moves, s.Violations()
	}
	fixed, clean := moved()
	require.Equal(t, 3, fixed)
	require.Empty(t, clean)
	modN, broken := moved(VarHashModN)
	require.Equal(t, 9, modN)
	require.NotEmpty(t, broken)
	require.Equal(t, InvMoveBound, broken[0].Invariant)
}

// A crashed data node is marked down once its heartbeats stop; nothing
// is moved away from it (its keys are on its disk only), so its
// partitions are unavailable until it restarts, with its keys.
func TestStoryACrashedNodeKeepsItsPartitions(t *testing.T) {
	s := newRun(t)
	key := keyIn(0) // athens's
	put(t, s, "alice", key, "1")
	s.RunFor(50*time.Millisecond, 0)
	kittest.Apply(t, s, engine.Command{Kind: engine.CmdCrash, Node: "athens"})
	s.RunFor(time.Second, 0)
	_, c := controllerOf(s.World())
	require.True(t, c.down["athens"])
	require.Equal(t, "athens", table(s).Owners[0])
	require.Equal(t, 1, table(s).Version, "nothing moved")
	get(t, s, "bob", key)
	s.RunFor(3*time.Second, 0)
	require.Equal(t, engine.OpFail, lastOutcome(s, "bob").Status, "p0 is unavailable")

	kittest.Apply(t, s, engine.Command{Kind: engine.CmdRestart, Node: "athens"})
	s.RunFor(200*time.Millisecond, 0)
	require.False(t, c.down["athens"])
	get(t, s, "bob", key)
	s.RunFor(200*time.Millisecond, 0)
	require.Equal(t, Result{Value: "1"}, lastOutcome(s, "bob").Output)
	require.Empty(t, s.Violations())
}

// Bad input is refused with a clear error and changes nothing.
func TestBadInputIsRefused(t *testing.T) {
	s := newRun(t)
	before := s.Trace().Hash()
	for _, c := range []struct {
		cmd  engine.Command
		want string
	}{
		{engine.Command{Kind: engine.CmdJoin, Node: "athens"}, "already in the cluster"},
		{engine.Command{Kind: engine.CmdJoin, Node: "sparta"}, "no process"},
		{engine.Command{Kind: engine.CmdClient, Node: "alice", Name: opPut, Args: map[string]string{"key": "", "value": "1"}}, "key must be"},
		{engine.Command{Kind: engine.CmdClient, Node: "alice", Name: opPut, Args: map[string]string{"key": "a", "value": strings.Repeat("v", 65)}}, "value must be"},
		{engine.Command{Kind: engine.CmdClient, Node: "alice", Name: opFill, Args: map[string]string{"count": "0"}}, "count must be"},
		{engine.Command{Kind: engine.CmdClient, Node: "alice", Name: "delete", Args: map[string]string{"key": "a"}}, "unknown client operation"},
		{engine.Command{Kind: engine.CmdParam, Name: ParamPartitions, Value: 3}, "partitions must be 4..64"},
	} {
		err := s.Apply(c.cmd)
		require.Error(t, err, "%+v", c.cmd)
		require.Contains(t, err.Error(), c.want)
	}
	require.Equal(t, before, s.Trace().Hash(), "a refused command leaves no trace")

	// Two data nodes may leave; the third, the last, may not.
	kittest.Apply(t, s, engine.Command{Kind: engine.CmdLeave, Node: "athens"})
	kittest.Apply(t, s, engine.Command{Kind: engine.CmdLeave, Node: "byzantium"})
	before = s.Trace().Hash()
	err := s.Apply(engine.Command{Kind: engine.CmdLeave, Node: "cyrene"})
	require.ErrorContains(t, err, "cyrene is the last data node")
	require.Equal(t, before, s.Trace().Hash())
	require.Equal(t, engine.StatusUp, s.World().Status("cyrene"))
}

// P is read once: changing the setting later moves no key to another
// partition.
func TestPartitionsAreFixedForTheClustersLife(t *testing.T) {
	s := newRun(t)
	kittest.Apply(t, s, engine.Command{Kind: engine.CmdParam, Name: ParamPartitions, Value: 16})
	kittest.Apply(t, s, engine.Command{Kind: engine.CmdJoin, Node: "delphi"})
	put(t, s, "alice", keyIn(5), "1")
	s.RunFor(500*time.Millisecond, 0)
	require.Len(t, table(s).Owners, defPartitions)
	require.Equal(t, engine.OpOK, lastOutcome(s, "alice").Status)
	require.Empty(t, s.Violations())
}

// The same forty keys and the same join, three ways. alice writes forty
// keys over athens, byzantium and cyrene; delphi joins. Under hash mod N
// a key stays only where hash mod 3 and hash mod 4 agree: most move. The
// controller moves three whole partitions of twelve, and key ranges (the
// keys cut into twelve ranges) three ranges: about a quarter each, 1/(N+1).
// The page's comparison counts for fixed partitions what the controller
// really carried.
func TestStoryTheSameJoinUnderThreeSchemes(t *testing.T) {
	s := newRun(t)
	for i := range 40 {
		put(t, s, "alice", "k"+strconv.Itoa(100+7*i), "1")
	}
	s.RunFor(100*time.Millisecond, 0)
	require.Empty(t, client(s, "alice").ops.Len())
	kittest.Apply(t, s, engine.Command{Kind: engine.CmdJoin, Node: "delphi"})
	s.RunFor(time.Second, 0)
	d, _ := controllerOf(s.World())
	require.Zero(t, d.Table.Move.ID, "the rebalance is over")

	rows := (&schemeCache{}).rowsFor(s.World(), d.Joins)
	require.Len(t, rows, 1)
	r := rows[0]
	require.Equal(t, SchemeRow{Node: "delphi", Before: 3, Keys: 40, HashModN: r.HashModN, Fixed: r.Fixed, Ranges: r.Ranges}, r)
	require.Equal(t, d.KeysMoved, r.Fixed, "fixed partitions: what the controller moved")
	require.Equal(t, 10, r.Ranges, "three ranges of twelve: 3 + 3 + 4 keys")
	quarter := 40 / 4
	require.InDelta(t, quarter, r.Fixed, 6, "about 1/(N+1) of the keys")
	require.Greater(t, r.HashModN, 2*max(r.Fixed, r.Ranges), "hash mod N moves the most: %+v", r)
	require.Greater(t, r.HashModN, 40/2)

	f := FixedPartitions().ClusterFacts.Map(s.World(), "")
	require.Equal(t, r.HashModN, f["hashModNMoved"])
	require.Equal(t, r.Fixed, f["fixedMoved"])
	require.Equal(t, r.Ranges, f["rangesMoved"])
	require.Equal(t, 40, f["keysAtJoin"])

	// The page shows the row; a write after the join does not change it.
	put(t, s, "bob", "late", "1")
	s.RunFor(100*time.Millisecond, 0)
	require.Equal(t, rows, (&schemeCache{}).rowsFor(s.World(), d.Joins))
	var shown []engine.TableRow
	for _, w := range s.View().Widgets {
		if w.Title == WSchemes {
			shown = w.Rows
		}
	}
	require.Len(t, shown, 1)
	require.Equal(t, "delphi", shown[0].Cells[0].Text)
	require.Equal(t, "3 → 4", shown[0].Cells[1].Text)
	require.Equal(t, share(r.HashModN, 40), shown[0].Cells[3])
}
