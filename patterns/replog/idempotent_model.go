package replog

import (
	"strconv"

	"github.com/anishathalye/porcupine"
)

// CounterModel is the porcupine model of the Idempotent Receiver page's
// counters, split by counter: an increment answered v found the counter
// at v−1. A retried request is one operation (the client records one
// answer), so a request run twice leaves a gap no order explains. An
// unknown outcome (nil output) may have run once or not at all. Opening a
// session touches no counter.
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
	Init: func() any { return 0 },
	Step: func(state, input, output any) (bool, any) {
		next := state.(int) + 1
		out, ok := output.(SessionOutput)
		if !ok {
			return true, next
		}
		return out.Value == next, next
	},
	DescribeOperation: func(input, output any) string {
		if out, ok := output.(SessionOutput); ok {
			return input.(SessionInput).String() + " → " + strconv.Itoa(out.Value)
		}
		return input.(SessionInput).String() + " → ?"
	},
	DescribeState: func(state any) string { return strconv.Itoa(state.(int)) },
}
