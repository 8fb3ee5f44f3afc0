package engine

import (
	"testing"
	"time"
)

// storyRun is a busy run: five nodes pinging on a lossy, duplicating network
// while byzantium crashes and comes back, a partition comes and goes, delphi's
// clock drifts and alice writes.
func storyRun(t testing.TB, seed uint64) *Sim {
	t.Helper()
	return playStory(t, newSim(t, storyConfig(seed)))
}

func storyConfig(seed uint64) Config {
	net := &NetSettings{MinDelay: Duration(time.Millisecond), MeanDelay: Duration(4 * time.Millisecond), DropPct: 5, DupPct: 5}
	return Config{Nodes: five, Clients: []string{"alice"}, Seed: seed, Net: net}
}

// playStory plays storyRun's commands on s, fresh from New.
func playStory(t testing.TB, s *Sim) *Sim {
	t.Helper()
	s.RunFor(ms(35), 0)
	apply(t, s, Command{Kind: CmdClient, Node: "alice", Name: "write", Args: map[string]string{"to": "cyrene"}})
	apply(t, s, Command{Kind: CmdCrash, Node: "byzantium"})
	s.RunFor(ms(20), 0)
	apply(t, s, Command{Kind: CmdPartition, Groups: [][]string{{"athens", "byzantium"}, {"cyrene", "delphi", "ephesus"}}})
	apply(t, s, Command{Kind: CmdDrift, Node: "delphi", PPM: 20_000})
	for i := 0; i < 40; i++ {
		s.Step()
	}
	apply(t, s, Command{Kind: CmdRestart, Node: "byzantium"})
	apply(t, s, Command{Kind: CmdHeal})
	apply(t, s, Command{Kind: CmdPause, Node: "ephesus"})
	s.RunFor(ms(30), 0)
	apply(t, s, Command{Kind: CmdResume, Node: "ephesus"})
	s.RunFor(ms(30), 0)
	return s
}

func TestSameSeedSameTrace(t *testing.T) {
	seen := map[string]uint64{}
	for seed := uint64(1); seed <= 40; seed++ {
		a, b := storyRun(t, seed), storyRun(t, seed)
		if a.Trace().Hash() != b.Trace().Hash() || a.Trace().Len() != b.Trace().Len() {
			t.Fatalf("seed %d: two runs differ (%d vs %d trace events)", seed, a.Trace().Len(), b.Trace().Len())
		}
		if viewJSON(t, a) != viewJSON(t, b) {
			t.Fatalf("seed %d: same trace, different views", seed)
		}
		if other, dup := seen[a.Trace().Hash()]; dup {
			t.Fatalf("seeds %d and %d give the same run", other, seed)
		}
		seen[a.Trace().Hash()] = seed
	}
}

func TestTraceHashSeesEveryField(t *testing.T) {
	s := storyRun(t, 7)
	base := s.Trace().Hash()
	edits := map[string]func(e *TraceEvent){
		"step":            func(e *TraceEvent) { e.Step++ },
		"at":              func(e *TraceEvent) { e.At++ },
		"kind":            func(e *TraceEvent) { e.Kind = TrNote },
		"node":            func(e *TraceEvent) { e.Node += "x" },
		"from":            func(e *TraceEvent) { e.From += "x" },
		"to":              func(e *TraceEvent) { e.To += "x" },
		"msg":             func(e *TraceEvent) { e.Msg++ },
		"kind of message": func(e *TraceEvent) { e.MsgKind += "x" },
		"text":            func(e *TraceEvent) { e.Text += "x" },
	}
	for name, edit := range edits {
		events := append([]TraceEvent(nil), s.Trace().Events()...)
		edit(&events[len(events)/2])
		tr := traceFrom(events)
		if tr.Hash() == base {
			t.Errorf("changing the %s of one event leaves the hash unchanged", name)
		}
	}
}

func TestSeedsSplitIntoIndependentStreams(t *testing.T) {
	// Each node's Rand is its own stream: the same seed gives the same
	// numbers to a node whatever the others draw, and different nodes differ.
	a := newSim(t, quiet(three...))
	b := newSim(t, quiet(three...))
	b.procs[1].rand.Uint64() // byzantium draws once more in run b
	if a.procs[0].rand.Uint64() != b.procs[0].rand.Uint64() {
		t.Fatal("athens's stream depends on byzantium's draws")
	}
	if a.procs[1].rand.Uint64() == a.procs[2].rand.Uint64() {
		t.Fatal("byzantium and cyrene draw the same numbers")
	}
}

func TestTraceSinceSpansChunks(t *testing.T) {
	var tr Trace
	for i := 0; i < 3*traceChunk+10; i++ {
		tr.add(&TraceEvent{Kind: TrNote, At: int64(i)})
	}
	all := tr.Events()
	if len(all) != tr.Len() {
		t.Fatalf("%d events, Len %d", len(all), tr.Len())
	}
	for i, e := range all {
		if e.Seq != i || e.At != int64(i) {
			t.Fatalf("event %d = %+v", i, e)
		}
	}
	for _, from := range []int{-3, 0, 1, traceChunk - 1, traceChunk, 2*traceChunk + 5, tr.Len() - 1} {
		got := tr.Since(from)
		start := max(from, 0)
		if len(got) != tr.Len()-start || got[0].Seq != start || got[len(got)-1].Seq != tr.Len()-1 {
			t.Fatalf("Since(%d) gave %d events from %d", from, len(got), got[0].Seq)
		}
	}
	if tr.Since(tr.Len()) != nil || tr.Since(tr.Len()+5) != nil {
		t.Fatal("Since past the end is not empty")
	}
}
