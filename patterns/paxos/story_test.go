package paxos

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
	c := Paxos()
	s := kittest.Sim(t, c, 3, 1, nil, variants...)
	s.RunFor(5*time.Millisecond, 0)
	return s
}

func propose(t *testing.T, s *engine.Sim, client, proposer, key, value string) {
	t.Helper()
	kittest.Apply(t, s, engine.Command{Kind: engine.CmdClient, Node: client, Name: opPropose, Args: map[string]string{"key": key, "value": value, "node": proposer}})
}

func proposer(s *engine.Sim, id string) *Proposer {
	p, _ := s.World().Process(id).(*Proposer)
	return p
}

// runUntil steps until cond holds (or fails the test after max steps).
func runUntil(t *testing.T, s *engine.Sim, cond func() bool) {
	t.Helper()
	for i := 0; i < 10_000; i++ {
		if cond() {
			return
		}
		_, ok := s.Step()
		require.True(t, ok, "the run stopped")
	}
	t.Fatal("condition never held")
}

func phase(s *engine.Sim, id, key string) string {
	if p := proposer(s, id); p != nil {
		if r := p.find(key); r != nil {
			return r.Phase
		}
	}
	return ""
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

// cutOff isolates athens with the acceptor cyrene the moment athens
// starts its accept phase: its accepts to delphi and ephesus die in
// flight, so only cyrene accepts alice.
func cutOffInAcceptPhase(t *testing.T, s *engine.Sim) {
	runUntil(t, s, func() bool { return phase(s, "athens", "name") == PhaseAccept })
	kittest.Apply(t, s, engine.Command{Kind: engine.CmdPartition, Groups: [][]string{{"athens", "cyrene"}, {"byzantium", "delphi", "ephesus", "alice", "bob"}}})
}

// alice asks athens for name=alice; athens has its promises and sends
// its accepts, but only cyrene's gets through before athens crashes.
// bob then asks byzantium for name=bob. byzantium's promises come from
// a majority, and cyrene's carries alice@[1,athens]: byzantium must
// propose alice, and alice is what gets chosen and what bob is told.
func TestAProposerCarriesForwardTheValueAPromiseReports(t *testing.T) {
	s := newRun(t)
	propose(t, s, "alice", "athens", "name", "alice")
	cutOffInAcceptPhase(t, s)
	s.RunFor(20*time.Millisecond, 0)
	kittest.Apply(t, s, engine.Command{Kind: engine.CmdCrash, Node: "athens"})
	kittest.Apply(t, s, engine.Command{Kind: engine.CmdHeal})

	propose(t, s, "bob", "byzantium", "name", "bob")
	s.RunFor(300*time.Millisecond, 100_000)

	f := clusterFactsOf(s.World())
	require.Equal(t, "alice", f.Chosen["name"], "the value cyrene accepted is carried forward")
	require.Equal(t, 1, f.ChosenValues["name"])
	require.Equal(t, "alice", proposer(s, "byzantium").find("name").Decided)
	h := s.World().History()
	last := h[len(h)-1]
	require.Equal(t, "bob", last.Client)
	require.Equal(t, Result{Value: "alice"}, last.Output, "bob is told the chosen value, not his own")
	require.Contains(t, notes(s), "the highest accepted is alice@[1,athens], so it proposes alice")
	require.Empty(t, s.Violations())
}

// The broken variant: alice's value is chosen (a majority accepted it)
// but athens is cut off before anyone hears; byzantium's promises report
// alice, byzantium proposes bob anyway, and a majority accepts bob at a
// higher ballot: two values chosen for one key.
func TestIgnoringAcceptedValuesChoosesTwoValues(t *testing.T) {
	s := newRun(t, VarIgnoreAccepted)
	propose(t, s, "alice", "athens", "name", "alice")
	runUntil(t, s, func() bool { return clusterFactsOf(s.World()).Chosen["name"] == "alice" })
	kittest.Apply(t, s, engine.Command{Kind: engine.CmdPartition, Groups: [][]string{{"athens"}, {"byzantium", "cyrene", "delphi", "ephesus", "alice", "bob"}}})

	propose(t, s, "bob", "byzantium", "name", "bob")
	s.RunFor(300*time.Millisecond, 100_000)

	v := s.Violations()
	require.NotEmpty(t, v)
	require.Equal(t, InvOneValueChosen, v[0].Invariant)
	require.Contains(t, v[0].Text, "two values chosen for name: alice at [1,athens]")
	require.Contains(t, v[0].Text, "bob at [1,byzantium]")
	require.Equal(t, 2, clusterFactsOf(s.World()).ChosenValues["name"])
}

// The same story with the pattern: byzantium proposes alice, and the
// chosen value stays alice.
func TestTheSameStoryWithPaxosKeepsOneValue(t *testing.T) {
	s := newRun(t)
	propose(t, s, "alice", "athens", "name", "alice")
	runUntil(t, s, func() bool { return clusterFactsOf(s.World()).Chosen["name"] == "alice" })
	kittest.Apply(t, s, engine.Command{Kind: engine.CmdPartition, Groups: [][]string{{"athens"}, {"byzantium", "cyrene", "delphi", "ephesus", "alice", "bob"}}})
	propose(t, s, "bob", "byzantium", "name", "bob")
	s.RunFor(300*time.Millisecond, 100_000)
	require.Empty(t, s.Violations())
	f := clusterFactsOf(s.World())
	require.Equal(t, 1, f.ChosenValues["name"])
	require.Equal(t, "alice", proposer(s, "byzantium").find("name").Decided)
}

// Two proposers on one key pre-empt each other: the refused one backs
// off a random while before a higher ballot, and one value is chosen.
func TestDuellingProposersBackOffAndDecide(t *testing.T) {
	s := newRun(t)
	propose(t, s, "alice", "athens", "name", "alice")
	propose(t, s, "bob", "byzantium", "name", "bob")
	s.RunFor(time.Second, 100_000)
	a, b := proposer(s, "athens").find("name"), proposer(s, "byzantium").find("name")
	require.Equal(t, PhaseDecided, a.Phase)
	require.Equal(t, PhaseDecided, b.Phase)
	require.Equal(t, a.Decided, b.Decided)
	require.Positive(t, proposer(s, "athens").Retries+proposer(s, "byzantium").Retries, "someone was pre-empted")
	require.Contains(t, notes(s), "and backs off")
}

// An acceptor keeps its promise across a crash: after a restart it still
// refuses a lower ballot.
func TestAPromiseSurvivesACrash(t *testing.T) {
	s := newRun(t)
	propose(t, s, "alice", "athens", "name", "alice")
	s.RunFor(200*time.Millisecond, 100_000)
	kittest.Apply(t, s, engine.Command{Kind: engine.CmdCrash, Node: "cyrene"})
	kittest.Apply(t, s, engine.Command{Kind: engine.CmdRestart, Node: "cyrene"})
	s.RunFor(10*time.Millisecond, 0)
	f, ok := nodeFactsOf(s.World(), "cyrene")
	require.True(t, ok)
	require.Equal(t, "[1,athens]", f.Promised["name"])
	require.Equal(t, "alice", f.Accepted["name"])
	require.Equal(t, "alice", f.Decided["name"])
}

// Messages carry their ballot's colour in the view; those of one ballot
// share it, and the next ballot's differ.
func TestMessagesAreColouredByBallot(t *testing.T) {
	s := newRun(t)
	propose(t, s, "alice", "athens", "name", "alice")
	runUntil(t, s, func() bool { return phase(s, "athens", "name") == PhasePrepare })
	hues := map[int]bool{}
	for _, m := range s.InFlight() {
		if m.Kind == "Prepare" {
			hues[m.Hue] = true
		}
	}
	require.Equal(t, map[int]bool{1 + Ballot{N: 1}.Hue(): true}, hues)
	require.NotEqual(t, Ballot{N: 1, P: 0}.Hue(), Ballot{N: 1, P: 1}.Hue())
	require.NotEqual(t, Ballot{N: 1, P: 1}.Hue(), Ballot{N: 2, P: 0}.Hue())
}
