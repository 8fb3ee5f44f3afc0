package wire

import (
	"strconv"

	"github.com/anishathalye/porcupine"
)

// pipeState is the pipeline model's state: x's value and the sequence
// number of the last request that took effect.
type pipeState struct {
	Value string
	Seq   int
}

// PipelineModel is the promise of one ordered stream: alice's requests
// take effect one at a time in her order, each sequence number right after
// the one before (every request of hers is in the history, none fails),
// and a get reads what the last put before it in that order wrote. Alice's requests overlap in time, so without the
// order a plain key-value model would accept #3's write after #5's.
var PipelineModel = porcupine.Model{
	Init: func() any { return pipeState{} },
	Step: func(state, input, output any) (bool, any) {
		st, in := state.(pipeState), input.(Op)
		if in.Seq != st.Seq+1 {
			return false, st
		}
		next := pipeState{Value: st.Value, Seq: in.Seq}
		if in.Kind == opPut {
			next.Value = in.Value
			return true, next
		}
		out, ok := output.(Result)
		return !ok || out.Value == st.Value, next
	},
	DescribeOperation: func(input, output any) string {
		if r, ok := output.(Result); ok {
			return input.(Op).String() + " → " + r.String()
		}
		return input.(Op).String() + " → ?"
	},
	DescribeState: func(state any) string {
		st := state.(pipeState)
		return "x=" + strconv.Quote(st.Value) + " after #" + strconv.Itoa(st.Seq)
	},
}
