package replog

import (
	"testing"

	"clusterscope/patterns/kit/kittest"
	"clusterscope/patterns/sweep"
)

// versionedCatch: where a sweep first catches the broken variant of the
// Versioned Value page. Seed 1, step 106: byzantium answers philip's read
// of B at v2 with the value a later transfer wrote.
var versionedCatch = map[string]kittest.Catch{
	VarOverwriteInPlace: {Seed: 1, Invariant: InvSnapshotRead},
}

// The Versioned Value page passes the kit's conformance harness.
func TestVersionedValueConformance(t *testing.T) {
	kittest.Run(t, VersionedValue(), kittest.Options{Pattern: "versioned-value", Caught: versionedCatch})
}

// Overwriting in place is its one named flaw: whenever a sweep catches
// it, the first thing to break is the snapshot read (a wrong report total
// comes only after a wrong read).
func TestVersionedVariantIsItsNamedFlaw(t *testing.T) {
	seeds := uint64(lessonSeeds)
	if testing.Short() {
		seeds = 40
	}
	kittest.NamedFlaw(t, VersionedValue(), VarOverwriteInPlace, seeds, InvSnapshotRead)
}

// The correct page's sweep reaches what the pattern is about: reports
// that finish while transfers run, a compaction held back by an open
// snapshot, and reads refused below a compaction.
func TestVersionedSweepReachesReportsAndCompaction(t *testing.T) {
	c := VersionedValue()
	reports, overlapped, compactions := 0, 0, 0
	for seed := uint64(1); seed <= 60; seed++ {
		r := sweep.Run(c, config(c, seed), sweep.Options{})
		if r.Failed {
			t.Fatal(r.String())
		}
		w := r.Sim.World()
		for _, id := range w.Members("client") {
			if cl, ok := w.Process(id).(*VersionedClient); ok {
				reports += cl.done
			}
		}
		for _, id := range w.Nodes() {
			if n := nodeOf(w, id); n != nil && n.mv != nil {
				compactions = max(compactions, n.mv.compactions)
				overlapped = max(overlapped, n.mv.held)
			}
		}
	}
	t.Logf("60 seeds: %d reports finished, most compactions on one node %d, most held back by a snapshot %d", reports, compactions, overlapped)
	if reports == 0 || compactions == 0 || overlapped == 0 {
		t.Fatalf("the sweep finished %d reports, ran %d compactions, held %d back by a snapshot: each should happen", reports, compactions, overlapped)
	}
}
