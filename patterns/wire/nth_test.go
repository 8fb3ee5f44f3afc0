package wire

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// TestPercentilesAreSortedRanks: the selection gives the nearest-rank
// p50 and p99 a sort of the latencies gives, on lists with repeats.
func TestPercentilesAreSortedRanks(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for n := 1; n <= 600; n += 7 {
		var l latencies
		for i := 0; i < n; i++ {
			l.add(time.Duration(i+1), time.Duration(r.IntN(40))*time.Millisecond/4)
		}
		want := slices.Clone(l.since(0))
		slices.Sort(want)
		rank := func(p int) float64 { return want[(len(want)*p+99)/100-1] }
		p50, p99 := l.percentiles(0)
		if p50 != rank(50) || p99 != rank(99) {
			t.Fatalf("%d latencies: percentiles %v, %v; sorted ranks %v, %v", n, p50, p99, rank(50), rank(99))
		}
	}
}
