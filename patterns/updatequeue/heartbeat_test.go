package updatequeue

import (
	"testing"
	"time"

	"clusterscope/engine"
)

// slowDiskBurst: byzantium heartbeats athens; we slow athens's disk ×50
// and alice, bob and philip each deposit twice at once: six fsyncs.
func slowDiskBurst(t *testing.T, offQueue int) *story {
	st := newStory(t, SingularUpdateQueue().Setups[1].Cluster, 1, map[string]int{ParamHeartbeatOffQueue: offQueue})
	st.run(time.Second)
	st.do(engine.Command{Kind: engine.CmdDisk, Node: "athens", Name: engine.DiskSlow, Value: 50})
	for _, who := range []string{"alice", "bob", "philip", "alice", "bob", "philip"} {
		st.client(who, opDeposit, 10)
	}
	st.run(2 * time.Second)
	return st
}

// With heartbeats on the update queue, byzantium's beats wait behind
// alice's fsyncs, and byzantium suspects an athens that never stopped.
func TestHeartbeatStuckBehindSlowFsyncs(t *testing.T) {
	st := slowDiskBurst(t, 0)
	p := st.s.World().Process("byzantium").(*Peer)
	if p.Suspicions == 0 {
		t.Fatal("byzantium never suspected athens although its heartbeats waited behind six slow fsyncs")
	}
	if st.s.World().Status("athens") != engine.StatusUp {
		t.Fatal("athens went down: the suspicion should be false")
	}
	if p.suspects {
		t.Fatal("byzantium still suspects athens after the queue drained")
	}
}

// Answered off the queue, the same heartbeats come back at once.
func TestHeartbeatsOffTheQueueKeepAthensTrusted(t *testing.T) {
	st := slowDiskBurst(t, 1)
	if p := st.s.World().Process("byzantium").(*Peer); p.Suspicions != 0 {
		t.Fatalf("byzantium suspected athens %d time(s) with heartbeats off the queue", p.Suspicions)
	}
	if bal := st.athens().balance; bal != InitialBalance+60 {
		t.Fatalf("balance %d after six deposits of 10, want %d", bal, InitialBalance+60)
	}
}

// A full queue refuses at once with QUEUE_FULL (the client knows the
// request did not happen), and the depth never passes the capacity.
func TestFullQueueRefuses(t *testing.T) {
	st := newStory(t, SingularUpdateQueue(), 1, map[string]int{ParamCapacity: 2})
	st.do(engine.Command{Kind: engine.CmdClient, Node: "alice", Name: "burst", Args: map[string]string{"count": "6"}})
	st.run(time.Second)
	s := st.athens()
	if s.maxDepth != 2 {
		t.Fatalf("max depth %d, want the capacity, 2", s.maxDepth)
	}
	a := st.s.World().Process("alice").(*Client)
	if s.rejectedFull == 0 || a.Failed != s.rejectedFull {
		t.Fatalf("athens refused %d with QUEUE_FULL, alice counts %d failed", s.rejectedFull, a.Failed)
	}
	st.checkClean()
}
