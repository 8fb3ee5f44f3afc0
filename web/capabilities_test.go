package web

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"golang.org/x/time/rate"
)

// An embed framed by another site plays and steps, but gets a bounded
// protocol: no scenario files, short steps and runs, short links, a lower
// rate, and a cap on the run's length. Each refusal is counted.
func TestForeignEmbedIsBounded(t *testing.T) {
	srv, ts := newRoomServer(t, Options{})
	srv.embedCaps = func() *capabilities {
		c := foreignEmbedCaps()
		c.maxSteps = 30 // reached quickly by the test pattern
		return c
	}
	foreign := http.Header{"Origin": {"https://attacker.example"}}
	c, err := dialPath(t, ts, "/embed/ws?pattern=test-ping&seed=5", foreign)
	if err != nil {
		t.Fatal(err)
	}
	snap := c.until("the snapshot", func(f tframe) bool { return f.Type == "snapshot" })
	c.send(`{"type":"step","n":3}`)
	if f := c.next(); f.Type != "delta" || f.Step != snap.Step+3 {
		t.Fatalf("a foreign embed cannot step: %+v", f)
	}
	refusedFrame := func(msg, want string) {
		t.Helper()
		c.send(msg)
		f := c.until("an error", func(f tframe) bool { return f.Type == "error" })
		if !strings.Contains(f.Error, want) {
			t.Errorf("%s: error %q, want it to say %q", msg, f.Error, want)
		}
	}
	refusedFrame(`{"type":"scenario","yaml":"title: x\nsteps:\n  - say: hi\n"}`, "files cannot be opened here")
	refusedFrame(`{"type":"step","n":5000}`, "n may be at most")
	refusedFrame(`{"type":"run","dur":"1m"}`, "dur may be at most")
	refusedFrame(`{"type":"play","speed":150}`, "speed may be at most")
	refusedFrame(`{"type":"seek","step":90000}`, "steps ahead")
	// The cap on the run's length: stepping stops at it, and so does play.
	for range 3 {
		c.send(`{"type":"step","n":10}`)
	}
	refusedFrame(`{"type":"step","n":10}`, "reached 30 events")
	for _, reason := range []string{"embed-upload", "embed-step", "embed-run", "embed-speed", "embed-seek", "embed-steps"} {
		if srv.refused.count(reason) == 0 {
			t.Errorf("refusal %s not counted", reason)
		}
	}

	// A long link is refused before any replay.
	long, err := dialPath(t, ts, "/embed/ws?pattern=test-ping&step=150000", foreign)
	if err != nil {
		t.Fatal(err)
	}
	if f := long.next(); f.Code != "limit" || !strings.Contains(f.Error, "replays 150000 steps") {
		t.Errorf("long link from a foreign embed: %+v", f)
	}
	if srv.refused.count("embed-replay") != 1 {
		t.Error("the long link's refusal was not counted")
	}

	// The same embed on clusterscope's own origin keeps the whole protocol.
	own := http.Header{"Origin": {ts.URL}}
	o, err := dialPath(t, ts, "/embed/ws?pattern=test-ping&step=2000", own)
	if err != nil {
		t.Fatal(err)
	}
	if f := o.until("the snapshot", func(f tframe) bool { return f.Type == "snapshot" }); f.Step != 2000 {
		t.Errorf("own-origin embed link replayed to %d, want 2000", f.Step)
	}
	o.send(`{"type":"step","n":5000}`)
	if f := o.next(); f.Type != "delta" {
		t.Errorf("own-origin embed step 5000: %+v", f)
	}
}

// The rate is per session: a burst past it is refused.
func TestForeignEmbedRate(t *testing.T) {
	srv, ts := newRoomServer(t, Options{})
	srv.embedCaps = func() *capabilities {
		c := foreignEmbedCaps()
		c.rate = rate.NewLimiter(rate.Every(time.Hour), 3)
		return c
	}
	c, err := dialPath(t, ts, "/embed/ws?pattern=test-ping", http.Header{"Origin": {"null"}})
	if err != nil {
		t.Fatal(err)
	}
	c.until("the snapshot", func(f tframe) bool { return f.Type == "snapshot" })
	for range 4 {
		c.send(`{"type":"pause"}`)
	}
	f := c.until("an error", func(f tframe) bool { return f.Type == "error" })
	if !strings.Contains(f.Error, "too many messages") || srv.refused.count("embed-rate") != 1 {
		t.Errorf("fourth message: %+v, counted %d", f, srv.refused.count("embed-rate"))
	}
}
