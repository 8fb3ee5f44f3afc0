package engine

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// The queue gives its events back in (at, seq) order whatever mix of
// pushes, pops, top replacements and re-heaping (compactQueue) led there.
func TestEventQueuePopsInTimeThenSeqOrder(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for run := 0; run < 50; run++ {
		var q eventQueue
		var held []event
		seq := uint64(0)
		popMin := func() event {
			slices.SortFunc(held, func(a, b event) int {
				if a.at != b.at {
					return int(a.at - b.at)
				}
				return int(a.seq) - int(b.seq)
			})
			e := held[0]
			held = held[1:]
			return e
		}
		for op := 0; op < 2000; op++ {
			switch k := r.IntN(10); {
			case k < 5 || len(q) == 0:
				seq++
				e := event{at: time.Duration(r.IntN(50)), seq: seq}
				q.push(e)
				held = append(held, e)
			case k < 8:
				if got, want := q.pop(), popMin(); got != want {
					t.Fatalf("run %d op %d: popped %+v, want %+v", run, op, got, want)
				}
			case k < 9:
				seq++
				e := event{at: q[0].at + time.Duration(r.IntN(20)), seq: seq}
				popMin()
				q.replaceTop(e)
				held = append(held, e)
			default: // rebuild from an arbitrary order, as compactQueue does
				r.Shuffle(len(q), func(i, j int) { q[i], q[j] = q[j], q[i] })
				for i := len(q)/2 - 1; i >= 0; i-- {
					q.down(i)
				}
			}
		}
		for len(q) > 0 {
			if got, want := q.pop(), popMin(); got != want {
				t.Fatalf("run %d drain: popped %+v, want %+v", run, got, want)
			}
		}
	}
}
