package channel

import (
	"testing"

	"clusterscope/patterns/kit/kittest"
)

// caught is where a sweep first catches the broken variant, and by which
// invariant: the seed is the first of 1, 2, 3... that does.
var caught = map[string]kittest.Catch{
	VarConnPerRequest: {Seed: 1, Invariant: InvApplyOrder},
}

func TestConformance(t *testing.T) {
	kittest.Run(t, SingleSocketChannel(), kittest.Options{Pattern: "single-socket-channel", Caught: caught})
}
