package channel

import (
	"testing"
	"time"

	"clusterscope/engine"
	"clusterscope/patterns/kit"
	"clusterscope/patterns/kit/kittest"
)

// story drives the cluster by hand, as a lesson does, with the book's
// names: athens leads, byzantium and cyrene follow, alice writes.
type story struct {
	t *testing.T
	c *kit.Cluster
	s *engine.Sim
}

func newStory(t *testing.T, seed uint64, variants ...string) *story {
	t.Helper()
	c := SingleSocketChannel()
	s := kittest.Sim(t, c, 0, seed, nil, variants...)
	return &story{t: t, c: c, s: s}
}

func (st *story) do(c engine.Command) {
	st.t.Helper()
	if err := st.s.Apply(c); err != nil {
		st.t.Fatalf("%s: %v", c.Kind, err)
	}
}

func (st *story) write(who, key, value string) {
	st.t.Helper()
	st.do(engine.Command{Kind: engine.CmdClient, Node: who, Name: opWrite, Args: map[string]string{"key": key, "value": value}})
}

func (st *story) read(who, key, at string) {
	st.t.Helper()
	st.do(engine.Command{Kind: engine.CmdClient, Node: who, Name: opRead, Args: map[string]string{"key": key, "at": at}})
}

func (st *story) run(d time.Duration) { st.s.RunFor(d, 1_000_000) }

// until runs until cond holds, failing the test if it does not within 10s.
func (st *story) until(what string, cond func() bool) {
	st.t.Helper()
	end := st.s.Now() + 10*time.Second
	for !cond() {
		if st.s.Now() > end {
			st.t.Fatalf("%s did not happen within 10s", what)
		}
		if _, ok := st.s.Step(); !ok {
			st.t.Fatalf("%s: nothing left to run", what)
		}
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

func (st *story) violated(name string) bool {
	for _, v := range st.s.Violations() {
		if v.Invariant == name {
			return true
		}
	}
	return false
}

// done says whether every operation of the history has its answer.
func (st *story) done() bool {
	for _, op := range st.s.History() {
		if op.Status == engine.OpPending {
			return false
		}
	}
	return true
}

// A reset after byzantium applied #2 but before athens heard its ack:
// athens reconnects, resends from #2, and byzantium skips the copy and
// goes on with #3 in order.
func TestAResetResendsFromTheLastAckAndTheFollowerSkipsTheCopy(t *testing.T) {
	st := newStory(t, 1)
	st.write("alice", "x", "1")
	st.until("byzantium acknowledged #1", func() bool { return st.node("athens").channel("byzantium").acked == 1 })
	st.write("alice", "x", "2")
	st.until("byzantium applied #2", func() bool { return len(st.node("byzantium").applied) == 2 })
	if st.node("athens").channel("byzantium").acked != 1 {
		t.Fatal("athens already heard byzantium's ack of #2: the reset would come too late")
	}
	old := st.node("athens").channel("byzantium").conn
	st.do(engine.Command{Kind: engine.CmdReset, From: "athens", To: "byzantium"})
	st.write("alice", "x", "3")
	st.until("byzantium acknowledged #3", func() bool { return st.node("athens").channel("byzantium").acked == 3 })

	b := st.node("byzantium")
	if b.Skipped != 1 {
		t.Errorf("byzantium skipped %d copies, want 1 (the resent #2)", b.Skipped)
	}
	if got := b.applied; len(got) != 3 || got[0] != 1 || got[1] != 2 || got[2] != 3 {
		t.Errorf("byzantium applied %v, want [1 2 3]", got)
	}
	if b.kv["x"] != "3" {
		t.Errorf("byzantium holds x=%s, want 3", b.kv["x"])
	}
	if ch := st.node("athens").channel("byzantium"); ch.conn == old || ch.conn == 0 || ch.opened != 2 {
		t.Errorf("athens's channel to byzantium: connection #%d (was #%d), opened %d; want a second, new connection", ch.conn, old, ch.opened)
	}
	if v := st.s.Violations(); len(v) > 0 {
		t.Fatalf("violations: %v", v)
	}
}

// A crashed follower sends nothing: athens treats it as failed once the
// idle timeout has passed, not before.
func TestAthensDetectsACrashedFollowerWithinTheIdleTimeout(t *testing.T) {
	st := newStory(t, 2)
	st.run(500 * time.Millisecond)
	st.do(engine.Command{Kind: engine.CmdCrash, Node: "byzantium"})
	crashed := st.s.Now()
	idle := time.Duration(defIdleTimeout) * time.Millisecond
	st.run(idle - 50*time.Millisecond)
	if st.node("athens").channel("byzantium").failed {
		t.Fatal("athens gave up on byzantium before the idle timeout")
	}
	st.until("athens treats byzantium as failed", func() bool { return st.node("athens").channel("byzantium").failed })
	if took, bound := st.s.Now()-crashed, idle+2*time.Duration(defHeartbeat)*time.Millisecond; took > bound {
		t.Fatalf("athens noticed after %v, want within %v (idle timeout and a heartbeat of slack)", took, bound)
	}
	if st.node("athens").channel("cyrene").failed {
		t.Fatal("athens treats cyrene, which is up, as failed")
	}
}

// A 500 KB snapshot holds athens → byzantium for five seconds: the
// heartbeats queued behind it arrive late, and byzantium, alive and
// well, is suspected. cyrene, on its own link, is not.
func TestAHugeFrameBlocksTheHeartbeatsBehindIt(t *testing.T) {
	st := newStory(t, 3)
	st.run(3 * time.Second)
	if st.node("byzantium").Suspicions != 0 || st.node("athens").channel("byzantium").failed {
		t.Fatal("a suspicion before the snapshot: the test needs a calm start")
	}
	st.do(engine.Command{Kind: engine.CmdAction, Node: "athens", Name: actSnapshot, Args: map[string]string{"to": "byzantium"}})
	if w := st.s.World().LinkStats("athens", "byzantium"); w.BytesInFlight < defSnapshotKB*1000 {
		t.Fatalf("%d bytes in flight to byzantium, want the snapshot's %d", w.BytesInFlight, defSnapshotKB*1000)
	}
	st.run(2 * time.Second)
	if st.node("byzantium").Suspicions == 0 {
		t.Error("byzantium never suspected athens while the snapshot held the channel")
	}
	if !st.node("athens").channel("byzantium").failed {
		t.Error("athens did not treat byzantium as failed while its heartbeats waited behind the snapshot")
	}
	if st.node("cyrene").Suspicions != 0 || st.node("athens").channel("cyrene").failed {
		t.Error("cyrene's channel, on another link, was disturbed")
	}
}

// connection-per-request: alice's SET x=1 (#1) and then SET x=2 (#2)
// travel on two connections; on this seed #2 overtakes #1 on the way to
// byzantium, which applies x=2 and then x=1. A read at byzantium returns
// 1 after both writes succeeded: porcupine finds no order that explains
// it.
func TestConnectionPerRequestAppliesOutOfOrder(t *testing.T) {
	st := newStory(t, overtakeSeed, VarConnPerRequest)
	st.run(500 * time.Millisecond)
	st.write("alice", "x", "1")
	st.until("alice's first write answered", st.done)
	st.run(time.Millisecond) // porcupine takes a call at the instant of a return as overlapping it
	st.write("alice", "x", "2")
	st.until("alice's second write answered", st.done)
	st.run(time.Millisecond)
	st.until("byzantium applied both", func() bool { return len(st.node("byzantium").applied) == 2 })
	if got := st.node("byzantium").applied; got[0] != 2 || got[1] != 1 {
		t.Fatalf("byzantium applied %v: this seed should show #2 overtaking #1", got)
	}
	if !st.violated(InvApplyOrder) {
		t.Error("apply-order-is-send-order stayed green")
	}
	st.read("alice", "x", "byzantium")
	st.until("alice's read answered", st.done)
	h := st.s.History()
	if out, _ := h[len(h)-1].Output.(ReadOut); out.Value != "1" {
		t.Fatalf("alice read x=%q at byzantium, want the stale 1", out.Value)
	}
	if st.c.Linearizable(h) {
		t.Fatal("porcupine accepted a history where x reads 1 after SET x=2 succeeded")
	}

	// The same seed and writes on one connection per follower: in order.
	st = newStory(t, overtakeSeed)
	st.run(500 * time.Millisecond)
	st.write("alice", "x", "1")
	st.until("alice's first write answered", st.done)
	st.write("alice", "x", "2")
	st.until("byzantium applied both", func() bool { return len(st.node("byzantium").applied) == 2 })
	if got := st.node("byzantium").applied; got[0] != 1 || got[1] != 2 {
		t.Fatalf("on a single socket byzantium applied %v", got)
	}
	st.read("alice", "x", "byzantium")
	st.until("alice's read answered", st.done)
	if !st.c.Linearizable(st.s.History()) {
		t.Fatal("porcupine refused the single socket's history")
	}
}

// overtakeSeed is the first seed on which #2 overtakes #1 on the way to
// byzantium with a connection per request, after half a second of calm
// (the lesson's scenario uses it too). Writes one after the other rarely
// overtake: the first must take some 20ms longer than the second.
const overtakeSeed = 54

func TestBadInputIsRefusedAndChangesNothing(t *testing.T) {
	st := newStory(t, 1)
	st.run(time.Second)
	before := len(st.s.Log())
	for _, c := range []engine.Command{
		{Kind: engine.CmdParam, Name: ParamIdleTimeout, Value: 0},
		{Kind: engine.CmdParam, Name: ParamSnapshotKB, Value: 1_000_000},
		{Kind: engine.CmdAction, Node: "athens", Name: actSnapshot, Args: map[string]string{"to": "sparta"}},
		{Kind: engine.CmdAction, Node: "byzantium", Name: actSnapshot, Args: map[string]string{"to": "cyrene"}},
		{Kind: engine.CmdClient, Node: "alice", Name: opWrite, Args: map[string]string{"key": "x"}},
		{Kind: engine.CmdReset, From: "byzantium", To: "cyrene"},
	} {
		if err := st.s.Apply(c); err == nil {
			t.Errorf("%v was accepted", c)
		}
	}
	if len(st.s.Log()) != before || len(st.s.History()) != 0 {
		t.Fatal("a refused command changed the run")
	}
}
