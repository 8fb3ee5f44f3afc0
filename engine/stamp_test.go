package engine

import (
	"strconv"
	"testing"
)

// stampingNode is an echo server whose clock counts its events: the
// stamp of an event is how many it has handled.
type stampingNode struct{ *echoNode }

func (n stampingNode) AppendStamp(b []byte) []byte { return strconv.AppendInt(b, int64(n.handled), 10) }

func stampingModel() Model {
	m := echoModel()
	inner := m.NewProcess
	m.NewProcess = func(id string, role Role) Process {
		p := inner(id, role)
		if e, ok := p.(*echoNode); ok {
			return stampingNode{e}
		}
		return p
	}
	return m
}

// The stamp a process gives an event lands on the trace event that woke
// it (delivery, timer, boot), never on its sends or on a process without a
// clock, and it stays there however the trace is read.
func TestStampsLandOnTheEventThatWokeTheProcess(t *testing.T) {
	cfg := Config{Nodes: three, Clients: []string{"alice"}, Seed: 3, Params: map[string]int{"tick-ms": 1}}
	s, err := New(cfg, stampingModel())
	if err != nil {
		t.Fatal(err)
	}
	apply(t, s, Command{Kind: CmdClient, Node: "alice", Name: "write", Args: map[string]string{"to": "athens"}})
	for s.Trace().Len() < 2*traceChunk+100 { // stamps in three chunks
		if _, ok := s.Step(); !ok {
			t.Fatal("the run stopped")
		}
	}
	evs := s.Trace().Events()
	count := map[string]int{}
	stamped := 0
	for _, e := range evs {
		wakes := e.Kind == TrDeliver || e.Kind == TrTimer || e.Kind == TrStart
		if e.Node == "alice" || !wakes {
			if e.Stamp != "" {
				t.Fatalf("event %d (%s at %s) has stamp %q: only a server's waking events carry one", e.Seq, e.Kind, e.Node, e.Stamp)
			}
			continue
		}
		count[e.Node]++
		if want := strconv.Itoa(count[e.Node]); e.Stamp != want {
			t.Fatalf("event %d (%s at %s) stamped %q, want %q (its %s event)", e.Seq, e.Kind, e.Node, e.Stamp, want, want)
		}
		stamped++
	}
	if stamped < traceChunk {
		t.Fatalf("only %d events stamped", stamped)
	}
	from := traceChunk + 17
	for i, e := range s.Trace().Since(from) {
		if e != evs[from+i] {
			t.Fatalf("Since(%d)[%d] = %+v, Events has %+v", from, i, e, evs[from+i])
		}
	}

	plain, err := New(cfg, echoModel())
	if err != nil {
		t.Fatal(err)
	}
	apply(t, plain, Command{Kind: CmdClient, Node: "alice", Name: "write", Args: map[string]string{"to": "athens"}})
	for plain.StepCount() < s.StepCount() {
		plain.Step()
	}
	bare := plain.Trace().Events()
	if len(bare) != len(evs) {
		t.Fatalf("%d events without stamps, %d with: stamping changed the run", len(bare), len(evs))
	}
	for i := range bare {
		e := evs[i]
		e.Stamp = ""
		if e != bare[i] {
			t.Fatalf("event %d differs beyond its stamp: %+v vs %+v", i, evs[i], bare[i])
		}
	}
	if plain.Trace().Hash() == s.Trace().Hash() {
		t.Fatal("the same run with and without stamps hashes the same: the hash misses the stamps")
	}
}
