package replog

import (
	"strings"
	"testing"
	"time"

	"clusterscope/engine"
	"clusterscope/patterns/kit"
)

// The book's story: alice fixes her book's title from "Nitroservices" to
// "Microservices" through the leader athens, then reads it from byzantium,
// the server nearest her, which the leader's messages reach late.
func nitroservices(t *testing.T, variants ...string) *story {
	st := newStory(t, FollowerReads(), 3, variants...)
	st.elect("athens")
	st.leaderOf("athens", 1)
	st.write("alice", "", "title", "Nitroservices")
	st.run(200 * time.Millisecond)
	st.do(engine.Command{Kind: engine.CmdNetwork, From: "athens", To: "byzantium",
		Net: &engine.NetSettings{MinDelay: engine.Duration(100 * time.Millisecond), MeanDelay: engine.Duration(100 * time.Millisecond)}})
	st.write("alice", "", "title", "Microservices")
	st.run(30 * time.Millisecond) // committed with cyrene; byzantium has not heard yet
	if got := st.op("alice", 1); got.Status != engine.OpOK {
		t.Fatalf("alice's write of the new title: %v", got.Status)
	}
	st.read("alice", "", "title") // to the nearest server: byzantium
	st.run(5 * time.Millisecond)
	return st
}

func TestStoryFollowerReadParksUntilTheWriteIsApplied(t *testing.T) {
	st := nitroservices(t)
	byz := st.node("byzantium")
	alice := st.s.World().Process("alice").(*ReadSessionClient)
	if len(byz.fr.parked) != 1 || byz.fr.parked[0].req.MinVersion != alice.Session() {
		t.Fatalf("byzantium should park alice's read at her session version %d; parked: %+v", alice.Session(), byz.fr.parked)
	}
	if byz.applied >= alice.Session() {
		t.Fatalf("byzantium has already applied %d ≥ %d: the story needs it behind", byz.applied, alice.Session())
	}
	st.run(300 * time.Millisecond)
	read := st.op("alice", 2)
	if read.Status != engine.OpOK || read.Output.(KVOutput).Value != "Microservices" {
		t.Fatalf("alice's read: %v %v, want the new title", read.Status, read.Output)
	}
	if !strings.Contains(alice.rc.Last(), "from byzantium") {
		t.Errorf("the answer should come from byzantium itself: %q", alice.rc.Last())
	}
	for _, v := range st.c.CheckHistory(st.s.History()) {
		if !v.OK {
			t.Errorf("%s: %s", v.Check, v.Text)
		}
	}
	st.mustHold()
}

func TestStoryIgnoringTheMinVersionHidesAlicesOwnWrite(t *testing.T) {
	st := nitroservices(t, VarIgnoreMinVersion)
	st.run(300 * time.Millisecond)
	read := st.op("alice", 2)
	if read.Output.(KVOutput).Value != "Nitroservices" {
		t.Fatalf("alice's read: %v, want the old title", read.Output)
	}
	v := kit.ReadYourWrites.Run(st.s.History())
	if v.OK || !strings.Contains(v.Text, `alice wrote title="Microservices"`) {
		t.Fatalf("read-your-writes should name alice's write: %+v", v)
	}
}

// byzantium is cut off from athens and cyrene (the clients still reach
// it). alice's read parks there, times out, and alice asks athens; once
// the max lag has passed, byzantium refuses reads outright.
func cutByzantium(t *testing.T, variants ...string) *story {
	st := newStory(t, FollowerReads(), 3, variants...)
	st.elect("athens")
	st.write("alice", "", "title", "Nitroservices")
	st.run(200 * time.Millisecond)
	for _, o := range []string{"athens", "cyrene"} {
		st.do(engine.Command{Kind: engine.CmdCut, From: o, To: "byzantium"})
		st.do(engine.Command{Kind: engine.CmdCut, From: "byzantium", To: o})
	}
	st.write("alice", "", "title", "Microservices")
	st.run(50 * time.Millisecond)
	return st
}

func TestStoryParkedReadTimesOutAndIsRetriedElsewhere(t *testing.T) {
	st := cutByzantium(t)
	st.read("alice", "", "title")
	st.run(5 * time.Millisecond)
	if n := len(st.node("byzantium").fr.parked); n != 1 {
		t.Fatalf("byzantium should park alice's read, parks %d", n)
	}
	st.run(400 * time.Millisecond)
	read := st.op("alice", 2)
	if read.Status != engine.OpOK || read.Output.(KVOutput).Value != "Microservices" {
		t.Fatalf("alice's read: %v %v, want the new title from another server", read.Status, read.Output)
	}
	alice := st.s.World().Process("alice").(*ReadSessionClient)
	if !strings.Contains(alice.rc.Last(), "from athens") {
		t.Errorf("the retry should go to athens, the server alice knows leads: %q", alice.rc.Last())
	}
	if byz := st.node("byzantium"); byz.fr.refused != 1 || len(byz.fr.parked) != 0 {
		t.Errorf("byzantium should have given the read up: refused %d, parked %d", byz.fr.refused, len(byz.fr.parked))
	}

	// bob has no session yet: any version will do for him, but byzantium
	// has not heard from athens for longer than the max lag.
	st.read("bob", "byzantium", "title")
	st.run(5 * time.Millisecond)
	if !strings.Contains(st.lastNote(), "byzantium refuses bob's read") {
		t.Errorf("byzantium should refuse: %q", st.lastNote())
	}
	st.run(300 * time.Millisecond)
	if got := st.op("bob", 0); got.Output.(KVOutput).Value != "Microservices" {
		t.Errorf("bob's read, retried elsewhere: %v", got.Output)
	}
	st.mustHold()
}

func TestStoryPartitionedFollowerThatKeepsServingIsStale(t *testing.T) {
	st := cutByzantium(t, VarStaleServes)
	st.run(500 * time.Millisecond)
	st.read("bob", "byzantium", "title")
	st.run(50 * time.Millisecond)
	if got := st.op("bob", 0); got.Output.(KVOutput).Value != "Nitroservices" {
		t.Errorf("bob's read from the cut-off byzantium: %v, want the old title", got.Output)
	}
	st.mustBreak(InvStalenessBound, "byzantium answered bob's read", "max lag 300ms")
}

// A setting out of its range is refused and the run is unchanged.
func TestFollowerReadSettingsAreBounded(t *testing.T) {
	st := newStory(t, FollowerReads(), 3)
	before := st.s.StepCount()
	if err := st.s.Apply(engine.Command{Kind: engine.CmdParam, Name: ParamReadLeader, Value: 2}); err == nil {
		t.Fatal("reads-to-leader 2 was accepted")
	}
	if err := st.s.Apply(engine.Command{Kind: engine.CmdParam, Name: ParamMaxLag, Value: 0}); err == nil {
		t.Fatal("a max lag of 0 was accepted")
	}
	if err := st.s.Apply(engine.Command{Kind: engine.CmdClient, Node: "alice", Name: "read", Args: map[string]string{"node": "delphi"}}); err == nil {
		t.Fatal("a read from a server that does not exist was accepted")
	}
	if st.s.StepCount() != before || len(st.s.History()) != 0 {
		t.Fatal("a refused command changed the run")
	}
}
