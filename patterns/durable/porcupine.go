package durable

import "github.com/anishathalye/porcupine"

// KVModel is the porcupine model of the server's key-value store, split by
// key. A timed-out operation has no output: a read then matches any state,
// and a put may or may not have taken effect.
var KVModel = porcupine.Model{
	Partition: func(history []porcupine.Operation) [][]porcupine.Operation {
		byKey := map[string][]porcupine.Operation{}
		var keys []string
		for _, op := range history {
			k := op.Input.(KVInput).Key
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
		in := input.(KVInput)
		if in.Op == opPut {
			return true, in.Value
		}
		out, ok := output.(KVOutput)
		if !ok {
			return true, state
		}
		return out.Value == state.(string), state
	},
	DescribeOperation: func(input, output any) string {
		in := input.(KVInput)
		if out, ok := output.(KVOutput); ok && in.Op == opGet {
			return in.String() + " → " + out.String()
		}
		return in.String()
	},
	DescribeState: func(state any) string { return "\"" + state.(string) + "\"" },
}
