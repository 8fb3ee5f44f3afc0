package engine

import (
	"testing"
	"time"
)

// The log is kept in chunks and flattened when read: reads between any
// adds, across chunk boundaries, must give every command in order, and a
// slice read earlier must keep what it held.
func TestCommandLogReadsBackInOrder(t *testing.T) {
	var l cmdLog
	var early []LoggedCommand
	n := 80*logChunk + 5 // far past the small chunks a log starts with
	for i := 0; i < n; i++ {
		l.add(LoggedCommand{Step: i})
		if i%50 == 7 && i < 3*logChunk {
			got := l.all()
			if len(got) != i+1 {
				t.Fatalf("after %d adds the log has %d", i+1, len(got))
			}
			for j, c := range got {
				if c.Step != j {
					t.Fatalf("entry %d is step %d", j, c.Step)
				}
			}
			if early == nil {
				early = got
			}
		}
	}
	if got := l.all(); len(got) != n || got[len(got)-1].Step != n-1 {
		t.Fatalf("log of %d, last %+v", len(got), got[len(got)-1])
	}
	if len(early) != 8 || early[7].Step != 7 {
		t.Fatalf("a slice read early changed: %d entries", len(early))
	}
}

// A checker may read the log after every step (replog's does): that must
// not cost a new chunk per command.
func TestCommandLogReadEveryStepReusesItsChunk(t *testing.T) {
	var l cmdLog
	step := 0
	if allocs := testing.AllocsPerRun(2000, func() {
		l.add(LoggedCommand{Step: step})
		step++
		if got := l.all(); got[len(got)-1].Step != step-1 {
			t.Fatalf("last entry %+v, want step %d", got[len(got)-1], step-1)
		}
	}); allocs != 0 {
		t.Fatalf("%v allocations per command", allocs)
	}
}

// CommandCount is the log's length however the log was last read (never,
// or flattened by Commands), and a run built on a finished one's memory
// (Spares) starts again from none.
func TestCommandCountIsTheLogsLength(t *testing.T) {
	var sp Spares
	for run := 0; run < 2; run++ {
		s, err := sp.New(Config{Nodes: five, Seed: 1}, pingModel())
		if err != nil {
			t.Fatal(err)
		}
		w := s.World()
		if w.CommandCount() != 0 {
			t.Fatalf("run %d: a fresh run counts %d commands", run, w.CommandCount())
		}
		for i := 0; i < 3*logChunk; i++ {
			kind := CmdCrash
			if i%2 == 1 {
				kind = CmdRestart
			}
			if err := s.Apply(Command{Kind: kind, Node: "athens"}); err != nil {
				t.Fatal(err)
			}
			s.RunFor(time.Millisecond, 0)
			if i%7 == 3 { // flatten now and then
				if n := len(w.Commands()); n != i+1 {
					t.Fatalf("run %d: %d commands logged after %d", run, n, i+1)
				}
			}
			if n := w.CommandCount(); n != i+1 {
				t.Fatalf("run %d: CommandCount %d after %d commands", run, n, i+1)
			}
		}
		sp.Reclaim(s)
	}
}
