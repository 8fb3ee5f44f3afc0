package gossip

import "math"

// phases is how many slices a round is cut into for the expected curve.
const phases = 20

// ExpectedSpread is the fraction of n nodes expected to know a rumour at
// the end of each of rounds rounds after it started (index 0: only its
// origin). It is a mean-field recurrence of push-pull gossip in which
// every node opens fanout exchanges once per round at its own moment (the
// nodes' rounds are not in step): the round is cut into 20 slices, each
// holding n/20 of the nodes, and the curve follows the fraction x of each
// slice that knows. When a slice's nodes gossip:
//
//	pull: x += (1-x)·(1 - (1 - I/(n-1))^fanout)       its own nodes ask
//	push: every slice's x' += (1-x')·(1 - e^(-fanout·(n/20)·x/(n-1)))
//
// where I is how many nodes know (the push uses the slice's x from before
// its pull: a node that learns in an exchange it opened tells nobody in
// it). A node that hears the rumour early in a round passes it on later
// in that round, so the rumour moves more than one hop a round; a node
// that learns it by asking waits a whole round before it tells anyone.
// The origin's moment in the round is unknown, so it counts as 1/n spread
// over every slice. Message delays are left out, and the curve follows
// expected counts, so a run's last few nodes come a little later.
func ExpectedSpread(n, fanout, rounds int) []float64 {
	out := make([]float64, 0, rounds+1)
	if n < 2 {
		for range rounds + 1 {
			out = append(out, 1)
		}
		return out
	}
	f := float64(min(fanout, n-1))
	per := float64(n) / phases
	others := float64(n - 1)
	var x [phases]float64
	for i := range x {
		x[i] = 1 / float64(n)
	}
	informed := func() float64 {
		s := 0.0
		for _, v := range x {
			s += v * per
		}
		return s
	}
	out = append(out, 1/float64(n))
	for range rounds {
		for i := range x {
			before := x[i]
			x[i] += (1 - x[i]) * (1 - math.Pow(max(0, 1-informed()/others), f))
			hit := 1 - math.Exp(-f*per*before/others)
			for j := range x {
				x[j] += (1 - x[j]) * hit
			}
		}
		out = append(out, min(1, informed()/float64(n)))
	}
	return out
}
