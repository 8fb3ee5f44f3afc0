package paxos

import (
	"fmt"
	"strconv"

	"github.com/anishathalye/porcupine"

	"clusterscope/patterns/kit"
)

// registerModel is the porcupine model of a register of write-once keys:
// the first proposal of a key to take effect decides it, and every answer
// for the key names that value. A proposal whose client gave up may take
// effect or not.
var registerModel = porcupine.Model{
	Partition: kit.KVModel.Partition, // by key: Op is a kit.KVInput
	Init:      func() any { return "" },
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
