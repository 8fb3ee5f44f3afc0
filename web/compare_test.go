package web

import (
	"strings"
	"testing"
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
