package replog

import (
	"testing"
	"time"

	"clusterscope/engine"
	"clusterscope/patterns/kit/kittest"
)

// The Request Waiting List's log setup passes the kit's conformance harness.
func TestWaitingListOnLogConformance(t *testing.T) {
	kittest.Run(t, RequestWaitingListOnLog(), kittest.Options{Pattern: "request-waiting-list"})
}

// alice's write waits on athens's list under its log index while cyrene
// and byzantium are cut off (1 of 2 hold it), and leaves the list when the
// network heals and the high-water mark passes it.
func TestAWriteWaitsUnderItsIndexUntilTheMarkPassesIt(t *testing.T) {
	c := RequestWaitingListOnLog()
	st := newStory(t, c, 3)
	st.elect("athens")
	st.run(100 * time.Millisecond)
	st.partition([]string{"athens", "alice", "bob"}, []string{"byzantium", "cyrene"})
	st.write("alice", "athens", "title", "Microservices")
	st.run(100 * time.Millisecond)

	model := c.Model(st.s.Config())
	rows := model.View(st.s.World())[0].Rows
	if len(rows) != 1 || rows[0].Cells[0].Text != "athens (gen 1)" || rows[0].Cells[2].Text != "alice #0" || rows[0].Cells[4].Text != "1/2" {
		t.Fatalf("athens's waiting list: %+v, want alice's write held by 1 of 2", rows)
	}
	idx := rows[0].Cells[1].Text

	if err := st.s.Apply(engine.Command{Kind: engine.CmdHeal}); err != nil {
		t.Fatal(err)
	}
	st.run(300 * time.Millisecond)
	if rows := model.View(st.s.World())[0].Rows; len(rows) != 0 {
		t.Fatalf("index %s still waits after the heal: %+v", idx, rows)
	}
	if op := st.op("alice", 0); op.Status != engine.OpOK {
		t.Fatalf("alice's write: %+v", op)
	}
	st.mustHold()
}
