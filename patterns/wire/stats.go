package wire

import (
	"clusterscope/engine"
	"time"
)

// latencies keeps the latest request latencies with when each request
// completed, for the live charts: the last keptLatencies, of which the
// charts read those of the last second.
type latencies struct {
	at, d   []time.Duration
	next    int
	scratch []float64 // since's list, reused: the charts sample it ten times a second
}

const keptLatencies = 512

func (l *latencies) add(at, d time.Duration) {
	if len(l.at) < keptLatencies {
		l.at, l.d = append(l.at, at), append(l.d, d)
		return
	}
	l.at[l.next], l.d[l.next] = at, d
	l.next = (l.next + 1) % keptLatencies
}

// since lists the latencies of requests completed after t, in ms. The
// list is l's own and is overwritten by the next call.
func (l *latencies) since(t time.Duration) []float64 {
	out := l.scratch[:0]
	for i, at := range l.at {
		if at > t {
			out = append(out, float64(l.d[i])/float64(time.Millisecond))
		}
	}
	l.scratch = out
	return out
}

// mean is the mean latency in ms of requests completed after t (0: none).
// It adds up what since would list, in the same order, without the list.
func (l *latencies) mean(t time.Duration) float64 {
	sum, n := 0.0, 0
	for i, at := range l.at {
		if at > t {
			sum += float64(l.d[i]) / float64(time.Millisecond)
			n++
		}
	}
	if n == 0 {
		return 0
	}
	return sum / float64(n)
}

// percentiles are the p50 and p99 latencies in ms of requests completed
// after t (nearest rank; 0 when none).
func (l *latencies) percentiles(t time.Duration) (p50, p99 float64) {
	v := l.since(t)
	if len(v) == 0 {
		return 0, 0
	}
	// Nearest rank k is the k-th smallest: found by selection, which is
	// what a sort of the whole list (ten times a second per process) gave.
	rank := func(p int) int { return (len(v)*p+99)/100 - 1 }
	i50, i99 := rank(50), rank(99)
	p50 = nth(v, i50)
	// nth left every value above the p50 after it: p99 is among them.
	return p50, nth(v[i50:], i99-i50)
}

// nth is the k-th smallest of v (0-based), which it reorders so that v[k]
// is that value, with nothing greater before it and nothing smaller after
// it (quickselect, middle-of-three pivots: no randomness).
func nth(v []float64, k int) float64 {
	lo, hi := 0, len(v)-1
	for lo < hi {
		mid := lo + (hi-lo)/2
		if v[mid] < v[lo] {
			v[mid], v[lo] = v[lo], v[mid]
		}
		if v[hi] < v[lo] {
			v[hi], v[lo] = v[lo], v[hi]
		}
		if v[hi] < v[mid] {
			v[hi], v[mid] = v[mid], v[hi]
		}
		pivot := v[mid]
		i, j := lo, hi
		for i <= j {
			for v[i] < pivot {
				i++
			}
			for pivot < v[j] {
				j--
			}
			if i <= j {
				v[i], v[j] = v[j], v[i]
				i++
				j--
			}
		}
		switch {
		case k <= j:
			hi = j
		case k >= i:
			lo = i
		default:
			return v[k]
		}
	}
	return v[k]
}

// startSampling starts a process's chart sampler at a random phase, as a
// timer does after a boot that came at no particular moment.
func startSampling(env engine.Env) {
	env.SetTimer(sampleTimer, time.Duration(1+env.Rand().Int64N(int64(samplePeriod))))
}
