package replog

import (
	"testing"

	"clusterscope/patterns/kit/kittest"
	"clusterscope/patterns/sweep"
)

// versionedCatch: where a sweep first catches each broken variant of the
// Versioned Value page, and by what.
var versionedCatch = map[string]kittest.Catch{
	// step 106: byzantium answers philip's read of B at v2 with the value
	// a later transfer wrote
	VarOverwriteInPlace: {Seed: 1, Invariant: InvSnapshotRead},
	// step 494: a compaction below v26 while philip reads at v17
	VarCompactIgnoresSnapshots: {Seed: 6, Invariant: InvCompactionBelowSn},
}

// versionedFlaw is the invariant each broken variant's lesson names.
var versionedFlaw = map[string]string{
	VarOverwriteInPlace:        InvSnapshotRead,
	VarCompactIgnoresSnapshots: InvCompactionBelowSn,
}

// The Versioned Value page passes the kit's conformance harness.
func TestVersionedValueConformance(t *testing.T) {
	kittest.Run(t, VersionedValue(), kittest.Options{Pattern: "versioned-value", Caught: versionedCatch})
}

// Each broken variant is its one named flaw: whenever a sweep catches
// overwrite-in-place, the first thing to break is the snapshot read (a
// wrong report total comes only after a wrong read); compaction ignoring
// snapshots breaks its own check first (the read it spoils is refused,
// not answered wrong).
func TestVersionedVariantIsItsNamedFlaw(t *testing.T) {
	seeds := uint64(lessonSeeds)
	if testing.Short() {
		seeds = 40
	}
	c := VersionedValue()
	for _, v := range c.Variants {
		t.Run(v.Name, func(t *testing.T) { kittest.NamedFlaw(t, c, v.Name, seeds, versionedFlaw[v.Name]) })
	}
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
