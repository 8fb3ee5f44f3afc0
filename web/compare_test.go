package web

import (
	"net/http/httptest"
	"strings"
	"testing"

	"clusterscope/patterns"
	"clusterscope/web/testlog"
)

type compareFrameIn struct {
	Type       string       `json:"type"`
	Step       int          `json:"step"`
	Time       int64        `json:"time"`
	Error      string       `json:"error"`
	Compare    *compareWire `json:"compare"`
	Violations []struct {
		Invariant string `json:"invariant"`
	} `json:"violations"`
}

// Majority Quorum as it should be, beside the same seed with "quorum =
// ⌊N/2⌋": the twin follows the run's time, breaks where the run does not,
// the first differing step is marked, and a step back rebuilds it.
func TestCompareFollowsTheRunAndFindsTheDivergence(t *testing.T) {
	ts := liveServer(t, Limits{})
	c := dial(t, ts, "pattern=majority-quorum")
	c.next()
	c.send(`{"type":"compare"}`)
	f, raw := mustReadAs[compareFrameIn](c)
	if f.Compare == nil || strings.Join(f.Compare.Variants, ",") != "half-quorum" || f.Compare.Time != 0 || f.Compare.Diverged != -1 {
		t.Fatalf("compare on: %.400s", raw)
	}
	c.send(`{"type":"run","dur":"2s"}`)
	var last compareFrameIn
	for {
		f, raw = mustReadAs[compareFrameIn](c)
		if f.Type == "error" {
			t.Fatalf("run: %s", raw)
		}
		if f.Compare != nil {
			last = f
		}
		if f.Time >= 2_000_000 {
			break
		}
	}
	cw := last.Compare
	if cw == nil || cw.Time != last.Time || cw.Diverged <= 0 || cw.Diverged > last.Step {
		t.Fatalf("after 2 s: %+v (run at step %d, time %d)", cw, last.Step, last.Time)
	}
	if len(cw.Violations) == 0 || cw.Violations[0].Invariant == "" {
		t.Fatalf("the twin with half a quorum broke nothing in 2 s: %+v", cw)
	}
	c.send(`{"type":"seek","step":0}`)
	f, raw = mustReadAs[compareFrameIn](c)
	if f.Compare == nil || f.Compare.Time != 0 || len(f.Compare.Violations) != 0 {
		t.Fatalf("after a step back to 0: %.400s", raw)
	}
	c.send(`{"type":"compare-off"}`)
	if f, raw = mustReadAs[compareFrameIn](c); f.Compare == nil || !f.Compare.Off {
		t.Fatalf("compare off: %.300s", raw)
	}
	c.send(`{"type":"compare","variants":["no-such-flaw"]}`)
	if f, raw = mustReadAs[compareFrameIn](c); f.Type != "error" || !strings.Contains(f.Error, "no-such-flaw") {
		t.Fatalf("unknown variant: %.300s", raw)
	}
}

// The twin's steps are kept in memory like the run's: they count against the
// server's retained steps while compare mode is on, and are given back when
// it closes.
func TestCompareTwinCountsAgainstTheServersSteps(t *testing.T) {
	srv := New(Options{Patterns: patterns.Live(), Logger: testlog.New(t)})
	ts := httptest.NewServer(srv)
	t.Cleanup(func() { srv.Close(); ts.Close() })
	held := func() int { srv.hub.mu.Lock(); defer srv.hub.mu.Unlock(); return srv.hub.steps }
	c := dial(t, ts, "pattern=majority-quorum")
	c.next()
	c.send(`{"type":"compare"}`)
	c.send(`{"type":"run","dur":"1s"}`)
	var f compareFrameIn
	for f.Time < 1_000_000 {
		f, _ = mustReadAs[compareFrameIn](c)
	}
	if h := held(); h < f.Step+f.Step/2 {
		t.Fatalf("the server holds %d steps for a run at step %d with its twin", h, f.Step)
	}
	c.send(`{"type":"compare-off"}`)
	mustReadAs[compareFrameIn](c)
	if h := held(); h != f.Step {
		t.Fatalf("after compare-off the server holds %d steps, want the run's %d", h, f.Step)
	}
}

// Compare two branches: go back, act (a new branch starts, the old run is
// kept as branch 0), and compare with branch 0: the twin replays the old
// run's own log, the runs part where the new branch acted, and each run's
// counters come along. Only a branch that exists and is not the run itself
// can be compared.
func TestCompareBranchReplaysTheOtherBranch(t *testing.T) {
	ts := liveServer(t, Limits{})
	c := dial(t, ts, "pattern=majority-quorum")
	c.next()
	readUntil := func(what string, ok func(compareFrameIn) bool) compareFrameIn {
		t.Helper()
		for range 500 {
			f, raw := mustReadAs[compareFrameIn](c)
			if f.Type == "error" {
				t.Fatalf("%s: %s", what, raw)
			}
			if ok(f) {
				return f
			}
		}
		t.Fatalf("%s: no such frame", what)
		return compareFrameIn{}
	}
	c.send(`{"type":"run","dur":"2s"}`)
	readUntil("run", func(f compareFrameIn) bool { return f.Time >= 2_000_000 })
	c.send(`{"type":"seek","step":40}`)
	readUntil("seek", func(f compareFrameIn) bool { return f.Step == 40 })
	c.send(`{"type":"cmd","cmd":{"kind":"crash","node":"athens"}}`)
	readUntil("crash", func(f compareFrameIn) bool { return true })

	c.send(`{"type":"compare-branch","id":0}`)
	f := readUntil("compare-branch", func(f compareFrameIn) bool { return f.Compare != nil })
	if f.Compare.Branch == nil || f.Compare.Branch.ID != 0 || f.Compare.Diverged != -1 || f.Compare.Traffic == nil {
		t.Fatalf("compare with branch 0 at step 40: %+v", f.Compare)
	}
	c.send(`{"type":"run","dur":"500ms"}`)
	f = readUntil("run on", func(f compareFrameIn) bool { return f.Compare != nil && f.Compare.Diverged >= 0 })
	if f.Compare.Diverged != 40 {
		t.Fatalf("the branches part at step 40 (the crash), not %d", f.Compare.Diverged)
	}
	if cw := f.Compare; cw.Traffic.Total.Messages == 0 {
		t.Fatalf("the old branch's counters: %+v", cw.Traffic)
	}

	for msg, want := range map[string]string{
		`{"type":"compare-branch","id":1}`:  "is the run itself",
		`{"type":"compare-branch","id":99}`: "no branch 99",
		`{"type":"compare-branch"}`:         `"id" is missing`,
	} {
		c.send(msg)
		f, raw := mustReadAs[compareFrameIn](c)
		for f.Type != "error" {
			f, raw = mustReadAs[compareFrameIn](c)
		}
		if !strings.Contains(f.Error, want) {
			t.Errorf("%s: %s, want %q", msg, raw, want)
		}
	}
}
