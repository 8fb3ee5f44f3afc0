package kit

import (
	"fmt"
	"strconv"

	"github.com/anishathalye/porcupine"
)

// KVModel is the porcupine model of a key-value store whose operations'
// inputs are KVInputs and whose reads' outputs are KVOutputs, split by key.
// A timed-out operation has no output: a read then matches any state, and
// a write may or may not have taken effect.
var KVModel = porcupine.Model{
	Partition: func(history []porcupine.Operation) [][]porcupine.Operation {
		byKey := map[string][]porcupine.Operation{}
		var keys []string
		for _, op := range history {
			k := op.Input.(KVInput).KVKey()
			if _, ok := byKey[k]; !ok {
				keys = append(keys, k)
			}
			byKey[k] = append(byKey[k], op)
		}
		out := make([][]porcupine.Operation, 0, len(keys))
		for _, k := range keys {
			out = append(out, byKey[k])
		}
		return out
	},
	Init: func() any { return "" },
	Step: func(state, input, output any) (bool, any) {
		if v, isWrite := input.(KVInput).KVWrite(); isWrite {
			return true, v
		}
		out, ok := output.(KVOutput)
		if !ok {
			return true, state
		}
		return out.KVRead() == state.(string), state
	},
	DescribeOperation: func(input, output any) string {
		text := fmt.Sprint(input)
		if _, isWrite := input.(KVInput).KVWrite(); isWrite {
			return text
		}
		if out, ok := output.(KVOutput); ok {
			return text + " → " + strconv.Quote(out.KVRead())
		}
		return text + " → ?"
	},
	DescribeState: func(state any) string { return strconv.Quote(state.(string)) },
}
