package replog

import (
	"strconv"
	"testing"
	"time"

	"clusterscope/engine"
)

// lwmStory: athens leads; we crash cyrene; alice writes 30 values of x
// (and y once, first), so athens snapshots (every 10) past cyrene's log
// end; then we restart cyrene.
func lwmStory(t *testing.T, variants ...string) *story {
	st := newStory(t, LowWaterMark(), 3, variants...)
	st.elect("athens")
	st.leaderOf("athens", 1)
	st.write("alice", "athens", "y", "early")
	st.run(100 * time.Millisecond)
	st.do(engine.Command{Kind: engine.CmdCrash, Node: "cyrene"})
	for i := range 30 {
		st.write("alice", "athens", "x", strconv.Itoa(i))
		st.run(50 * time.Millisecond)
	}
	if a := st.node("athens"); a.Base() <= 3 {
		t.Fatalf("athens's low-water mark is %d: it should have cleaned past cyrene's log end", a.Base())
	}
	st.do(engine.Command{Kind: engine.CmdRestart, Node: "cyrene"})
	st.run(500 * time.Millisecond)
	return st
}

// Cyrene, down while athens cleaned its log, gets athens's snapshot and
// then the entries after it: same state, same log end, nothing broken.
func TestCyreneCatchesUpFromAthensSnapshot(t *testing.T) {
	st := lwmStory(t)
	a, c := st.node("athens"), st.node("cyrene")
	if c.Base() == 0 || c.snapIndex() == 0 {
		t.Fatalf("cyrene installed no snapshot (base %d)", c.Base())
	}
	if c.LastIndex() != a.LastIndex() || c.HWM() != a.HWM() {
		t.Fatalf("cyrene ends at %d (mark %d), athens at %d (mark %d)", c.LastIndex(), c.HWM(), a.LastIndex(), a.HWM())
	}
	if c.Value("x") != "29" || c.Value("y") != "early" {
		t.Fatalf("cyrene's state x=%q y=%q, want x=29 y=early", c.Value("x"), c.Value("y"))
	}
	if v := st.s.Violations(); len(v) > 0 {
		t.Fatalf("violations: %+v", v)
	}
	if v := settledLWM(st.s.World()); !v.OK {
		t.Fatalf("not settled: %s", v.Text)
	}
}

// Without InstallSnapshot cyrene stays below athens's low-water mark and
// Settled says why.
func TestCyreneIsStuckWithoutInstallSnapshot(t *testing.T) {
	st := lwmStory(t, VarNoInstallSnapshot)
	c := st.node("cyrene")
	if c.Value("y") != "" || c.LastIndex() >= st.node("athens").Base() {
		t.Fatalf("cyrene caught up (last %d, y=%q) with no snapshot sent", c.LastIndex(), c.Value("y"))
	}
	if v := settledLWM(st.s.World()); v.OK || v.Check != "caught-up" {
		t.Fatalf("settled: %+v, want caught-up to fail", v)
	}
}

// Discarding without a snapshot: athens cleans its log with nothing under
// it; we crash and restart athens, and its rebuilt state has lost y.
func TestAthensForgetsYAfterDiscardingWithoutSnapshot(t *testing.T) {
	st := lwmStory(t, VarDiscardWithoutSnapshot)
	st.mustBreak(InvLowWaterOrder, "athens", "snapshot covers only up to 0")
	st.do(engine.Command{Kind: engine.CmdCrash, Node: "athens"})
	st.do(engine.Command{Kind: engine.CmdRestart, Node: "athens"})
	st.run(100 * time.Millisecond)
	if v := st.node("athens").Value("y"); v != "" {
		t.Fatalf("athens rebuilt y=%q: the write should be gone with the log", v)
	}
	st.mustBreak(InvStateMatchesLog, "athens has x=\"\" after applying")
}
