package clocks

import (
	"time"

	"clusterscope/engine"
)

// rule is how a server's clock stamps its next event, from its last stamp,
// what a message carried (nil for an event without one) and, for the
// hybrid clock, its physical clock.
type rule func(last Stamp, received *Stamp, physical time.Duration) Stamp

// lamport is the Lamport clock: one more than the highest of its own
// counter and the one received.
func lamport(last Stamp, received *Stamp, _ time.Duration) Stamp {
	n := last.N
	if received != nil {
		n = max(n, received.N)
	}
	return Stamp{N: n + 1}
}

// lamportIgnoringIncoming is the broken variant: only its own counter.
func lamportIgnoringIncoming(last Stamp, _ *Stamp, _ time.Duration) Stamp {
	return Stamp{N: last.N + 1}
}

// millis is a physical clock reading in whole milliseconds.
func millis(d time.Duration) int64 { return int64(d / time.Millisecond) }

// hybrid is the hybrid logical clock: the wall part is the highest of
// the physical clock, its own last stamp and the stamp received; the
// counter restarts at 0 when the physical clock alone is the highest, and
// otherwise counts on from the highest stamp that has that wall time.
func hybrid(last Stamp, received *Stamp, physical time.Duration) Stamp {
	pt := millis(physical)
	wall := max(pt, last.Wall)
	if received != nil {
		wall = max(wall, received.Wall)
	}
	var n int64
	switch {
	case received != nil && wall == last.Wall && wall == received.Wall:
		n = max(last.N, received.N) + 1
	case wall == last.Wall:
		n = last.N + 1
	case received != nil && wall == received.Wall:
		n = received.N + 1
	}
	return Stamp{Wall: wall, N: n, Hybrid: true}
}

// rawWallClock is the broken variant: the physical clock as it reads now,
// with a counter only for events within one of its milliseconds. It
// ignores what a message carried, and follows the clock back when it is
// stepped back.
func rawWallClock(last Stamp, _ *Stamp, physical time.Duration) Stamp {
	pt := millis(physical)
	if pt == last.Wall {
		return Stamp{Wall: pt, N: last.N + 1, Hybrid: true}
	}
	return Stamp{Wall: pt, Hybrid: true}
}

// ruleFor picks the page's clock, or its broken variant.
func ruleFor(env engine.Env, page string) rule {
	if page == pageHybrid {
		if env.Variant(VarRawWallClock) {
			return rawWallClock
		}
		return hybrid
	}
	if env.Variant(VarIgnoreIncoming) {
		return lamportIgnoringIncoming
	}
	return lamport
}
