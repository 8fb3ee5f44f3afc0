package gossip

import (
	"math"
	"testing"
	"time"

	"clusterscope/engine"
	"clusterscope/patterns/kit/kittest"
)

// The expected curve starts at the origin alone, never falls, and nears
// everyone in about log N rounds; a larger fanout is never slower.
func TestExpectedSpreadIsAnEpidemic(t *testing.T) {
	for _, n := range []int{8, 50, 200} {
		one, two := ExpectedSpread(n, 1, 30), ExpectedSpread(n, 2, 30)
		if one[0] != 1/float64(n) {
			t.Errorf("n=%d: round 0 is %v, want only the origin (%v)", n, one[0], 1/float64(n))
		}
		for r := 1; r < len(one); r++ {
			if one[r] < one[r-1] || two[r] < one[r] {
				t.Errorf("n=%d round %d: fanout 1 %v (before %v), fanout 2 %v", n, r, one[r], one[r-1], two[r])
			}
		}
		bound := int(math.Ceil(math.Log2(float64(n)) + math.Log(float64(n))))
		if one[bound] < 0.99 {
			t.Errorf("n=%d: only %.3f know after %d rounds (log2 n + ln n)", n, one[bound], bound)
		}
	}
}

// spreadOf runs a rumour from athens on n nodes and returns the fraction
// of nodes that held it at the end of each gossip interval after it
// started, until all did.
func spreadOf(t *testing.T, n, fanout int, seed uint64) []float64 {
	t.Helper()
	s := kittest.Sim(t, GossipDissemination(), n, seed, map[string]int{ParamFanout: fanout})
	s.RunFor(2*time.Second, 0) // everyone has heard of everyone
	if err := s.Apply(engine.Command{Kind: engine.CmdAction, Node: "athens", Name: actRumour, Args: map[string]string{"value": "hello"}}); err != nil {
		t.Fatal(err)
	}
	out := []float64{1 / float64(n)}
	for len(out) < 40 {
		s.RunFor(defInterval*time.Millisecond, 0)
		heard := clusterFactsOf(s.World()).Heard["hello"]
		out = append(out, float64(heard)/float64(n))
		if heard == n {
			return out
		}
	}
	t.Fatalf("n=%d seed %d: the rumour did not reach everyone in 40 rounds", n, seed)
	return nil
}

// The measured spread follows the curve: averaged over a few seeds, the
// fraction that knows the rumour after each round is within 0.15 of the
// curve's.
func TestMeasuredSpreadFollowsTheCurve(t *testing.T) {
	seeds := 8
	if testing.Short() {
		seeds = 3
	}
	for _, tc := range []struct{ n, fanout int }{{50, 1}, {50, 2}, {200, 1}} {
		const rounds = 12
		mean := make([]float64, rounds+1)
		for seed := 1; seed <= seeds; seed++ {
			run := spreadOf(t, tc.n, tc.fanout, uint64(seed))
			for r := range mean {
				mean[r] += run[min(r, len(run)-1)] / float64(seeds)
			}
		}
		curve := ExpectedSpread(tc.n, tc.fanout, rounds)
		t.Logf("n=%d fanout %d: measured %.2f\n  expected %.2f", tc.n, tc.fanout, mean, curve)
		for r := range mean {
			if math.Abs(mean[r]-curve[r]) > 0.15 {
				t.Errorf("n=%d fanout %d round %d: %.2f know on average, the curve says %.2f", tc.n, tc.fanout, r, mean[r], curve[r])
			}
		}
	}
}
