package engine

import (
	"testing"
	"time"
)

func TestTrafficCountsPerNodeLinkAndKindAndForgetsOldSends(t *testing.T) {
	s := newWire(t, fixedNet(5*time.Millisecond))
	act(t, s, "athens", "datagram", "to", "byzantium", "count", "2", "size", "1000")
	act(t, s, "athens", "datagram", "to", "cyrene", "count", "1")
	act(t, s, "cyrene", "datagram", "to", "athens", "count", "1", "size", "10")
	s.Stabilize(100)
	w := s.World()
	v := w.Traffic()
	if want := (Count{Messages: 4, Bytes: 2074}); v.Total != want || v.LastSecond != want || w.TrafficTotal() != want {
		t.Fatalf("total %+v, last second %+v, want both %+v", v.Total, v.LastSecond, want)
	}
	if got := w.KindSent("Frame"); got != (Count{4, 2074}) {
		t.Fatalf("Frame kind: %+v", got)
	}
	if len(v.Kinds) != 1 || v.Kinds[0].Kind != "Frame" || v.Kinds[0].LastSecond.Messages != 4 {
		t.Fatalf("kinds %+v", v.Kinds)
	}
	if got := v.Nodes[0]; got.ID != "athens" || got.Sent != (Count{3, 2064}) || got.Received != (Count{1, 10}) || got.LastSecond != (Count{3, 2064}) {
		t.Fatalf("athens: %+v", got)
	}
	want := []LinkTraffic{
		{From: "athens", To: "byzantium", Sent: Count{2, 2000}, LastSecond: Count{2, 2000}},
		{From: "athens", To: "cyrene", Sent: Count{1, 64}, LastSecond: Count{1, 64}},
		{From: "cyrene", To: "athens", Sent: Count{1, 10}, LastSecond: Count{1, 10}},
	}
	if len(v.Links) != len(want) {
		t.Fatalf("links %+v, want %+v", v.Links, want)
	}
	for i := range want {
		if v.Links[i] != want[i] {
			t.Fatalf("link %d: %+v, want %+v", i, v.Links[i], want[i])
		}
	}

	// A second later the window is empty, the run's counts stay.
	s.RunFor(1500*time.Millisecond, 100)
	act(t, s, "byzantium", "datagram", "to", "cyrene", "count", "1", "size", "5")
	v = w.Traffic()
	if v.Total != (Count{5, 2079}) || v.LastSecond != (Count{1, 5}) {
		t.Fatalf("after 1.5s: total %+v, last second %+v", v.Total, v.LastSecond)
	}
	if v.Nodes[0].LastSecond != (Count{}) || v.Nodes[1].LastSecond != (Count{1, 5}) {
		t.Fatalf("after 1.5s, per node: %+v", v.Nodes)
	}
	if w.KindSent("Nope") != (Count{}) {
		t.Fatal("an unknown kind has counts")
	}
}

// The window's queue reuses its storage: a long run keeps it at about one
// window's worth of sends.
func TestTrafficWindowStaysSmall(t *testing.T) {
	s := newWire(t, fixedNet(time.Millisecond))
	for range 200 {
		act(t, s, "athens", "datagram", "to", "byzantium", "count", "5")
		s.RunFor(100*time.Millisecond, 1000)
	}
	// Now is 20s; the window (19s, 20s] holds the batches of 19.1s … 19.9s.
	if got := s.World().Traffic().LastSecond.Messages; got != 45 {
		t.Fatalf("last second: %d messages, want 45 (5 every 100ms)", got)
	}
	if n := s.traffic.recent.room(); n > 2*windowChunk {
		t.Fatalf("the window holds room for %d sends; 1000 were sent, 50 a second", n)
	}
}
