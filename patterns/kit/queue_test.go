package kit

import "testing"

// TestPopFrontIsFIFO: elements come out in the order they went in, short
// queues and long, and a short queue that fills and drains keeps its array.
func TestPopFrontIsFIFO(t *testing.T) {
	var q []int
	next, want := 0, 0
	for round := 0; round < 50; round++ {
		for i := 0; i < round%40; i++ {
			q = append(q, next)
			next++
		}
		for len(q) > round%7 {
			var got int
			got, q = PopFront(q)
			if got != want {
				t.Fatalf("popped %d, want %d", got, want)
			}
			want++
		}
	}
	q = make([]int, 0, 8)
	base := &q[:1][0]
	for i := 0; i < 100; i++ {
		q = append(q, i, i+1)
		_, q = PopFront(q)
		_, q = PopFront(q)
	}
	if cap(q) != 8 || &q[:1][0] != base {
		t.Fatalf("a short queue that drains moved to a new array (cap %d)", cap(q))
	}
}
