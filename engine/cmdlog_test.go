package engine

import "testing"

// The log is kept in chunks and flattened when read: reads between any
// adds, across chunk boundaries, must give every command in order, and a
// slice read earlier must keep what it held.
func TestCommandLogReadsBackInOrder(t *testing.T) {
	var l cmdLog
	var early []LoggedCommand
	for i := 0; i < 3*logChunk+5; i++ {
		l.add(LoggedCommand{Step: i})
		if i%50 == 7 {
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
	if got := l.all(); len(got) != 3*logChunk+5 || got[len(got)-1].Step != 3*logChunk+4 {
		t.Fatalf("log of %d, last %+v", len(got), got[len(got)-1])
	}
	if len(early) != 8 || early[7].Step != 7 {
		t.Fatalf("a slice read early changed: %d entries", len(early))
	}
}
