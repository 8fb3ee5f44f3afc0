package replog

import (
	"strconv"

	"github.com/anishathalye/porcupine"
)

// counterRange is what a checker knows of a counter: its value is
// somewhere in [lo, hi]. Each increment whose outcome is unknown may or may
// not have run, so it widens the range by one; an answered increment pins
// the value again.
type counterRange struct{ lo, hi int }

// CounterModel is the porcupine model of the Idempotent Receiver page's
// counters, split by counter: an increment answered v found the counter
// at v−1. A retried request is one operation (the client records one
// answer), so a request run twice leaves a gap no order explains. An
// increment with an unknown outcome (nil output) ran once or not at all:
// it widens the range of possible values instead of fixing one, which
// keeps the search linear where trying each unknown both ways would be
// exponential. Opening a session touches no counter.
var CounterModel = porcupine.Model{
	Partition: func(history []porcupine.Operation) [][]porcupine.Operation {
		byCounter := map[string][]porcupine.Operation{}
		var names []string
		for _, op := range history {
			in := op.Input.(SessionInput)
			if in.Op != opIncr {
				continue
			}
			if _, ok := byCounter[in.Counter]; !ok {
				names = append(names, in.Counter)
			}
			byCounter[in.Counter] = append(byCounter[in.Counter], op)
		}
		out := make([][]porcupine.Operation, 0, len(names))
		for _, k := range names {
			out = append(out, byCounter[k])
		}
		return out
	},
	Init: func() any { return counterRange{} },
	Step: func(state, input, output any) (bool, any) {
		r := state.(counterRange)
		out, ok := output.(SessionOutput)
		if !ok {
			return true, counterRange{r.lo, r.hi + 1}
		}
		return out.Value >= r.lo+1 && out.Value <= r.hi+1, counterRange{out.Value, out.Value}
	},
	DescribeOperation: func(input, output any) string {
		if out, ok := output.(SessionOutput); ok {
			return input.(SessionInput).String() + " → " + strconv.Itoa(out.Value)
		}
		return input.(SessionInput).String() + " → ?"
	},
	DescribeState: func(state any) string {
		r := state.(counterRange)
		if r.lo == r.hi {
			return strconv.Itoa(r.lo)
		}
		return strconv.Itoa(r.lo) + ".." + strconv.Itoa(r.hi)
	},
}
