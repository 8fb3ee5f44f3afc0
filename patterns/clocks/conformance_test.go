package clocks

import (
	"testing"

	"clusterscope/patterns/kit/kittest"
)

func TestConformanceLamport(t *testing.T) {
	kittest.Run(t, LamportClock(), kittest.Options{Pattern: pageLamport, Caught: map[string]kittest.Catch{
		VarIgnoreIncoming: {Seed: 1, Invariant: InvClockCondition},
	}})
}

func TestConformanceHybrid(t *testing.T) {
	kittest.Run(t, HybridClock(), kittest.Options{Pattern: pageHybrid, Caught: map[string]kittest.Catch{
		VarRawWallClock: {Seed: 1, Invariant: InvClockCondition},
	}})
}
