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
