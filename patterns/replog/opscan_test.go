package replog

import (
	"slices"
	"testing"

	"clusterscope/engine"
)

// opScan hands each operation to the check once, when it is no longer
// pending, in history order, and stops at a breach to go on after it at
// the next call: what the rescanning loop it replaced did.
func TestOpScanChecksEachFinishedOperationOnceInOrder(t *testing.T) {
	h := []engine.Operation{
		{ID: 0, Status: engine.OpOK},
		{ID: 1, Status: engine.OpPending},
		{ID: 2, Status: engine.OpOK},
		{ID: 3, Status: engine.OpPending},
	}
	var seen []int
	breachAt := -1
	check := func(op *engine.Operation) (string, []string) {
		seen = append(seen, op.ID)
		if op.ID == breachAt {
			return "breach", nil
		}
		return "", nil
	}
	var s opScan
	if text, _ := s.each(h, check); text != "" || !slices.Equal(seen, []int{0, 2}) {
		t.Fatalf("first call checked %v (%q), want [0 2]", seen, text)
	}
	seen = nil
	h[3].Status = engine.OpOK
	h[1].Status = engine.OpFail
	h = append(h, engine.Operation{ID: 4, Status: engine.OpOK}, engine.Operation{ID: 5, Status: engine.OpOK})
	breachAt = 3
	if text, _ := s.each(h, check); text != "breach" || !slices.Equal(seen, []int{1, 3}) {
		t.Fatalf("second call checked %v (%q), want [1 3] and the breach", seen, text)
	}
	seen = nil
	if text, _ := s.each(h, check); text != "" || !slices.Equal(seen, []int{4, 5}) {
		t.Fatalf("third call checked %v (%q), want [4 5]", seen, text)
	}
	seen = nil
	if text, _ := s.each(h, check); text != "" || len(seen) != 0 {
		t.Fatalf("a call with nothing new checked %v", seen)
	}
}
