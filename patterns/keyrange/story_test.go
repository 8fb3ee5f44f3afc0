package keyrange

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"clusterscope/engine"
	"clusterscope/patterns/kit/kittest"
)

func send(t *testing.T, s *engine.Sim, client, name string, args map[string]string) {
	t.Helper()
	kittest.Apply(t, s, engine.Command{Kind: engine.CmdClient, Node: client, Name: name, Args: args})
	s.RunFor(300*time.Millisecond, 0)
}

func lastOutput(s *engine.Sim, client string) any {
	h := s.History()
	for i := len(h) - 1; i >= 0; i-- {
		if h[i].Client == client {
			return h[i].Output
		}
	}
	return nil
}

func clientOf(s *engine.Sim, id string) *Client { c, _ := s.World().Process(id).(*Client); return c }

// alice writes five fruits in alphabetical order: athens's only range
// grows past four keys and is split at its middle key, banana; the
// coordinator moves the right half to byzantium, the least loaded node.
// bob's cached table still has one range.
func splitAndMove(t *testing.T, variants ...string) *engine.Sim {
	t.Helper()
	s := kittest.Sim(t, KeyRangePartitions(), 3, 1, nil, variants...)
	s.RunFor(200*time.Millisecond, 0)
	require.Equal(t, 1, clientOf(s, "bob").version, "bob has the first table")
	send(t, s, "alice", opFill, map[string]string{"count": "5", "order": orderAlpha})
	s.RunFor(time.Second, 0)
	f := clusterFactsOf(s.World())
	require.Equal(t, 1, f.Splits)
	require.Equal(t, 1, f.Moves)
	require.Equal(t, "athens", f.Owner["r1"])
	require.Equal(t, "byzantium", f.Owner["r2"])
	require.Equal(t, 2, f.Epoch["r1"], "the split bumps the parent's epoch")
	require.Equal(t, 3, f.Epoch["r2"], "the split, then the move")
	require.Equal(t, 1, clientOf(s, "bob").version, "bob has not heard of it")
	return s
}

// The page's story: bob's stale put of cranberry names r1 at epoch 1;
// athens holds r1 at epoch 2, which ends at banana, and refuses. bob
// fetches the table, retries at byzantium, and the write is stored where
// reads look. A scan of [a, c) then asks r1 and r2 only.
func TestStoryStaleClientIsRefusedAndRetries(t *testing.T) {
	s := splitAndMove(t)
	send(t, s, "bob", opPut, map[string]string{"key": "cranberry", "value": "tart"})
	require.Equal(t, 1, clientOf(s, "bob").Refusals, "athens refused the stale epoch")
	require.Equal(t, Result{}, lastOutput(s, "bob"))
	require.Equal(t, "r2", nodeFactsMust(t, s, "byzantium").Holds["cranberry"])
	send(t, s, "bob", opPut, map[string]string{"key": "fig", "value": "ripe"}) // the split of r2 it makes spreads it to cyrene
	s.RunFor(time.Second, 0)
	f := clusterFactsOf(s.World())
	require.Greater(t, f.Ranges, 2)
	send(t, s, "alice", opScan, map[string]string{"start": "a", "end": "c"})
	res, ok := lastOutput(s, "alice").(ScanResult)
	require.True(t, ok)
	keys := []string{}
	for _, p := range res.Pairs {
		keys = append(keys, p.Key)
	}
	require.Equal(t, []string{"apple", "apricot", "banana", "blueberry"}, keys)
	require.Equal(t, 2, res.Ranges, "only r1 and r2 overlap [a, c)")
	require.Empty(t, s.Violations())
	require.True(t, KeyRangePartitions().Linearizable(s.History()))
	for _, v := range KeyRangePartitions().CheckHistory(s.History()) {
		require.True(t, v.OK, v.Text)
	}
}

// The broken variant: athens stores bob's stale put of cranberry in r1,
// whose range ends at banana. bob is told ok; alice's get of cranberry goes
// to r2 on byzantium and finds nothing, and her scan of [c, d) misses it.
// The acknowledged write is lost, and key-in-own-range named it first.
func TestStoryNoEpochCheckLosesTheWrite(t *testing.T) {
	s := splitAndMove(t, VarNoEpochCheck)
	send(t, s, "bob", opPut, map[string]string{"key": "cranberry", "value": "tart"})
	require.Equal(t, Result{}, lastOutput(s, "bob"), "bob's put is acknowledged")
	require.Equal(t, 0, clientOf(s, "bob").Refusals)
	require.Equal(t, "r1", nodeFactsMust(t, s, "athens").Holds["cranberry"])
	require.Equal(t, 1, clusterFactsOf(s.World()).Stray)
	require.Equal(t, InvKeyInRange, s.Violations()[0].Invariant)

	send(t, s, "alice", opGet, map[string]string{"key": "cranberry"})
	require.Equal(t, Result{Read: true}, lastOutput(s, "alice"), "the read goes to r2 and finds nothing")
	send(t, s, "alice", opScan, map[string]string{"start": "c", "end": "d"})
	res := lastOutput(s, "alice").(ScanResult)
	require.Equal(t, []KV{{"cherry", "alice5"}}, res.Pairs, "the scan misses cranberry")
	require.False(t, KeyRangePartitions().Linearizable(s.History()), "porcupine: a read after an acknowledged write found nothing")
	v := checkScans(s.History())
	require.False(t, v.OK)
	require.Contains(t, v.Text, "missed cranberry")
}

func nodeFactsMust(t *testing.T, s *engine.Sim, id string) NodeFacts {
	t.Helper()
	f, ok := nodeFactsOf(s.World(), id)
	require.True(t, ok, id+" is up")
	return f
}

// A new node joins with nothing; the coordinator moves ranges to it once
// the others hold two more than it.
func TestJoinedNodeGetsRanges(t *testing.T) {
	s := kittest.Sim(t, KeyRangePartitions(), 3, 2, nil)
	s.RunFor(200*time.Millisecond, 0)
	send(t, s, "alice", opFill, map[string]string{"count": "28", "order": orderAlpha})
	s.RunFor(3*time.Second, 0)
	kittest.Apply(t, s, engine.Command{Kind: engine.CmdJoin, Node: "delphi"})
	s.RunFor(3*time.Second, 0)
	f := nodeFactsMust(t, s, "delphi")
	require.Greater(t, f.Ranges, 0, "delphi got ranges")
	require.Empty(t, s.Violations())
	require.True(t, Settled(s.World()).OK, Settled(s.World()).Text)
}

// Bad input gets a clear error and changes nothing: a scan whose start is
// not before its end, an empty key, joining a node that is in the cluster,
// a split outside the range, a move to the owner or to no data node.
func TestBadInputIsRefused(t *testing.T) {
	s := kittest.Sim(t, KeyRangePartitions(), 3, 1, nil)
	s.RunFor(200*time.Millisecond, 0)
	steps, version, ops := s.StepCount(), clusterFactsOf(s.World()).Version, len(s.History())
	for _, c := range []struct {
		cmd  engine.Command
		want string
	}{
		{engine.Command{Kind: engine.CmdClient, Node: "alice", Name: opScan, Args: map[string]string{"start": "d", "end": "b"}}, "start must come before end"},
		{engine.Command{Kind: engine.CmdClient, Node: "alice", Name: opScan, Args: map[string]string{"start": "b", "end": "b"}}, "empty"},
		{engine.Command{Kind: engine.CmdClient, Node: "alice", Name: opPut, Args: map[string]string{"key": "", "value": "x"}}, "key must be"},
		{engine.Command{Kind: engine.CmdClient, Node: "alice", Name: opGet, Args: map[string]string{}}, "key must be"},
		{engine.Command{Kind: engine.CmdClient, Node: "alice", Name: opFill, Args: map[string]string{"count": "0"}}, "count"},
		{engine.Command{Kind: engine.CmdJoin, Node: "athens"}, "already in the cluster"},
		{engine.Command{Kind: engine.CmdAction, Node: Coordinator, Name: actSplit, Args: map[string]string{"range": "r9", "at": "m"}}, "no range"},
		{engine.Command{Kind: engine.CmdAction, Node: Coordinator, Name: actSplit, Args: map[string]string{"range": "r1", "at": ""}}, "strictly inside"},
		{engine.Command{Kind: engine.CmdAction, Node: Coordinator, Name: actMove, Args: map[string]string{"range": "r1", "to": "athens"}}, "already on athens"},
		{engine.Command{Kind: engine.CmdAction, Node: Coordinator, Name: actMove, Args: map[string]string{"range": "r1", "to": "alice"}}, "not a data node"},
		{engine.Command{Kind: engine.CmdAction, Node: Coordinator, Name: actMove, Args: map[string]string{"range": "r1", "to": "delphi"}}, "not a data node in the cluster"},
	} {
		err := s.Apply(c.cmd)
		require.Error(t, err, c.cmd.String())
		require.Contains(t, err.Error(), c.want)
	}
	require.Equal(t, steps, s.StepCount())
	require.Equal(t, version, clusterFactsOf(s.World()).Version)
	require.Equal(t, ops, len(s.History()))
	// A split in progress makes the coordinator refuse another.
	kittest.Apply(t, s, engine.Command{Kind: engine.CmdAction, Node: Coordinator, Name: actSplit, Args: map[string]string{"range": "r1", "at": "m"}})
	err := s.Apply(engine.Command{Kind: engine.CmdAction, Node: Coordinator, Name: actMove, Args: map[string]string{"range": "r1", "to": "cyrene"}})
	require.ErrorContains(t, err, "busy")
}

// The second broken variant: athens splits r1 at banana but keeps banana
// in r1, whose range now ends before it. A read of banana goes to r2 and
// finds nothing, and a scan of [b, c) misses it: alice's acknowledged
// write is lost at the split, and key-in-own-range named it there.
func TestStorySplitKeyKeptInTheLowerHalf(t *testing.T) {
	s := splitAndMove(t, VarInclusiveBoundary)
	require.Equal(t, InvKeyInRange, s.Violations()[0].Invariant)
	require.Equal(t, "r1", nodeFactsMust(t, s, "athens").Holds["banana"])
	send(t, s, "bob", opGet, map[string]string{"key": "banana"})
	require.Equal(t, Result{Read: true}, lastOutput(s, "bob"), "the read goes to r2 and finds nothing")
	send(t, s, "bob", opScan, map[string]string{"start": "b", "end": "c"})
	require.Equal(t, []KV{{"blueberry", "alice4"}}, lastOutput(s, "bob").(ScanResult).Pairs)
	require.False(t, KeyRangePartitions().Linearizable(s.History()))
}
