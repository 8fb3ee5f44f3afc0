package web

import (
	"strings"
	"testing"
	"time"

	"clusterscope/engine"
	"clusterscope/patterns"
)

// A long run in one go sends only the tail of its events, and with it the
// story from before the tail (notes, not traffic), so the event log still
// says who became leader.
func TestLongRunFrameCarriesTheStoryBeforeItsTail(t *testing.T) {
	p, ok := patterns.ByID("leader-and-followers")
	if !ok || !p.Live() {
		t.Skip("leader-and-followers is not live")
	}
	cfg, err := p.Config(3, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	s := &session{id: "t", pat: p, play: playState{Speed: 1}, hub: newHub(Limits{}.withDefaults(), nil), lim: Limits{}.withDefaults()}
	if err := s.start(cfg, nil, 0); err != nil {
		t.Fatal(err)
	}
	snap := s.snapshotFrame()
	from := len(snap.Events)
	if err := s.runFor(2 * time.Second); err != nil {
		t.Fatal(err)
	}
	f, ok := s.deltaFrame()
	if !ok || len(f.Events) != recentEvents {
		t.Fatalf("the run's frame holds %d events, want the tail of %d", len(f.Events), recentEvents)
	}
	var want []engine.TraceEvent
	for _, e := range s.sim.Trace().Events()[from:f.Events[0].Seq] {
		if e.Kind != engine.TrSend && e.Kind != engine.TrDeliver && e.Kind != engine.TrDrop && e.Kind != engine.TrDuplicate && e.Kind != engine.TrTimer {
			want = append(want, e)
		}
	}
	if len(want) == 0 || len(f.Earlier) != min(len(want), earlierEvents) {
		t.Fatalf("%d earlier events, want %d (the story before the tail)", len(f.Earlier), min(len(want), earlierEvents))
	}
	leader := false
	for i, e := range f.Earlier {
		if w := want[len(want)-len(f.Earlier)+i]; e != w {
			t.Fatalf("earlier event %d is %+v, want %+v", i, e, w)
		}
		leader = leader || (e.Kind == engine.TrNote && strings.Contains(e.Text, "becomes leader"))
	}
	if !leader {
		t.Error("the election is not in the story before the tail")
	}
	// The next frame does not send them again.
	if err := s.runFor(10 * time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if f, _ := s.deltaFrame(); len(f.Earlier) != 0 {
		t.Errorf("a short step resends %d earlier events", len(f.Earlier))
	}
}
