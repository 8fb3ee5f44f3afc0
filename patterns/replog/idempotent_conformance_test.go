package replog

import (
	"testing"

	"clusterscope/patterns/kit/kittest"
	"clusterscope/patterns/sweep"
)

// sessionCatch: where a sweep first catches each broken variant of the
// Idempotent Receiver page (the first of seeds 1, 2, 3...), and by what.
var sessionCatch = map[string]kittest.Catch{
	VarNoDedup:           {Seed: 2, Invariant: InvAppliedOnce},
	VarLeaderMemoryTable: {Seed: 2, Invariant: InvAppliedOnce},
}

// The Idempotent Receiver page passes the kit's conformance harness (its
// own test, beside the other replog pages', so the pages merge apart).
func TestIdempotentReceiverConformance(t *testing.T) {
	t.Run("idempotent-receiver", func(t *testing.T) {
		kittest.Run(t, IdempotentReceiver(), kittest.Options{Pattern: "idempotent-receiver", Caught: sessionCatch})
	})
}

// Each broken variant is its one named flaw: over many seeds, whenever a
// sweep catches it, the first thing to break is applied-at-most-once.
func TestIdempotentVariantsAreTheirNamedFlaw(t *testing.T) {
	seeds := uint64(lessonSeeds)
	if testing.Short() {
		seeds = 40
	}
	c := IdempotentReceiver()
	for _, v := range c.Variants {
		t.Run(v.Name, func(t *testing.T) { kittest.NamedFlaw(t, c, v.Name, seeds, InvAppliedOnce) })
	}
}

// The correct page's sweep reaches the moments the pattern is about: a
// retry answered from the table, and a request refused because its
// session expired (the fault generators make both more common), with the
// history checked by porcupine.
func TestIdempotentSweepReachesRetriesAndExpiry(t *testing.T) {
	c := IdempotentReceiver()
	seeds := uint64(60)
	hits, expired, unchecked := 0, 0, 0
	for seed := uint64(1); seed <= seeds; seed++ {
		r := sweep.Run(c, config(c, seed), sweep.Options{})
		if r.Failed {
			t.Fatal(r.String())
		}
		if r.Unchecked != "" {
			unchecked++
		}
		w := r.Sim.World()
		for _, id := range w.Nodes() {
			if n := nodeOf(w, id); n != nil && n.sessions != nil {
				hits = max(hits, n.sessions.hits)
			}
		}
		for _, id := range w.Members("client") {
			if cl, ok := w.Process(id).(*SessionClient); ok {
				expired += cl.expired
			}
		}
	}
	t.Logf("%d seeds: %d refused for an expired session, most hits on one node %d, %d histories too uncertain for porcupine", seeds, expired, hits, unchecked)
	if hits == 0 || expired == 0 {
		t.Fatalf("the sweep never answered a retry from the table (%d) or never refused an expired session (%d)", hits, expired)
	}
	if unchecked > int(seeds)/10 {
		t.Errorf("%d of %d histories went unchecked", unchecked, seeds)
	}
}
