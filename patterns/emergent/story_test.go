package emergent

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
	return kittest.Sim(t, EmergentLeader(), 5, 1, nil, variants...)
}

func node(s *engine.Sim, id string) *Node {
	n, _ := s.World().Process(id).(*Node)
	return n
}

// runUntil steps until cond holds (or fails the test after max steps).
func runUntil(t *testing.T, s *engine.Sim, what string, cond func() bool) {
	t.Helper()
	for range 200_000 {
		if cond() {
			return
		}
		_, ok := s.Step()
		require.True(t, ok, "the run stopped")
	}
	t.Fatalf("%s never happened", what)
}

func notes(s *engine.Sim, from int) string {
	var out []string
	for _, ev := range s.Trace().Events()[from:] {
		if ev.Kind == engine.TrNote {
			out = append(out, ev.Text)
		}
	}
	return strings.Join(out, "\n")
}

// formed runs until the cluster has formed: athens coordinates and every
// partition is served.
func formed(t *testing.T, s *engine.Sim) {
	t.Helper()
	runUntil(t, s, "the cluster forming", func() bool {
		f := clusterFactsOf(s.World())
		return f.Coordinator == "athens" && f.Hosted == 12
	})
}

func age(s *engine.Sim, id string) int {
	f, _ := nodeFactsOf(s.World(), id)
	return f.Age
}

// athens, the seed, lets the others in one by one in the book's order,
// and, as the oldest, hands out the twelve partitions. When athens
// crashes, byzantium, the next oldest, takes over with no vote: once it
// has a majority and has waited out athens's leases, it marks athens down
// and gives athens's partitions to the others. athens restarts and
// rejoins as the youngest, so byzantium keeps coordinating.
func TestTheOldestCoordinatesAndTheNextOldestTakesOver(t *testing.T) {
	s := newRun(t)
	formed(t, s)
	for i, id := range []string{"athens", "byzantium", "cyrene", "delphi", "ephesus"} {
		require.Equal(t, i+1, age(s, id), "%s's age", id)
	}
	before := clusterFactsOf(s.World()).Owner
	require.Equal(t, "athens", before["p0"])
	// The page names what athens is: a coordinator, not an elected leader.
	require.Equal(t, "coordinator", node(s, "athens").View().Role)
	require.Equal(t, "follower", node(s, "byzantium").View().Role)

	kittest.Apply(t, s, engine.Command{Kind: engine.CmdCrash, Node: "athens"})
	mark := len(s.Trace().Events())
	runUntil(t, s, "byzantium taking over", func() bool {
		f := clusterFactsOf(s.World())
		return f.Coordinator == "byzantium" && f.Hosted == 12
	})
	after := clusterFactsOf(s.World()).Owner
	for p, o := range before {
		if o != "athens" {
			require.Equal(t, o, after[p], "%s stays where it was", p)
		} else {
			require.NotEqual(t, "athens", after[p], "%s leaves athens", p)
		}
	}
	story := notes(s, mark)
	require.Contains(t, story, "byzantium acts as coordinator")
	require.Contains(t, story, "byzantium marks athens down")
	require.NotContains(t, story, "vote")

	kittest.Apply(t, s, engine.Command{Kind: engine.CmdRestart, Node: "athens"})
	runUntil(t, s, "athens rejoining", func() bool { return age(s, "athens") == 6 })
	s.RunFor(2*time.Second, 0)
	f := clusterFactsOf(s.World())
	require.Equal(t, "byzantium", f.Coordinator, "the youngest does not take the lead back")
	require.Equal(t, 12, f.Hosted)
	require.Empty(t, s.Violations())
}

// splitTwoThree cuts {athens, byzantium} off from {cyrene, delphi, ephesus}.
func splitTwoThree(t *testing.T, s *engine.Sim) {
	kittest.Apply(t, s, engine.Command{Kind: engine.CmdPartition, Groups: [][]string{{"athens", "byzantium"}, {"cyrene", "delphi", "ephesus"}}})
}

// Without the majority check, a 2 | 3 split gives each side a
// coordinator: athens goes on acting with byzantium, cyrene (the oldest
// the other side hears from) starts. Each marks the other side down and
// hands its partitions out again, and p0 ends up served on both sides.
func TestASplitWithoutTheMajorityCheckGivesAPartitionTwoOwners(t *testing.T) {
	s := newRun(t, VarNoMajorityCheck)
	formed(t, s)
	splitTwoThree(t, s)
	runUntil(t, s, "two owners of a partition", func() bool { return clusterFactsOf(s.World()).TwoOwners > 0 })
	f := clusterFactsOf(s.World())
	require.Equal(t, 2, f.Coordinators)
	for _, id := range []string{"athens", "cyrene"} {
		nf, _ := nodeFactsOf(s.World(), id)
		require.True(t, nf.Acting, "%s acts as coordinator", id)
	}
	v := s.Violations()
	require.NotEmpty(t, v)
	require.Equal(t, InvOneCoordinator, v[0].Invariant, "the first thing to break")
	var owners []string
	for _, x := range v {
		if x.Invariant == InvOneOwner {
			owners = append(owners, x.Text)
		}
	}
	require.NotEmpty(t, owners, "then a partition has two owners")
}

// With the check, the same split leaves athens without a majority: it
// stops acting before cyrene may start, and cyrene waits out athens's
// leases before it hands athens's and byzantium's partitions out again.
func TestWithTheMajorityCheckOnlyTheMajoritySideCoordinates(t *testing.T) {
	s := newRun(t)
	formed(t, s)
	splitTwoThree(t, s)
	mark := len(s.Trace().Events())
	runUntil(t, s, "cyrene taking over", func() bool {
		f := clusterFactsOf(s.World())
		return f.Coordinator == "cyrene" && f.Hosted == 12
	})
	require.Contains(t, notes(s, mark), "athens stops acting as coordinator")
	s.RunFor(time.Second, 0)
	f := clusterFactsOf(s.World())
	require.Equal(t, 1, f.Coordinators)
	for _, id := range []string{"athens", "byzantium"} {
		nf, _ := nodeFactsOf(s.World(), id)
		require.Zero(t, nf.Hosts, "%s, cut off, serves nothing", id)
	}
	kittest.Apply(t, s, engine.Command{Kind: engine.CmdHeal})
	runUntil(t, s, "the minority rejoining", func() bool { return age(s, "athens") > 5 && age(s, "byzantium") > 5 })
	require.Empty(t, s.Violations())
}

// Bad input is refused with a reason and changes nothing.
func TestBadInputIsRefused(t *testing.T) {
	s := newRun(t)
	formed(t, s)
	err := s.Apply(engine.Command{Kind: engine.CmdJoin, Node: "athens"})
	require.ErrorContains(t, err, "already in the cluster")
	for _, id := range []string{"byzantium", "cyrene", "delphi", "ephesus"} {
		require.NoError(t, s.Apply(engine.Command{Kind: engine.CmdLeave, Node: id}))
	}
	step := s.StepCount()
	err = s.Apply(engine.Command{Kind: engine.CmdLeave, Node: "athens"})
	require.ErrorContains(t, err, "athens is the last member")
	require.Equal(t, engine.StatusUp, s.World().Status("athens"))
	require.Equal(t, step, s.StepCount())
	err = s.Apply(engine.Command{Kind: engine.CmdParam, Name: ParamTimeout, Value: 100})
	require.ErrorContains(t, err, "must be at least 4 × heartbeat-ms")
	require.Equal(t, defTimeout, s.World().Param(ParamTimeout, 0))
}
