package replog

import (
	"testing"
	"time"

	"clusterscope/engine"
)

// High-Water Mark, the read rule: athens is cut off from the others and,
// deposed without knowing it, still believes it leads. byzantium leads
// generation 2 and commits bob's x=2. alice then reads x at athens. Through
// the log the read cannot commit there; from athens's applied state it
// answers x=1 at once: a stale read, which the real-time check and
// porcupine both reject.
func TestStoryDeposedLeaderReadsAppliedState(t *testing.T) {
	for _, broken := range []bool{false, true} {
		var vs []string
		if broken {
			vs = []string{VarLeaderReadsApplied}
		}
		st := newStory(t, HighWaterMark(), 3, vs...)
		st.elect("athens")
		st.write("alice", "athens", "x", "1")
		st.run(100 * time.Millisecond)
		st.partition([]string{"athens", "alice"}, []string{"byzantium", "cyrene", "bob"})
		st.elect("byzantium")
		st.leaderOf("byzantium", 2)
		st.leaderOf("athens", 1) // deposed, and it does not know
		st.write("bob", "byzantium", "x", "2")
		st.run(100 * time.Millisecond)
		if op := st.op("bob", 0); op.Status != engine.OpOK {
			t.Fatalf("bob's write: %+v", op)
		}
		st.read("alice", "athens", "x")
		st.run(100 * time.Millisecond)
		read := st.op("alice", 1)
		if !broken {
			if read.Status == engine.OpOK {
				t.Fatalf("a read through the log committed on a minority: %+v", read)
			}
			st.mustHold()
			continue
		}
		if read.Status != engine.OpOK || read.Output.(KVOutput).Value != "1" {
			t.Fatalf("alice's read at athens: %+v", read)
		}
		st.mustBreak(InvReadsLatest, "alice", `"1"`, "x=2")
		if v := st.s.Violations(); v[0].Invariant != InvReadsLatest {
			t.Fatalf("first violation %s, want %s (the value read was committed once)", v[0].Invariant, InvReadsLatest)
		}
		if st.c.Linearizable(st.s.History()) {
			t.Fatal("porcupine should reject reading x=1 after x=2 was acknowledged")
		}
	}
}

// The mark never goes back on a running node, and nothing is applied
// above it: both checkers fire when a node's state breaks them (set by
// hand here; no variant does it first).
func TestMarkCheckers(t *testing.T) {
	for _, tc := range []struct {
		inv    string
		breaks func(n *Node)
		words  string
	}{
		{InvMarkMonotonic, func(n *Node) { n.hwm-- }, "went back from 2 to 1"},
		{InvAppliedInMark, func(n *Node) { n.applied++ }, "applied 3 entries, above its high-water mark 2"},
	} {
		st := newStory(t, ReplicatedLog(), 3)
		st.elect("athens")
		st.write("alice", "athens", "x", "1")
		st.run(100 * time.Millisecond)
		if n := st.node("byzantium"); n.hwm != 2 || n.applied != 2 {
			t.Fatalf("byzantium: mark %d, applied %d", n.hwm, n.applied)
		}
		st.mustHold()
		tc.breaks(st.node("byzantium"))
		st.run(100 * time.Millisecond)
		st.mustBreak(tc.inv, tc.words)
	}
	// A restart starts the mark again from 0: not a violation.
	st := newStory(t, ReplicatedLog(), 3)
	st.elect("athens")
	st.write("alice", "athens", "x", "1")
	st.run(100 * time.Millisecond)
	st.do(engine.Command{Kind: engine.CmdCrash, Node: "byzantium"})
	st.do(engine.Command{Kind: engine.CmdRestart, Node: "byzantium"})
	st.run(100 * time.Millisecond)
	st.mustHold()
}
