package twopc

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"clusterscope/engine"
	"clusterscope/patterns/kit/kittest"
)

// Bad input gets a clear error and changes nothing: a transfer of a
// negative or zero amount, an unknown account, the same account twice,
// two accounts on one participant; an action a process does not have, a
// crash point that does not exist.
func TestBadInputIsRefusedAndChangesNothing(t *testing.T) {
	s := kittest.Sim(t, TwoPhaseCommit(), 2, 1, nil)
	s.RunFor(5*time.Millisecond, 0)
	before := len(s.Log())
	transfer := func(from, to, amount string) error {
		return s.Apply(engine.Command{Kind: engine.CmdClient, Node: "alice", Name: opTransfer, Args: map[string]string{"from": from, "to": to, "amount": amount}})
	}
	for _, tc := range []struct {
		err  error
		want string
	}{
		{transfer("B1", "C1", "-5"), "amount must be a whole number from 1 to"},
		{transfer("B1", "C1", "0"), "amount must be a whole number from 1 to"},
		{transfer("B1", "C1", "ten"), `not "ten"`},
		{transfer("Z9", "C1", "5"), `no account called "Z9" (accounts: B1, B2, C1, C2)`},
		{transfer("B1", "", "5"), "needs a from and a to account"},
		{transfer("B1", "B1", "5"), "from and to are both B1"},
		{transfer("B1", "B2", "5"), "B1 and B2 are both on byzantium"},
		{s.Apply(engine.Command{Kind: engine.CmdAction, Node: "athens", Name: actStopAt, Args: map[string]string{"point": "lunch"}}), `no crash point "lunch"`},
		{s.Apply(engine.Command{Kind: engine.CmdAction, Node: "byzantium", Name: actStopAt, Args: map[string]string{"point": stopAfterDecision}}), `no action "stop-at" on a participant`},
		{s.Apply(engine.Command{Kind: engine.CmdClient, Node: "alice", Name: "steal"}), `unknown client operation "steal"`},
	} {
		require.Error(t, tc.err, tc.want)
		require.Contains(t, tc.err.Error(), tc.want)
	}
	require.Len(t, s.Log(), before, "a refused command is not logged")
	require.Empty(t, s.History(), "no transfer started")
	s.RunFor(time.Second, 0)
	f := clusterFactsOf(s.World())
	require.Equal(t, f.Start, f.Money)
	n, _ := nodeFactsOf(s.World(), "athens")
	require.Zero(t, n.Active)
	require.Empty(t, n.Txn)
}
