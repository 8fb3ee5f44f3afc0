package replog

import (
	"testing"

	"clusterscope/patterns/kit/kittest"
	"clusterscope/patterns/sweep"
)

// coreCatch: where a sweep first catches the Consistent Core's broken
// variant by its named invariant (found with clusterscope check).
var coreCatch = map[string]kittest.Catch{
	VarReadsNoCheck: {Seed: 6, Invariant: InvOneController},
}

// The Consistent Core page passes the kit's conformance harness.
func TestConsistentCoreConformance(t *testing.T) {
	kittest.Run(t, ConsistentCore(), kittest.Options{Pattern: "consistent-core", Caught: coreCatch})
}

// The broken variant is its one named flaw: whenever a sweep catches it,
// the first thing to break is one-controller (two data nodes act at once)
// or, on a seed where no second data node took /controller, the
// history's linearizability: the same stale answer, seen by porcupine
// alone.
func TestCoreVariantIsItsNamedFlaw(t *testing.T) {
	seeds := uint64(lessonSeeds)
	if testing.Short() {
		seeds = 40
	}
	f := kittest.NamedFlaw(t, ConsistentCore(), VarReadsNoCheck, seeds, InvOneController, sweep.Linearizability)
	if f.Firsts[InvOneController] == 0 {
		t.Fatalf("no seed of %d showed two controllers first: %s", seeds, f)
	}
}
