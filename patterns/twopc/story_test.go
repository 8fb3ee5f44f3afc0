package twopc

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
	s := kittest.Sim(t, TwoPhaseCommit(), 2, 1, nil, variants...)
	s.RunFor(5*time.Millisecond, 0)
	return s
}

func transfer(t *testing.T, s *engine.Sim, client, from, to, amount string) {
	t.Helper()
	kittest.Apply(t, s, engine.Command{Kind: engine.CmdClient, Node: client, Name: opTransfer, Args: map[string]string{"from": from, "to": to, "amount": amount}})
}

func action(t *testing.T, s *engine.Sim, node, name string, args map[string]string) {
	t.Helper()
	kittest.Apply(t, s, engine.Command{Kind: engine.CmdAction, Node: node, Name: name, Args: args})
}

// runUntil steps until cond holds (or fails the test).
func runUntil(t *testing.T, s *engine.Sim, cond func() bool) {
	t.Helper()
	for i := 0; i < 100_000; i++ {
		if cond() {
			return
		}
		_, ok := s.Step()
		require.True(t, ok, "the run stopped")
	}
	t.Fatal("condition never held")
}

func facts(s *engine.Sim, id string) NodeFacts {
	f, _ := nodeFactsOf(s.World(), id)
	return f
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

func lastResult(t *testing.T, s *engine.Sim, client string) Result {
	t.Helper()
	h := s.History()
	for i := len(h) - 1; i >= 0; i-- {
		if h[i].Client == client {
			r, ok := h[i].Output.(Result)
			require.True(t, ok, "%s has no answer: %+v", client, h[i])
			return r
		}
	}
	t.Fatalf("%s sent nothing", client)
	return Result{}
}

// alice moves 30 from B1 (byzantium) to C1 (cyrene): both vote yes, athens
// logs commit before it sends it, both apply, the money adds up.
func TestATransferCommitsOnBothParticipants(t *testing.T) {
	s := newRun(t)
	transfer(t, s, "alice", "B1", "C1", "30")
	s.RunFor(200*time.Millisecond, 0)
	require.Empty(t, s.Violations())
	require.Equal(t, Result{Txn: "T1", Committed: true}, lastResult(t, s, "alice"))
	require.Equal(t, 70, facts(s, "byzantium").Balance["B1"])
	require.Equal(t, 130, facts(s, "cyrene").Balance["C1"])
	require.Equal(t, "done", facts(s, "athens").Txn["T1"])
	f := clusterFactsOf(s.World())
	require.Equal(t, f.Start, f.Money)
	n := notes(s)
	require.Less(t, strings.Index(n, "athens decides to commit T1"), strings.Index(n, "byzantium commits T1"))
}

// The learner tells cyrene to vote no: athens aborts T1, byzantium rolls
// its prepared debit back and frees B1, no money moves.
func TestAParticipantVotesNoAndEveryoneAborts(t *testing.T) {
	s := newRun(t)
	action(t, s, "cyrene", actVoteNo, nil)
	transfer(t, s, "alice", "B1", "C1", "30")
	s.RunFor(200*time.Millisecond, 0)
	require.Empty(t, s.Violations())
	r := lastResult(t, s, "alice")
	require.False(t, r.Committed)
	require.Equal(t, "cyrene voted no: the learner told it to", r.Reason)
	for _, id := range []string{"byzantium", "cyrene"} {
		require.Equal(t, StAborted, facts(s, id).Txn["T1"], id)
		require.Empty(t, facts(s, id).Lock, id)
	}
	require.Equal(t, 100, facts(s, "byzantium").Balance["B1"])
	require.Equal(t, 100, facts(s, "cyrene").Balance["C1"])
	require.Contains(t, notes(s), "byzantium rolls T1 back and releases its locks")
}

// Not enough money is a no vote too.
func TestInsufficientFundsIsANoVote(t *testing.T) {
	s := newRun(t)
	transfer(t, s, "alice", "B1", "C1", "150")
	s.RunFor(200*time.Millisecond, 0)
	require.Equal(t, "byzantium voted no: B1 holds 100, less than 150", lastResult(t, s, "alice").Reason)
	require.Empty(t, s.Violations())
}

// The blocking story. athens stops after logging its decision to commit
// alice's T1; bob's T2 on B1 is refused at once (no-wait: B1 is locked by
// T1). athens crashes: byzantium and cyrene hold T1 prepared, with its
// locks, and can do nothing but wait and ask. athens restarts, finds its
// decision in its log, sends it again: both commit, the locks go, the
// money adds up.
func TestTheCoordinatorCrashesAfterItsDecisionAndTheParticipantsBlock(t *testing.T) {
	s := newRun(t)
	action(t, s, "athens", actStopAt, map[string]string{"point": stopAfterDecision})
	transfer(t, s, "alice", "B1", "C1", "30")
	runUntil(t, s, func() bool { return facts(s, "athens").Stopped == "T1" })
	transfer(t, s, "bob", "B1", "C2", "10")
	runUntil(t, s, func() bool { return facts(s, "athens").Decision["T2"] != "" })
	s.RunFor(20*time.Millisecond, 0)
	require.Equal(t, Result{Txn: "T2", Reason: "byzantium voted no: B1 is locked by T1 (no-wait: refuse rather than wait)"}, lastResult(t, s, "bob"))

	kittest.Apply(t, s, engine.Command{Kind: engine.CmdCrash, Node: "athens"})
	s.RunFor(time.Second, 0)
	for _, id := range []string{"byzantium", "cyrene"} {
		f := facts(s, id)
		require.Equal(t, StPrepared, f.Txn["T1"], id)
		require.Equal(t, 1, f.Prepared, id)
	}
	require.Equal(t, "T1", facts(s, "byzantium").Lock["B1"])
	require.Equal(t, "T1", facts(s, "cyrene").Lock["C1"])
	require.Equal(t, 2, clusterFactsOf(s.World()).Blocked)

	kittest.Apply(t, s, engine.Command{Kind: engine.CmdRestart, Node: "athens"})
	s.RunFor(300*time.Millisecond, 0)
	require.Contains(t, notes(s), "athens restarts and finds its decision for T1 in its log (commit): it sends it again")
	require.Equal(t, "done", facts(s, "athens").Txn["T1"])
	require.Equal(t, 70, facts(s, "byzantium").Balance["B1"])
	require.Equal(t, 130, facts(s, "cyrene").Balance["C1"])
	require.Empty(t, facts(s, "byzantium").Lock)
	require.Empty(t, facts(s, "cyrene").Lock)
	f := clusterFactsOf(s.World())
	require.Equal(t, f.Start, f.Money)
	require.Zero(t, f.Blocked)
	require.Empty(t, s.Violations())
}

// athens stops with every vote in and no decision logged, and crashes:
// restarted, it finds T1 undecided and aborts it; both roll back.
func TestACoordinatorWithoutADecisionAbortsAfterARestart(t *testing.T) {
	s := newRun(t)
	action(t, s, "athens", actStopAt, map[string]string{"point": stopAfterVotes})
	transfer(t, s, "alice", "B1", "C1", "30")
	runUntil(t, s, func() bool { return facts(s, "athens").Stopped == "T1" })
	kittest.Apply(t, s, engine.Command{Kind: engine.CmdCrash, Node: "athens"})
	kittest.Apply(t, s, engine.Command{Kind: engine.CmdRestart, Node: "athens"})
	s.RunFor(300*time.Millisecond, 0)
	require.Equal(t, "abort", facts(s, "athens").Decision["T1"])
	require.Equal(t, StAborted, facts(s, "byzantium").Txn["T1"])
	require.Equal(t, StAborted, facts(s, "cyrene").Txn["T1"])
	require.Empty(t, s.Violations())
}

// cyrene votes yes on T1 and crashes before the Commit reaches it.
func crashCyreneAfterItVotes(t *testing.T, s *engine.Sim) {
	transfer(t, s, "alice", "B1", "C1", "30")
	runUntil(t, s, func() bool { return facts(s, "athens").Decision["T1"] == "commit" })
	kittest.Apply(t, s, engine.Command{Kind: engine.CmdCrash, Node: "cyrene"})
	s.RunFor(100*time.Millisecond, 0)
	kittest.Apply(t, s, engine.Command{Kind: engine.CmdRestart, Node: "cyrene"})
	s.RunFor(300*time.Millisecond, 0)
}

// With the pattern, cyrene's PREPARED record brings T1 back at its
// restart, with the lock on C1, and the resent Commit finds it.
func TestAPreparedParticipantRemembersItsVoteAcrossACrash(t *testing.T) {
	s := newRun(t)
	crashCyreneAfterItVotes(t, s)
	require.Contains(t, notes(s), "cyrene restarts with T1 PREPARED on its disk: it takes the locks of C1 again")
	require.Equal(t, StCommitted, facts(s, "cyrene").Txn["T1"])
	require.Equal(t, 130, facts(s, "cyrene").Balance["C1"])
	require.Equal(t, 70, facts(s, "byzantium").Balance["B1"])
	f := clusterFactsOf(s.World())
	require.Equal(t, f.Start, f.Money)
	require.Empty(t, s.Violations())
}

// The broken variant, to the harm: cyrene kept its yes vote only in
// memory. Restarted, it has no trace of T1; the resent Commit finds
// nothing, cyrene presumes T1 aborted, while byzantium committed it: 30
// left B1 and never reached C1.
func TestAParticipantThatForgetsItsVoteBreaksAtomicity(t *testing.T) {
	s := newRun(t, VarPreparedNotPersisted)
	crashCyreneAfterItVotes(t, s)
	v := s.Violations()
	require.NotEmpty(t, v)
	require.Equal(t, InvOneOutcome, v[0].Invariant)
	require.Equal(t, "T1 committed on byzantium but aborted on cyrene", v[0].Text)
	require.Contains(t, notes(s), "cyrene has no record of T1: it presumes it aborted")
	require.Equal(t, StCommitted, facts(s, "byzantium").Txn["T1"])
	require.Equal(t, StAborted, facts(s, "cyrene").Txn["T1"])
	require.Equal(t, 70, facts(s, "byzantium").Balance["B1"])
	require.Equal(t, 100, facts(s, "cyrene").Balance["C1"])
	f := clusterFactsOf(s.World())
	require.Equal(t, f.Start-30, f.Money, "30 vanished")
	require.Equal(t, 1, f.Mixed)
	names := []string{}
	for _, x := range v {
		names = append(names, x.Invariant)
	}
	require.Contains(t, names, InvMoneyTotal)
}

// While athens is down, cyrene crashes too and restarts: it reloads T1
// PREPARED from its log with the lock on C1, still blocked; bob's
// transfer touching C1 is refused once athens is back, until T1 commits.
func TestAPreparedParticipantKeepsItsLocksAcrossItsOwnCrash(t *testing.T) {
	s := newRun(t)
	action(t, s, "athens", actStopAt, map[string]string{"point": stopAfterDecision})
	transfer(t, s, "alice", "B1", "C1", "30")
	runUntil(t, s, func() bool { return facts(s, "athens").Stopped == "T1" })
	kittest.Apply(t, s, engine.Command{Kind: engine.CmdCrash, Node: "athens"})
	kittest.Apply(t, s, engine.Command{Kind: engine.CmdCrash, Node: "cyrene"})
	kittest.Apply(t, s, engine.Command{Kind: engine.CmdRestart, Node: "cyrene"})
	s.RunFor(100*time.Millisecond, 0)
	f := facts(s, "cyrene")
	require.Equal(t, StPrepared, f.Txn["T1"])
	require.Equal(t, "T1", f.Lock["C1"])
	require.Equal(t, 1, f.Recovered)
	kittest.Apply(t, s, engine.Command{Kind: engine.CmdRestart, Node: "athens"})
	s.RunFor(300*time.Millisecond, 0)
	require.Equal(t, 130, facts(s, "cyrene").Balance["C1"])
	require.Empty(t, s.Violations())
}

// A lost Commit is sent again until acknowledged, and a copy that
// arrives twice is applied once: the receivers are idempotent.
func TestLostAndDuplicatedDecisionsApplyOnce(t *testing.T) {
	s := newRun(t)
	net := engine.DefaultNet
	net.DupPct = 100 // every message arrives twice
	kittest.Apply(t, s, engine.Command{Kind: engine.CmdNetwork, Net: &net})
	kittest.Apply(t, s, engine.Command{Kind: engine.CmdDropNext, From: "athens", To: "cyrene", Count: 2})
	transfer(t, s, "alice", "B1", "C1", "30")
	s.RunFor(time.Second, 0)
	require.Equal(t, "done", facts(s, "athens").Txn["T1"])
	require.Equal(t, 70, facts(s, "byzantium").Balance["B1"])
	require.Equal(t, 130, facts(s, "cyrene").Balance["C1"])
	f := clusterFactsOf(s.World())
	require.Equal(t, f.Start, f.Money)
	require.Empty(t, s.Violations())
}
