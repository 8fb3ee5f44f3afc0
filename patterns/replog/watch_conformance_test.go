package replog

import (
	"testing"

	"clusterscope/patterns/kit/kittest"
)

// watchCatch: where a sweep first catches State Watch's broken variant by
// its named invariant (found with clusterscope check).
var watchCatch = map[string]kittest.Catch{
	VarRewatchNow: {Seed: 1, Invariant: InvWatchGapFree},
}

// The State Watch page passes the kit's conformance harness.
func TestStateWatchConformance(t *testing.T) {
	kittest.Run(t, StateWatch(), kittest.Options{Pattern: "state-watch", Caught: watchCatch})
}

// The broken variant is its one named flaw: whenever a sweep catches it,
// the first thing to break is watch-gap-free (the watcher re-registered
// past a change it never got), and most seeds catch it.
func TestWatchVariantIsItsNamedFlaw(t *testing.T) {
	seeds := uint64(lessonSeeds)
	if testing.Short() {
		seeds = 40
	}
	f := kittest.NamedFlaw(t, StateWatch(), VarRewatchNow, seeds, InvWatchGapFree)
	if 2*f.Caught < f.Seeds {
		t.Fatalf("only %d of %d seeds caught %s: the faults should drop the watcher's connection while changes happen", f.Caught, f.Seeds, VarRewatchNow)
	}
}
