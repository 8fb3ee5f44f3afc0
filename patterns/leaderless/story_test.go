package leaderless

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
	c := RequestWaitingList()
	return kittest.Sim(t, c, 3, 1, nil, variants...)
}

func set(t *testing.T, s *engine.Sim, client, key, value string) {
	t.Helper()
	kittest.Apply(t, s, engine.Command{Kind: engine.CmdClient, Node: client, Name: opSet, Args: map[string]string{"key": key, "value": value}})
}

func get(t *testing.T, s *engine.Sim, client, key, node string) {
	t.Helper()
	kittest.Apply(t, s, engine.Command{Kind: engine.CmdClient, Node: client, Name: opGet, Args: map[string]string{"key": key, "node": node}})
}

func node(s *engine.Sim, id string) *Node { n, _ := s.World().Process(id).(*Node); return n }

// last is the last completed operation's history record.
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

// cutReplicas cuts byzantium and cyrene off from athens and the clients.
func cutReplicas(t *testing.T, s *engine.Sim) {
	kittest.Apply(t, s, engine.Command{Kind: engine.CmdPartition, Groups: [][]string{{"athens", "alice", "bob"}, {"byzantium", "cyrene"}}})
}

// alice sets title through athens: athens waits for two of its three
// SetValueRequests, tells her Success at the second answer, and ignores
// the third when it comes; every replica ends up holding the value.
func TestAQuorumOfAnswersCompletesTheWriteAndTheThirdIsLate(t *testing.T) {
	s := newRun(t)
	set(t, s, "alice", "title", "Microservices")
	s.RunFor(100*time.Millisecond, 10_000)

	op := last(s)
	require.Equal(t, engine.OpOK, op.Status)
	a := node(s, "athens")
	require.Len(t, a.done, 1)
	require.Equal(t, 2, distinct(a.done[0].Done[0].From), "Success at the second distinct answer")
	require.Equal(t, 1, a.Late, "the third answer finds nothing waiting")
	require.Zero(t, a.waiting.Len())
	require.Contains(t, notes(s), "athens ignores")
	for _, id := range []string{"athens", "byzantium", "cyrene"} {
		require.Equal(t, "Microservices", node(s, id).store["title"].Value, id)
	}
	require.Empty(t, s.Violations())
}

// With byzantium and cyrene cut off, only athens's own answer comes: 1 of
// 2. At the expiry (2 s) athens tells alice Timeout rather than leaving her
// waiting, and forgets the request.
func TestACutOffQuorumExpiresAsTimeout(t *testing.T) {
	s := newRun(t)
	cutReplicas(t, s)
	set(t, s, "alice", "title", "Microservices")
	s.RunFor(1900*time.Millisecond, 100_000)
	a := node(s, "athens")
	require.Len(t, a.pending, 1, "still waiting before the deadline")
	require.Equal(t, []string{"athens"}, a.pending[0].From)
	require.Equal(t, 2, a.waiting.Len(), "the messages to byzantium and cyrene still wait")

	s.RunFor(300*time.Millisecond, 100_000)
	require.Equal(t, engine.OpUnknown, last(s).Status, "a write that timed out may or may not have happened")
	require.Equal(t, 1, a.Timeouts)
	require.Zero(t, a.waiting.Len())
	require.Empty(t, a.pending)
	require.Contains(t, notes(s), "athens: r1 expired with 1/2 (athens): Timeout for alice's set title=Microservices")
	require.Empty(t, s.Violations())
}

// The same cut, and athens's link to itself delivers every message twice.
// Counting distinct replicas, the duplicated self-ack is still one answer
// and alice gets Timeout. Counting responses, it is two: alice is told
// Success while athens alone holds the value, and once athens crashes bob
// reads the old (empty) title through byzantium.
func TestADuplicatedAckCountsTwiceOnlyWhenResponsesAreCounted(t *testing.T) {
	for _, tc := range []struct {
		variant string
		lost    bool
	}{{"", false}, {VarCountResponses, true}} {
		t.Run("variant="+tc.variant, func(t *testing.T) {
			var vs []string
			if tc.variant != "" {
				vs = append(vs, tc.variant)
			}
			s := newRun(t, vs...)
			cutReplicas(t, s)
			net := engine.DefaultNet
			net.DupPct = 100
			kittest.Apply(t, s, engine.Command{Kind: engine.CmdNetwork, From: "athens", To: "athens", Net: &net})
			set(t, s, "alice", "title", "Microservices")
			s.RunFor(2500*time.Millisecond, 100_000)
			alice := last(s)

			kittest.Apply(t, s, engine.Command{Kind: engine.CmdCrash, Node: "athens"})
			kittest.Apply(t, s, engine.Command{Kind: engine.CmdHeal})
			get(t, s, "bob", "title", "byzantium")
			s.RunFor(100*time.Millisecond, 10_000)
			bob := last(s)
			require.Equal(t, engine.OpOK, bob.Status)
			require.Equal(t, "", bob.Output.(Result).Value, "neither byzantium nor cyrene ever held the title")
			require.Equal(t, !tc.lost, RequestWaitingList().Linearizable(s.World().History()),
				"alice told Success, then bob reading nothing, has no linearizable order")

			if !tc.lost {
				require.Equal(t, engine.OpUnknown, alice.Status, "alice was never told the write happened")
				require.Empty(t, s.Violations())
				return
			}
			require.Equal(t, engine.OpOK, alice.Status, "alice was told Success")
			require.NotEmpty(t, s.Violations())
			v := s.Violations()[0]
			require.Equal(t, InvDistinctQuorum, v.Invariant)
			require.Contains(t, v.Text, "from only 1 distinct replica(s) (athens, athens)")
		})
	}
}

// deliver hands over every held message that match picks.
func deliver(t *testing.T, s *engine.Sim, match func(engine.MessageView) bool) int {
	t.Helper()
	n := 0
	for _, m := range s.InFlight() {
		if m.Held && match(m) {
			kittest.Apply(t, s, engine.Command{Kind: engine.CmdDeliver, Msg: m.ID})
			n++
		}
	}
	s.RunFor(time.Millisecond, 100)
	return n
}

func kind(k string) func(engine.MessageView) bool {
	return func(m engine.MessageView) bool { return m.Kind == k }
}

// A restarted coordinator numbers its messages from one again, but under
// a new epoch: answers to messages it sent before the crash must not count
// for a request made after it. byzantium asks for title, crashes and
// restarts, and asks again for bob; the answers to its first questions
// then arrive first, and bob's request is still at 0/2.
func TestAnswersFromBeforeARestartCountForNothing(t *testing.T) {
	s := newRun(t)
	kittest.Apply(t, s, engine.Command{Kind: engine.CmdManual, On: true})
	get(t, s, "alice", "title", "byzantium")
	require.Equal(t, 1, deliver(t, s, kind("ClientGet")))
	kittest.Apply(t, s, engine.Command{Kind: engine.CmdCrash, Node: "byzantium"})
	kittest.Apply(t, s, engine.Command{Kind: engine.CmdRestart, Node: "byzantium"})
	s.RunFor(time.Millisecond, 100)
	get(t, s, "bob", "title", "byzantium")
	require.Equal(t, 1, deliver(t, s, kind("ClientGet")))

	old := func(m engine.MessageView) bool {
		return m.Kind == "GetValueRequest" && strings.HasPrefix(m.Summary, "c1.")
	}
	require.Equal(t, 2, deliver(t, s, old), "the questions to athens and cyrene from before the crash")
	require.Equal(t, 2, deliver(t, s, kind("GetValueResponse")))
	b := node(s, "byzantium")
	require.Len(t, b.pending, 1)
	require.Empty(t, b.pending[0].From, "bob's read has no answer yet")
	require.Equal(t, 2, b.Late)

	require.Equal(t, 3, deliver(t, s, kind("GetValueRequest")))
	require.Equal(t, 3, deliver(t, s, kind("GetValueResponse")))
	require.Equal(t, 1, deliver(t, s, kind("ClientResponse")))
	require.Equal(t, engine.OpOK, last(s).Status)
	require.Empty(t, s.Violations())
}

// Bad input is refused with a reason and changes nothing: an expiry of
// zero, a get coordinated by a server that does not exist, an empty key.
func TestBadInputIsRefusedAndTheRunUnchanged(t *testing.T) {
	s := newRun(t)
	set(t, s, "alice", "title", "Microservices")
	s.RunFor(100*time.Millisecond, 10_000)
	before := s.Trace().Hash()
	for _, c := range []struct {
		cmd  engine.Command
		says string
	}{
		{engine.Command{Kind: engine.CmdParam, Name: ParamExpiry, Value: 0}, ParamExpiry},
		{engine.Command{Kind: engine.CmdClient, Node: "alice", Name: opGet, Args: map[string]string{"key": "title", "node": "delphi"}}, `no server called "delphi"`},
		{engine.Command{Kind: engine.CmdClient, Node: "alice", Name: opSet, Args: map[string]string{"key": ""}}, "key must be"},
		{engine.Command{Kind: engine.CmdClient, Node: "alice", Name: "delete", Args: map[string]string{"key": "title"}}, "unknown client operation"},
	} {
		err := s.Apply(c.cmd)
		require.Error(t, err, c.cmd.String())
		require.Contains(t, err.Error(), c.says)
	}
	require.Equal(t, before, s.Trace().Hash(), "a refused command leaves the run as it was")
	require.Equal(t, defExpiry, s.World().Param(ParamExpiry, 0))
}

// The network delivers alice's ClientSet twice. athens takes the write
// once: a second version of it, written later, could overwrite a write
// made in between by someone else.
func TestACopiedClientSetIsWrittenOnce(t *testing.T) {
	s := newRun(t)
	net := engine.DefaultNet
	net.DupPct = 100
	kittest.Apply(t, s, engine.Command{Kind: engine.CmdNetwork, From: "alice", To: "athens", Net: &net})
	set(t, s, "alice", "title", "Microservices")
	s.RunFor(100*time.Millisecond, 10_000)
	a := node(s, "athens")
	require.Equal(t, 1, a.Completed, "one request for one write")
	require.Equal(t, Version{Epoch: 1, Seq: 1}, a.store["title"].Version)
	require.Contains(t, notes(s), "athens ignores a copy of alice's set #0")
}
