package engine

import (
	"reflect"
	"testing"
	"time"
)

// A run built from the memory of finished runs records exactly what a run
// built afresh does: the same trace, history, command log and view, and
// nothing left over from the runs before it.
func TestSparesChangeNothing(t *testing.T) {
	var sp Spares
	for seed := uint64(1); seed <= 6; seed++ {
		want := storyRun(t, seed)
		spare := map[*traceBlock]bool{}
		for _, c := range sp.blocks {
			spare[c] = true
		}
		s, err := sp.New(storyConfig(seed), echoModel())
		if err != nil {
			t.Fatal(err)
		}
		if seed > 1 && !spare[s.trace.chunks[0]] {
			t.Fatalf("seed %d: the run did not take a spare trace block", seed)
		}
		got := playStory(t, s)
		if got.Trace().Hash() != want.Trace().Hash() || !reflect.DeepEqual(got.Trace().Events(), want.Trace().Events()) {
			t.Fatalf("seed %d: the trace differs (%d vs %d events)", seed, got.Trace().Len(), want.Trace().Len())
		}
		if !reflect.DeepEqual(got.History(), want.History()) || !reflect.DeepEqual(got.Log(), want.Log()) {
			t.Fatalf("seed %d: the history or the command log differs", seed)
		}
		if viewJSON(t, got) != viewJSON(t, want) {
			t.Fatalf("seed %d: the view differs", seed)
		}
		// A longer run each time, so the next one finds more than it needs.
		got.RunFor(time.Duration(seed)*500*time.Millisecond, 0)
		sp.Reclaim(got)
		if got.Trace().Len() != 0 || got.History() != nil {
			t.Fatalf("seed %d: a reclaimed run still shows what it recorded", seed)
		}
	}
	if len(sp.blocks) < 2 || cap(sp.history) == 0 || len(sp.cmds) == 0 || len(sp.sends) == 0 || len(sp.kvs) != len(five)+1 {
		t.Fatalf("the spares kept %d trace blocks, a history of capacity %d, %d log chunks, %d traffic chunks and %d storage maps",
			len(sp.blocks), cap(sp.history), len(sp.cmds), len(sp.sends), len(sp.kvs))
	}
	for _, kv := range sp.kvs {
		if len(kv) != 0 {
			t.Fatal("a spare storage map is not empty")
		}
	}
	for _, c := range sp.sends {
		if len(c) != 0 {
			t.Fatal("a spare traffic chunk is not empty")
		}
	}
	for _, c := range sp.blocks {
		if len(c.recs) != 0 || len(c.text) != 0 || len(c.stamps) != 0 || c.wide != nil {
			t.Fatal("a spare trace block is not empty")
		}
	}
}
