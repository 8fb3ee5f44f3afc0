package replog

import (
	"strings"
	"testing"
	"time"

	"clusterscope/engine"
	"clusterscope/patterns/kit"
	"clusterscope/patterns/kit/kittest"
)

// story drives a cluster by hand, as a lesson would: elections happen only
// when forced (the election timeouts are long), so each step of the book's
// failure stories can be placed exactly.
type story struct {
	t    *testing.T
	c    *kit.Cluster
	s    *engine.Sim
	told int // trace events already told (say)
}

func newStory(t *testing.T, c *kit.Cluster, nodes int, variants ...string) *story {
	t.Helper()
	s := kittest.Sim(t, c, nodes, 1, map[string]int{ParamElectionMin: 60_000, ParamElectionMax: 61_000, ParamClientTimeout: 30_000}, variants...)
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

// matchWidget reads the leader's match-index widget: the sorted field and
// the "mark held back" field ("" when absent).
func matchWidget(t *testing.T, n *Node) (sorted, held string) {
	t.Helper()
	for _, w := range n.View().Widgets {
		if w.Title != WMatch {
			continue
		}
		for _, f := range w.Fields {
			switch f.Label {
			case "sorted":
				sorted = f.Value
			case "mark held back":
				held = f.Value
			}
		}
		return sorted, held
	}
	t.Fatalf("%s shows no %s widget", n.id, WMatch)
	return "", ""
}

// lastNote is the text of the latest note in the trace.
func (st *story) lastNote() string {
	evs := st.s.Trace().Since(max(0, st.s.Trace().Len()-20))
	for i := len(evs) - 1; i >= 0; i-- {
		if evs[i].Kind == engine.TrNote {
			return evs[i].Text
		}
	}
	return ""
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
		// Both take writes: the second leader's are not the leader's.
		st.write("bob", "byzantium", "x", "b")
		st.run(50 * time.Millisecond)
		st.mustBreak(InvLeaderAppends, "byzantium appended bob's x=b", "generation 1, which athens leads")
	}
}

// Leader and Followers: only the leader appends client commands. A planted
// bug (a follower writing a client's command into its own log) is caught;
// the same run without it is clean.
func TestOnlyLeaderAppends(t *testing.T) {
	for _, planted := range []bool{false, true} {
		st := newStory(t, LeaderAndFollowers(), 3)
		st.elect("athens")
		st.write("alice", "athens", "x", "1")
		st.run(50 * time.Millisecond)
		if planted {
			b := st.node("byzantium")
			b.push(Entry{Gen: b.gen, Op: opPut, Key: "x", Value: "2", Client: "bob", ReqID: 7})
		}
		st.do(engine.Command{Kind: engine.CmdHeal}) // any command: the checkers look again
		st.write("alice", "athens", "x", "3")
		st.run(50 * time.Millisecond)
		if !planted {
			st.mustHold()
			continue
		}
		st.mustBreak(InvLeaderAppends, "byzantium, a follower, holds bob's x=2 at index 3 (generation 1)")
	}
}

// HeartBeat completeness: athens leads and crashes while clients keep
// knocking at the followers. With the heartbeat timeout restarted only by
// the leader's messages, a follower gives athens up within timeout +
// interval + delay and a new leader serves the clients; when any message
// restarts it, the clients' own retries keep the followers waiting for a
// dead leader.
func TestStoryCrashedLeaderUnderClientTraffic(t *testing.T) {
	for _, broken := range []bool{false, true} {
		c := HeartBeat()
		var variants []string
		if broken {
			variants = append(variants, VarAnyMessageResets)
		}
		s := kittest.Sim(t, c, 0, 11, nil, variants...)
		cfg := s.Config()
		s.RunFor(time.Second, 0)
		leader, _ := c.ClusterFacts.Map(s.World(), "")["leader"].(string)
		if leader == "" {
			t.Fatal("no leader after 1s")
		}
		if err := s.Apply(engine.Command{Kind: engine.CmdCrash, Node: leader}); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 30; i++ { // a read at some follower every 20ms
			for _, f := range cfg.Nodes {
				if f != leader && i%2 == indexOf(cfg.Nodes, f)%2 {
					_ = s.Apply(engine.Command{Kind: engine.CmdClient, Node: "alice", Name: "read", Args: map[string]string{"key": "x", "node": f}})
				}
			}
			s.RunFor(20*time.Millisecond, 0)
		}
		facts := c.ClusterFacts.Map(s.World(), "")
		var caught bool
		for _, v := range s.Violations() {
			if v.Invariant == InvSuspectCrashed {
				caught = true
				if !strings.Contains(v.Text, "still follows "+leader) {
					t.Errorf("violation text: %s", v.Text)
				}
			}
		}
		if !broken {
			if len(s.Violations()) > 0 || facts["leader"] == "" || facts["leader"] == leader {
				t.Fatalf("correct timeout: violations %+v, facts %v", s.Violations(), facts)
			}
			continue
		}
		if !caught || facts["leader"] != "" {
			t.Fatalf("any message resets the timeout: expected %s and no new leader; violations %+v, facts %v", InvSuspectCrashed, s.Violations(), facts)
		}
	}
}

// HeartBeat: with a timeout below the interval a healthy leader is
// suspected again and again and the generation climbs.
func TestStoryTimeoutBelowInterval(t *testing.T) {
	for _, broken := range []bool{false, true} {
		c := HeartBeat()
		var variants []string
		if broken {
			variants = append(variants, VarShortTimeout)
		}
		s := kittest.Sim(t, c, 0, 3, nil, variants...)
		s.RunFor(2*time.Second, 0)
		facts := c.ClusterFacts.Map(s.World(), "")
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
	s := kittest.Sim(t, c, 0, 4, nil)
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
	s := kittest.Sim(t, c, 0, 5, nil)
	s.RunFor(time.Second, 0)
	old := c.ClusterFacts.Map(s.World(), "")
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
	now := c.ClusterFacts.Map(s.World(), "")
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
		// Only the named flaw: generations never went back; the harm is a
		// committed entry lost, and it is the first thing to break.
		if _, ok := st.broke(InvGenMonotonic); ok {
			t.Fatalf("ignore-generation moved a generation back: %+v", st.s.Violations())
		}
		st.mustBreak(InvCommittedStable, "lost committed entry 3")
		if v := st.s.Violations(); v[0].Invariant != InvCommittedStable {
			t.Fatalf("first violation %s, want %s", v[0].Invariant, InvCommittedStable)
		}
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
		st.elect("athens")
		st.write("alice", "athens", "x", "1")
		st.run(100 * time.Millisecond)
		// athens puts x=2 (index 3, gen 1) on itself and byzantium only,
		// then crashes.
		st.partition([]string{"athens", "byzantium"}, []string{"cyrene", "delphi", "ephesus"})
		st.write("alice", "athens", "x", "2")
		st.run(50 * time.Millisecond)
		st.do(engine.Command{Kind: engine.CmdCrash, Node: "athens"})
		st.do(engine.Command{Kind: engine.CmdHeal})
		// ephesus wins generation 2 but its no-op (index 3) never leaves it.
		for _, p := range []string{"byzantium", "cyrene", "delphi"} {
			st.do(engine.Command{Kind: engine.CmdDropNext, From: "ephesus", To: p, MsgKind: KindNoop, Count: 100})
		}
		st.elect("ephesus")
		st.leaderOf("ephesus", 2)
		st.do(engine.Command{Kind: engine.CmdCrash, Node: "ephesus"})
		st.do(engine.Command{Kind: engine.CmdHeal})
		// athens comes back, wins generation 3 and copies x=2 to cyrene:
		// on a majority, but its own no-op is not yet. The moment the
		// leader moves its mark (or, correctly, would have), it is cut off.
		st.do(engine.Command{Kind: engine.CmdRestart, Node: "athens"})
		st.elect("athens") // generation 2: everyone voted for ephesus
		st.do(engine.Command{Kind: engine.CmdAction, Node: "athens", Name: "force-election"})
		held := false
		for i := 0; i < 10_000 && !held; i++ {
			st.s.Step()
			a := st.node("athens")
			held = a.hwm >= 3 || strings.Contains(st.lastNote(), "entry 3 is on 3 of 5")
		}
		if !held {
			t.Fatal("x=2 never reached a majority under athens")
		}
		st.leaderOf("athens", 3)
		if a := st.node("athens"); broken != (a.hwm == 3) {
			t.Fatalf("broken=%v: athens's mark is %d with x=2 on a majority", broken, a.hwm)
		}
		// The sorted match indexes bracket the quorum position as the mark
		// only when the mark stands there.
		sorted, heldNote := matchWidget(t, st.node("athens"))
		if broken != strings.Contains(sorted, "(3)") || broken == (heldNote != "") {
			t.Fatalf("broken=%v: sorted %q, held back %q", broken, sorted, heldNote)
		}
		if !broken && !st.noted("athens holds its high-water mark at 0: entry 3 is on 3 of 5 nodes but of generation 1") {
			t.Fatal("the held-back mark is not in the notes")
		}
		st.partition([]string{"athens"}, []string{"byzantium", "cyrene", "delphi", "ephesus"})
		// ephesus comes back and stands until it wins (its last entry, of
		// generation 2, beats x=2's generation 1), and overwrites index 3.
		st.do(engine.Command{Kind: engine.CmdRestart, Node: "ephesus"})
		st.elect("ephesus") // generation 3: everyone voted for athens
		st.elect("ephesus")
		st.run(100 * time.Millisecond)
		st.leaderOf("ephesus", 4)
		if !broken {
			st.mustHold()
			continue
		}
		// ephesus is elected without x=2, then overwrites it.
		st.mustBreak(InvLeaderComplete, "ephesus leads generation 4 without committed entry 3 (x=2")
		st.mustBreak(InvCommittedStable, "x=2")
		if !st.noted("truncates its log after index 2: its entry 3 (gen 1) conflicts with ephesus's (gen 2)") {
			t.Fatal("the truncation of x=2 is not in the notes")
		}
		if v := st.s.Violations(); v[0].Invariant != InvLeaderComplete {
			t.Fatalf("first violation %s, want %s", v[0].Invariant, InvLeaderComplete)
		}
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
		st.mustBreak(InvLeaderComplete, "cyrene leads generation 2 without committed entry 2 (x=1")
		st.mustBreak(InvCommittedStable, "byzantium lost committed entry 2 (x=1")
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

// say tells the story: the notes the cluster wrote since the last say (who
// voted, who refused, who stepped down), then the next line of narration.
// go test -v shows the transcript.
func (st *story) say(format string, args ...any) {
	st.t.Helper()
	st.flush()
	st.t.Logf("— "+format, args...)
}

func (st *story) flush() {
	st.t.Helper()
	for _, e := range st.s.Trace().Since(st.told) {
		if e.Kind == engine.TrNote || e.Kind == engine.TrViolation {
			st.t.Logf("    %8.3fs  %s", float64(e.At)/1e6, e.Text)
		}
	}
	st.told = st.s.Trace().Len()
}

// noted reports whether the cluster wrote a note containing text.
func (st *story) noted(text string) bool {
	for _, e := range st.s.Trace().Since(0) {
		if e.Kind == engine.TrNote && strings.Contains(e.Text, text) {
			return true
		}
	}
	return false
}

// Replicated Log (the book's five-node election): an entry of an old
// generation that sits on a majority is not committed by counting; the new
// leader's own no-op commits it.
func TestStoryFiveNodeElection(t *testing.T) {
	st := newStory(t, ReplicatedLog(), 5)
	logLen := func(id string) int { return st.node(id).LastIndex() }

	st.say("ephesus leads generation 1.")
	st.elect("ephesus")
	st.leaderOf("ephesus", 1)

	st.say("alice writes x=1. ephesus puts it at index 2 on itself, delphi and athens only; their answers are lost, so nobody counts it.")
	st.cutOff("ephesus", "byzantium", "cyrene")
	st.do(engine.Command{Kind: engine.CmdCut, From: "athens", To: "ephesus"})
	st.do(engine.Command{Kind: engine.CmdCut, From: "delphi", To: "ephesus"})
	st.write("alice", "ephesus", "x", "1")
	st.run(50 * time.Millisecond)
	for id, want := range map[string]int{"ephesus": 2, "delphi": 2, "athens": 2, "byzantium": 1, "cyrene": 1} {
		if logLen(id) != want || st.node(id).HWM() != 1 {
			t.Fatalf("%s: last index %d, mark %d; want %d, 1", id, logLen(id), st.node(id).HWM(), want)
		}
	}

	st.say("ephesus and delphi are cut off from the rest.")
	st.partition([]string{"ephesus", "delphi"}, []string{"athens", "byzantium", "cyrene"})

	st.say("byzantium times out first and runs for generation 2.")
	st.elect("byzantium")
	if b := st.node("byzantium"); b.Role() != Candidate || b.Generation() != 2 {
		t.Fatalf("byzantium is %s in generation %d", b.Role(), b.Generation())
	}
	if st.node("cyrene").VotedFor() != "byzantium" || st.node("athens").VotedFor() != "" {
		t.Fatalf("cyrene voted %q, athens %q", st.node("cyrene").VotedFor(), st.node("athens").VotedFor())
	}
	if !st.noted("athens refuses byzantium its vote: its own log (last 2, gen 1) is more up to date") {
		t.Fatal("athens's refusal is not in the notes")
	}

	st.say("cyrene said yes, athens said no: two votes of five. athens times out and runs for generation 3.")
	st.do(engine.Command{Kind: engine.CmdAction, Node: "athens", Name: "force-election"})
	st.s.RunUntil(func() bool { return st.node("athens").Role() == Leader }, 10_000)
	st.leaderOf("athens", 3)
	st.say("athens leads generation 3. Entry 2 (generation 1) is on athens, delphi and ephesus, a majority, yet athens's mark stays at %d: an old generation's entry is not committed by counting.", st.node("athens").HWM())
	if h := st.node("athens").HWM(); h != 1 {
		t.Fatalf("athens's mark is %d as it takes over", h)
	}
	if e := st.node("athens").Log()[2]; e.Gen != 3 || e.Op != opNoop {
		t.Fatalf("athens's first entry as leader is %+v, want its no-op", e)
	}

	marks := []int{}
	st.s.RunUntil(func() bool {
		if h := st.node("athens").HWM(); len(marks) == 0 || marks[len(marks)-1] != h {
			marks = append(marks, h)
		}
		return st.node("athens").HWM() >= 3
	}, 10_000)
	st.say("athens sends entries 2 and 3 to byzantium and cyrene. Once its generation-3 no-op is on a majority, the mark jumps over both: %v.", marks)
	if len(marks) != 2 || marks[0] != 1 || marks[1] != 3 {
		t.Fatalf("athens's mark went %v, want 1 then 3", marks)
	}
	st.run(50 * time.Millisecond)
	if op := st.op("alice", 0); op.Status != engine.OpOK {
		t.Fatalf("alice's write should be acknowledged by athens once committed: %+v", op)
	}

	st.say("The network heals (athens's link to ephesus last). ephesus, still leading generation 1, sends its heartbeats.")
	st.do(engine.Command{Kind: engine.CmdHeal})
	st.do(engine.Command{Kind: engine.CmdCut, From: "athens", To: "ephesus"})
	st.run(100 * time.Millisecond)
	if e := st.node("ephesus"); e.Role() != Follower || e.Generation() != 3 {
		t.Fatalf("ephesus is %s in generation %d", e.Role(), e.Generation())
	}
	if !st.noted("refuses ephesus: generation 1 < 3") || !st.noted("ephesus steps down:") && st.noted("carries generation 3, above its own") {
		t.Fatal("ephesus's stale requests were not refused, or it did not step down")
	}
	st.do(engine.Command{Kind: engine.CmdHeal})
	st.run(200 * time.Millisecond)
	st.say("Everyone follows athens, and all five logs agree.")
	for _, id := range []string{"byzantium", "cyrene", "delphi", "ephesus"} {
		if n := st.node(id); n.LastIndex() != 3 || n.HWM() != 3 || n.log[1] != st.node("athens").log[1] {
			t.Fatalf("%s: last %d, mark %d, log %+v", id, n.LastIndex(), n.HWM(), n.log)
		}
	}
	st.flush()
	st.mustHold()
}

func indexOf(list []string, s string) int {
	for i, x := range list {
		if x == s {
			return i
		}
	}
	return -1
}
