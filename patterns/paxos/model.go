package paxos

import (
	"fmt"
	"strconv"

	"github.com/anishathalye/porcupine"
)

// registerModel is the porcupine model of a register of write-once keys:
// the first proposal of a key to take effect decides it, and every answer
// for the key names that value. A proposal whose client gave up may take
// effect or not.
var registerModel = porcupine.Model{
	Partition: func(history []porcupine.Operation) [][]porcupine.Operation {
		var keys []string
		byKey := map[string][]porcupine.Operation{}
		for _, op := range history {
			k := op.Input.(Op).Key
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
		decided := state.(string)
		if decided == "" {
			decided = input.(Op).Value
		}
		res, ok := output.(Result)
		return !ok || res.Value == decided, decided
	},
	DescribeOperation: func(input, output any) string {
		if res, ok := output.(Result); ok {
			return fmt.Sprint(input) + " → " + strconv.Quote(res.Value)
		}
		return fmt.Sprint(input) + " → ?"
	},
	DescribeState: func(state any) string { return strconv.Quote(state.(string)) },
}
