package clockbound

import (
	"testing"

	"clusterscope/patterns/kit/kittest"
)

func TestConformance(t *testing.T) {
	kittest.Run(t, ClockBoundWait(), kittest.Options{Pattern: "clock-bound-wait", Caught: map[string]kittest.Catch{
		VarNoWait: {Seed: 1, Invariant: InvExternal},
	}})
}
