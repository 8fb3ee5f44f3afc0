package engine

import (
	"strconv"
	"testing"
)

// Story keeps the events that tell a run (notes, crashes) from before a
// point, skipping message traffic and timers, newest max of them, in order.
func TestTraceStorySkipsTraffic(t *testing.T) {
	var tr Trace
	for i := range 5000 {
		tr.add(&TraceEvent{Step: i, Kind: TrSend, From: "athens", To: "byzantium", Msg: uint64(i + 1), MsgKind: "Heartbeat"})
		tr.add(&TraceEvent{Step: i, Kind: TrDeliver, From: "athens", To: "byzantium", Msg: uint64(i + 1), MsgKind: "Heartbeat"})
		tr.add(&TraceEvent{Step: i, Kind: TrTimer, Node: "athens", Text: "heartbeat"})
		if i%100 == 0 {
			tr.add(&TraceEvent{Step: i, Kind: TrNote, Node: "athens", Text: "note " + strconv.Itoa(i)})
		}
		if i == 4000 {
			tr.add(&TraceEvent{Step: i, Kind: TrCrash, Node: "cyrene", Text: "crashes"})
		}
	}
	end := tr.Len() - 300
	got := tr.Story(end, 5, tr.Len())
	if len(got) != 5 {
		t.Fatalf("%d events, want 5", len(got))
	}
	for i, e := range got {
		if e.Kind != TrNote && e.Kind != TrCrash {
			t.Errorf("event %d is %s: traffic kept", i, e.Kind)
		}
		if e.Seq >= end || (i > 0 && e.Seq <= got[i-1].Seq) {
			t.Errorf("event %d has seq %d: not before %d in order", i, e.Seq, end)
		}
	}
	// The same as a scan of every event.
	var want []TraceEvent
	for _, e := range tr.Events()[:end] {
		if e.Kind == TrNote || e.Kind == TrCrash {
			want = append(want, e)
		}
	}
	for i, e := range got {
		if w := want[len(want)-5+i]; e != w {
			t.Errorf("event %d is %+v, want %+v", i, e, w)
		}
	}
	crash := false
	for _, e := range tr.Story(end, 100, tr.Len()) {
		crash = crash || e.Kind == TrCrash
	}
	if !crash {
		t.Error("the crash is not in the story")
	}
	// The look-back bounds the scan: 200 records back hold no note.
	if n := len(tr.Story(tr.Len()-1, 5, 2)); n != 0 {
		t.Errorf("%d story events within a look-back of 2 records of traffic", n)
	}
}
