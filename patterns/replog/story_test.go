package replog

import (
	"strings"
	"testing"
	"time"

	"clusterscope/engine"
	"clusterscope/patterns/kit"
)

// story drives a cluster by hand, as a lesson would: elections happen only
// when forced (the election timeouts are long), so each step of the book's
// failure stories can be placed exactly.
type story struct {
	t *testing.T
	c *kit.Cluster
	s *engine.Sim
}

func newStory(t *testing.T, c *kit.Cluster, nodes int, variants ...string) *story {
	t.Helper()
	cfg := engine.Config{Nodes: c.Nodes, Clients: c.Clients, Seed: 1, Params: map[string]int{}, Variants: map[string]bool{}}
	if nodes > 0 {
		cfg.Nodes = []string{"athens", "byzantium", "cyrene", "delphi", "ephesus", "funchal", "gades"}[:nodes]
	}
	for k, v := range c.Params {
		cfg.Params[k] = v
	}
	cfg.Params[ParamElectionMin], cfg.Params[ParamElectionMax] = 60_000, 61_000
	cfg.Params[ParamClientTimeout] = 30_000
	for _, v := range variants {
		cfg.Variants[v] = true
	}
	s, err := engine.New(cfg, c.Model(cfg))
	if err != nil {
		t.Fatal(err)
	}
	return &story{t: t, c: c, s: s}
}

func (st *story) do(c engine.Command) {
	st.t.Helper()
	if err := st.s.Apply(c); err != nil {
		st.t.Fatalf("%s: %v", c.Kind, err)
	}
}

func (st *story) run(d time.Duration) { st.s.RunFor(d, 1_000_000) }

func (st *story) elect(node string) {
	st.t.Helper()
	st.do(engine.Command{Kind: engine.CmdAction, Node: node, Name: "force-election"})
	st.run(100 * time.Millisecond)
}

func (st *story) write(client, node, key, value string) {
	st.t.Helper()
	st.do(engine.Command{Kind: engine.CmdClient, Node: client, Name: "write", Args: map[string]string{"node": node, "key": key, "value": value}})
}

func (st *story) read(client, node, key string) {
	st.t.Helper()
	st.do(engine.Command{Kind: engine.CmdClient, Node: client, Name: "read", Args: map[string]string{"node": node, "key": key}})
}

func (st *story) partition(groups ...[]string) {
	st.t.Helper()
	st.do(engine.Command{Kind: engine.CmdHeal})
	st.do(engine.Command{Kind: engine.CmdPartition, Groups: groups})
}

func (st *story) cutOff(node string, others ...string) {
	st.t.Helper()
	for _, o := range others {
		st.do(engine.Command{Kind: engine.CmdCut, From: node, To: o})
	}
}

func (st *story) node(id string) *Node {
	st.t.Helper()
	n, ok := st.s.World().Process(id).(*Node)
	if !ok {
		st.t.Fatalf("%s is not up", id)
	}
	return n
}

func (st *story) leaderOf(id string, gen int) {
	st.t.Helper()
	if n := st.node(id); n.role != Leader || n.gen != gen {
		st.t.Fatalf("%s should lead generation %d; it is %s in generation %d", id, gen, n.role, n.gen)
	}
}

// broke returns the violation of invariant name, if it fired.
func (st *story) broke(name string) (engine.Violation, bool) {
	for _, v := range st.s.Violations() {
		if v.Invariant == name {
			return v, true
		}
	}
	return engine.Violation{}, false
}

func (st *story) mustBreak(name string, words ...string) {
	st.t.Helper()
	v, ok := st.broke(name)
	if !ok {
		st.t.Fatalf("%s did not fire; violations: %+v", name, st.s.Violations())
	}
	for _, w := range words {
		if !strings.Contains(v.Text, w) {
			st.t.Errorf("%s: %q does not mention %q", name, v.Text, w)
		}
	}
}

func (st *story) mustHold() {
	st.t.Helper()
	if v := st.s.Violations(); len(v) > 0 {
		st.t.Fatalf("expected no violation, got %+v", v)
	}
	if !st.c.Linearizable(st.s.History()) {
		st.t.Fatal("history is not linearizable")
	}
}

// outcome is the status and output of the client's n-th operation.
func (st *story) op(client string, n int) engine.Operation {
	st.t.Helper()
	k := 0
	for _, op := range st.s.History() {
		if op.Client == client {
			if k == n {
				return op
			}
			k++
		}
	}
	st.t.Fatalf("%s has no operation #%d", client, n)
	return engine.Operation{}
}

// Leader and Followers: cyrene votes for athens, crashes, restarts, and —
// when its vote was not on disk — votes for byzantium in the same
// generation.
func TestStoryForgottenVote(t *testing.T) {
	for _, broken := range []bool{false, true} {
		var vs []string
		if broken {
			vs = []string{VarForgetVote}
		}
		st := newStory(t, LeaderAndFollowers(), 3, vs...)
		st.partition([]string{"athens", "cyrene"}, []string{"byzantium"})
		st.do(engine.Command{Kind: engine.CmdAction, Node: "athens", Name: "force-election"})
		st.s.RunUntil(func() bool { return st.node("athens").role == Leader }, 1000)
		st.leaderOf("athens", 1)
		if v := st.node("cyrene").VotedFor(); v != "athens" {
			t.Fatalf("cyrene voted for %q", v)
		}
		// athens is cut off at once: its first entry never reaches cyrene.
		st.partition([]string{"athens"}, []string{"byzantium", "cyrene"})
		st.do(engine.Command{Kind: engine.CmdCrash, Node: "cyrene"})
		st.do(engine.Command{Kind: engine.CmdRestart, Node: "cyrene"})
		st.elect("byzantium")
		if !broken {
			if st.node("byzantium").role == Leader {
				t.Fatal("byzantium won generation 1 although cyrene had voted for athens")
			}
			st.mustHold()
			continue
		}
		st.leaderOf("byzantium", 1)
		st.mustBreak(InvOneVote, "cyrene", "athens", "byzantium", "generation 1")
		st.mustBreak(InvOneLeader, "athens", "byzantium", "generation 1")
	}
}

// HeartBeat: with a timeout below the interval a healthy leader is
// suspected again and again and the generation climbs.
func TestStoryTimeoutBelowInterval(t *testing.T) {
	for _, broken := range []bool{false, true} {
		c := HeartBeat()
		cfg := engine.Config{Nodes: c.Nodes, Clients: c.Clients, Seed: 3, Params: c.Params, Variants: map[string]bool{VarShortTimeout: broken}}
		s, err := engine.New(cfg, c.Model(cfg))
		if err != nil {
			t.Fatal(err)
		}
		s.RunFor(2*time.Second, 0)
		facts := c.Facts(s.World())
		broke := map[string]bool{}
		for _, v := range s.Violations() {
			broke[v.Invariant] = true
		}
		if broken {
			if !broke[InvNoFalseSuspect] || !broke[InvElectionsSettle] {
				t.Fatalf("timeout below interval: expected false suspicion and churning elections, got %+v", s.Violations())
			}
			if facts["generation"].(int) < settleGenerations {
				t.Fatalf("generation only reached %v", facts["generation"])
			}
		} else {
			if len(s.Violations()) > 0 {
				t.Fatalf("healthy cluster: %+v", s.Violations())
			}
			if facts["leader"] == "" || facts["generation"].(int) > 2 {
				t.Fatalf("healthy cluster should settle on one leader early: %v", facts)
			}
		}
	}
}

// HeartBeat: a learner who sets the heartbeat interval above the election
// timeout mid-run sees the same false suspicions.
func TestStoryIntervalAboveTimeout(t *testing.T) {
	c := HeartBeat()
	cfg := engine.Config{Nodes: c.Nodes, Clients: c.Clients, Seed: 4, Params: c.Params}
	s, err := engine.New(cfg, c.Model(cfg))
	if err != nil {
		t.Fatal(err)
	}
	s.RunFor(time.Second, 0)
	if len(s.Violations()) > 0 {
		t.Fatal(s.Violations())
	}
	if err := s.Apply(engine.Command{Kind: engine.CmdParam, Name: ParamHeartbeat, Value: 400}); err != nil {
		t.Fatal(err)
	}
	s.RunFor(time.Second, 0)
	if len(s.Violations()) == 0 || s.Violations()[0].Invariant != InvNoFalseSuspect {
		t.Fatalf("expected a false suspicion, got %+v", s.Violations())
	}
}

// HeartBeat: a crashed leader is suspected within timeout + interval +
// delay, and a new leader takes over.
func TestStoryCrashedLeaderIsSuspected(t *testing.T) {
	c := HeartBeat()
	cfg := engine.Config{Nodes: c.Nodes, Clients: c.Clients, Seed: 5, Params: c.Params}
	s, err := engine.New(cfg, c.Model(cfg))
	if err != nil {
		t.Fatal(err)
	}
	s.RunFor(time.Second, 0)
	old := c.Facts(s.World())
	leader := old["leader"].(string)
	if leader == "" {
		t.Fatal("no leader after 1s")
	}
	if err := s.Apply(engine.Command{Kind: engine.CmdCrash, Node: leader}); err != nil {
		t.Fatal(err)
	}
	// Worst case: timeout max 300ms + one interval + a few message delays
	// for the vote.
	s.RunFor((defElectionMax+defHeartbeat+50)*time.Millisecond, 0)
	now := c.Facts(s.World())
	if now["leader"] == "" || now["leader"] == leader || now["generation"].(int) <= old["generation"].(int) {
		t.Fatalf("after %s crashed: %v (before: %v)", leader, now, old)
	}
	if len(s.Violations()) > 0 {
		t.Fatal(s.Violations())
	}
}

// Generation Clock (the book's story): athens appends alice's write and
// pauses; byzantium wins generation 2 and commits bob's write at the same
// index; athens resumes and sends its generation-1 entry. Checking the
// generation, the followers refuse it; without the check they take it and
// a committed entry is overwritten.
func TestStoryPausedLeaderReturns(t *testing.T) {
	for _, broken := range []bool{false, true} {
		var vs []string
		if broken {
			vs = []string{VarIgnoreGeneration}
		}
		st := newStory(t, GenerationClock(), 3, vs...)
		st.elect("athens")
		st.leaderOf("athens", 1)
		st.write("alice", "athens", "x", "1")
		st.run(100 * time.Millisecond)
		st.cutOff("athens", "byzantium", "cyrene")
		st.write("alice", "athens", "x", "2") // index 3, generation 1, only on athens
		st.run(10 * time.Millisecond)
		st.do(engine.Command{Kind: engine.CmdPause, Node: "athens"}) // a long GC
		st.do(engine.Command{Kind: engine.CmdHeal})
		st.run(100 * time.Millisecond) // athens misses a heartbeat: its timer waits
		st.elect("byzantium")
		st.leaderOf("byzantium", 2)
		st.write("bob", "byzantium", "x", "3")
		st.run(100 * time.Millisecond)
		if op := st.op("bob", 0); op.Status != engine.OpOK {
			t.Fatalf("bob's write: %+v", op)
		}
		mark := st.s.Trace().Len()
		st.do(engine.Command{Kind: engine.CmdResume, Node: "athens"})
		st.run(200 * time.Millisecond)
		_ = mark
		if !broken {
			a := st.node("athens")
			if a.role != Follower || a.gen != 2 {
				t.Fatalf("athens should have stepped down to generation 2, is %s in %d", a.role, a.gen)
			}
			if e := a.log[2]; e.Gen != 2 {
				t.Fatalf("athens kept its stale entry 3: %+v", e)
			}
			if st.node("cyrene").Value("x") != "3" {
				t.Fatalf("cyrene has x=%q", st.node("cyrene").Value("x"))
			}
			if op := st.op("alice", 1); op.Status == engine.OpOK {
				t.Fatalf("alice's stale write was acknowledged: %+v", op)
			}
			st.mustHold()
			continue
		}
		st.mustBreak(InvGenMonotonic, "from 2 to 1")
		st.mustBreak(InvCommittedStable)
	}
}

// Majority Quorum: four nodes split two and two. With ⌊N/2⌋ as the quorum
// both halves elect a leader and commit different entries at one index.
func TestStorySplitBrain(t *testing.T) {
	for _, broken := range []bool{false, true} {
		var vs []string
		if broken {
			vs = []string{VarHalfQuorum}
		}
		st := newStory(t, MajorityQuorum(), 4, vs...)
		st.elect("athens")
		st.leaderOf("athens", 1)
		st.write("alice", "athens", "x", "1")
		st.run(100 * time.Millisecond)
		st.partition([]string{"athens", "byzantium"}, []string{"cyrene", "delphi"})
		st.elect("cyrene")
		st.write("alice", "athens", "x", "a")
		st.write("bob", "cyrene", "x", "b")
		st.run(200 * time.Millisecond)
		if !broken {
			if st.node("cyrene").role == Leader {
				t.Fatal("cyrene won with two of four votes")
			}
			if st.op("alice", 1).Status == engine.OpOK {
				t.Fatal("athens committed with two of four nodes")
			}
			st.mustHold()
			continue
		}
		st.leaderOf("athens", 1)
		st.leaderOf("cyrene", 2)
		if st.op("alice", 1).Status != engine.OpOK || st.op("bob", 0).Status != engine.OpOK {
			t.Fatal("both halves should have acknowledged their write")
		}
		st.mustBreak(InvCommittedQuorum, "2 of 4")
		st.mustBreak(InvCommittedStable)
		st.read("alice", "athens", "x")
		st.run(100 * time.Millisecond)
		st.read("bob", "cyrene", "x")
		st.run(100 * time.Millisecond)
		if a, b := st.op("alice", 2), st.op("bob", 1); a.Output != (KVOutput{"a"}) || b.Output != (KVOutput{"b"}) {
			t.Fatalf("each half should read its own write: alice %+v, bob %+v", a, b)
		}
		if st.c.Linearizable(st.s.History()) {
			t.Fatal("porcupine should reject a history where one acknowledged write vanished")
		}
	}
}

// High-Water Mark (the book's story): athens appends alice's fourth write
// and is cut off before sending it. Serving reads from the log end, it
// shows bob that value; after failover the value is gone.
func TestStoryReadBeyondHWM(t *testing.T) {
	for _, broken := range []bool{false, true} {
		var vs []string
		if broken {
			vs = []string{VarReadLogEnd}
		}
		st := newStory(t, HighWaterMark(), 3, vs...)
		st.elect("athens")
		for _, v := range []string{"1", "2", "3"} {
			st.write("alice", "athens", "x", v)
			st.run(50 * time.Millisecond)
		}
		if h := st.node("athens").HWM(); h != 4 { // no-op + three writes
			t.Fatalf("athens's high-water mark is %d, want 4", h)
		}
		st.cutOff("athens", "byzantium", "cyrene")
		st.write("alice", "athens", "x", "4")
		st.run(10 * time.Millisecond)
		st.read("bob", "athens", "x")
		st.run(20 * time.Millisecond)
		st.do(engine.Command{Kind: engine.CmdCrash, Node: "athens"})
		st.do(engine.Command{Kind: engine.CmdHeal})
		st.elect("byzantium")
		st.read("bob", "byzantium", "x")
		st.run(100 * time.Millisecond)
		st.do(engine.Command{Kind: engine.CmdRestart, Node: "athens"})
		st.run(200 * time.Millisecond)
		if got := st.op("bob", 1); got.Status != engine.OpOK || got.Output.(KVOutput).Value != "3" {
			t.Fatalf("bob's read at byzantium: %+v", got)
		}
		if a := st.node("athens"); len(a.log) < 5 || a.log[4].Gen != 2 {
			t.Fatalf("athens should have replaced its entry 5 with byzantium's: %+v", a.log)
		}
		if !broken {
			if op := st.op("bob", 0); op.Status == engine.OpOK {
				t.Fatalf("bob's read at athens answered before commit: %+v", op)
			}
			st.mustHold()
			continue
		}
		if got := st.op("bob", 0); got.Output.(KVOutput).Value != "4" {
			t.Fatalf("bob's read at athens: %+v", got)
		}
		st.mustBreak(InvReadsCommitted, "bob", `"4"`)
		if st.c.Linearizable(st.s.History()) {
			t.Fatal("porcupine should reject reading 4 and then 3")
		}
	}
}

// Replicated Log, toggle A (Raft's figure 8): an entry of an older
// generation counted as committed is overwritten by a later leader.
func TestStoryFigure8(t *testing.T) {
	for _, broken := range []bool{false, true} {
		var vs []string
		if broken {
			vs = []string{VarCommitByCounting}
		}
		st := newStory(t, ReplicatedLog(), 5, vs...)
		all := []string{"athens", "byzantium", "cyrene", "delphi", "ephesus"}
		st.elect("athens")
		st.write("alice", "athens", "x", "1")
		st.run(100 * time.Millisecond)
		// athens puts x=2 on itself and byzantium only, then crashes.
		st.partition([]string{"athens", "byzantium"}, []string{"cyrene", "delphi", "ephesus"})
		st.write("alice", "athens", "x", "2")
		st.run(50 * time.Millisecond)
		st.do(engine.Command{Kind: engine.CmdCrash, Node: "athens"})
		// ephesus wins with cyrene and delphi, appends bob's x=3 locally, crashes.
		st.elect("ephesus")
		st.leaderOf("ephesus", 2)
		st.cutOff("ephesus", all[:4]...)
		st.write("bob", "ephesus", "x", "3")
		st.run(20 * time.Millisecond)
		st.do(engine.Command{Kind: engine.CmdCrash, Node: "ephesus"})
		st.do(engine.Command{Kind: engine.CmdHeal})
		// athens comes back and stands until it wins (generation 3 under the
		// broken rule) and copies x=2 to a majority.
		st.do(engine.Command{Kind: engine.CmdRestart, Node: "athens"})
		st.elect("athens")
		st.elect("athens")
		if broken {
			st.leaderOf("athens", 3)
		}
		st.run(100 * time.Millisecond)
		// athens crashes; ephesus comes back and stands until it wins.
		st.do(engine.Command{Kind: engine.CmdCrash, Node: "athens"})
		st.do(engine.Command{Kind: engine.CmdRestart, Node: "ephesus"})
		st.elect("ephesus")
		st.elect("ephesus")
		st.run(100 * time.Millisecond)
		if !broken {
			st.mustHold()
			continue
		}
		st.leaderOf("ephesus", 4)
		st.mustBreak(InvCommittedStable, "ephesus", "x=2")
	}
}

// Replicated Log, toggle B: without the up-to-date check cyrene, which
// missed a committed entry, wins and overwrites it.
func TestStoryVoteWithoutLogCheck(t *testing.T) {
	for _, broken := range []bool{false, true} {
		var vs []string
		if broken {
			vs = []string{VarNoUpToDateCheck}
		}
		st := newStory(t, ReplicatedLog(), 3, vs...)
		st.elect("athens")
		st.partition([]string{"athens", "byzantium"}, []string{"cyrene"})
		st.write("alice", "athens", "x", "1")
		st.run(100 * time.Millisecond)
		if st.op("alice", 0).Status != engine.OpOK {
			t.Fatal("x=1 should commit on athens and byzantium")
		}
		st.do(engine.Command{Kind: engine.CmdCrash, Node: "athens"})
		st.do(engine.Command{Kind: engine.CmdHeal})
		st.elect("cyrene")
		if !broken {
			if st.node("cyrene").role == Leader {
				t.Fatal("cyrene won without x=1")
			}
			st.mustHold()
			continue
		}
		st.leaderOf("cyrene", 2)
		st.mustBreak(InvCommittedStable, "cyrene")
	}
}

// dump prints the trace from event from on (for debugging a story).
func (st *story) dump(from int) {
	for _, e := range st.s.Trace().Since(from) {
		switch e.Kind {
		case engine.TrSend, engine.TrTimer:
			continue
		}
		st.t.Logf("%6d %8dus %-9s %-10s %s→%s %s %s", e.Step, e.At, e.Kind, e.Node, e.From, e.To, e.MsgKind, e.Text)
	}
}
