package gossip

import "math"

// ExpectedSpread is the fraction of n nodes expected to know a rumour
// after each of rounds rounds (index 0: only its origin), by the
// mean-field recurrence of push-pull gossip with the given fanout: in a
// round every node opens an exchange with fanout distinct random peers,
// and news crosses an exchange both ways. A node that does not know the
// rumour yet still does not after the round when none of the peers it
// picks knows it (pull) and no node that knows it picks it (push):
//
//	miss(I) = C(n-1-I, f) / C(n-1, f) · (1 - f/(n-1))^I
//	I' = I + (n - I) · miss(I)      (I: expected informed nodes)
//
// It treats the picks as independent and works on expected counts, so
// it runs a little ahead of a real run's mean at the end (the last few
// nodes take longer than the average suggests).
func ExpectedSpread(n, fanout, rounds int) []float64 {
	out := make([]float64, 0, rounds+1)
	if n < 2 {
		for range rounds + 1 {
			out = append(out, 1)
		}
		return out
	}
	f := min(fanout, n-1)
	informed := 1.0
	out = append(out, informed/float64(n))
	others := float64(n - 1)
	for range rounds {
		// C(n-1-I, f)/C(n-1, f) = Π_k (n-1-I-k)/(n-1-k)
		pull := 1.0
		for k := 0; k < f; k++ {
			pull *= max(0, others-informed-float64(k)) / (others - float64(k))
		}
		push := math.Pow(1-float64(f)/others, informed)
		informed += (float64(n) - informed) * (1 - pull*push)
		out = append(out, informed/float64(n))
	}
	return out
}
