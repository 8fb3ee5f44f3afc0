package replog

import (
	"testing"

	"github.com/anishathalye/porcupine"
)

func incrOp(client, call, ret int, out any) porcupine.Operation {
	return porcupine.Operation{ClientId: client, Input: SessionInput{Op: opIncr, Counter: "c", Session: 1}, Call: int64(call), Output: out, Return: int64(ret)}
}

// The counter model accepts each answer that some order of single
// increments explains, an unknown outcome counting as run or not, and
// rejects a request run twice.
func TestCounterModel(t *testing.T) {
	v := func(n int) any { return SessionOutput{Value: n} }
	const never = 1 << 62
	for _, tc := range []struct {
		name string
		ops  []porcupine.Operation
		ok   bool
	}{
		{"one after another", []porcupine.Operation{incrOp(0, 1, 2, v(1)), incrOp(1, 3, 4, v(2))}, true},
		{"concurrent, either order", []porcupine.Operation{incrOp(0, 1, 4, v(2)), incrOp(1, 2, 3, v(1))}, true},
		{"run twice: 1 then 3", []porcupine.Operation{incrOp(0, 1, 2, v(1)), incrOp(0, 3, 4, v(3))}, false},
		{"an unknown that ran", []porcupine.Operation{incrOp(0, 1, never, nil), incrOp(1, 2, 3, v(2))}, true},
		{"an unknown that did not run", []porcupine.Operation{incrOp(0, 1, never, nil), incrOp(1, 2, 3, v(1))}, true},
		{"an unknown runs at most once", []porcupine.Operation{incrOp(0, 1, never, nil), incrOp(1, 2, 3, v(3))}, false},
		{"a value seen cannot be unseen", []porcupine.Operation{incrOp(0, 1, 2, v(2)), incrOp(1, 3, 4, v(2))}, false},
	} {
		if got := porcupine.CheckOperations(CounterModel, tc.ops); got != tc.ok {
			t.Errorf("%s: linearizable = %v, want %v", tc.name, got, tc.ok)
		}
	}
}
