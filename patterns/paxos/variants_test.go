package paxos

import (
	"testing"

	"clusterscope/patterns/kit/kittest"
)

// lessonSeeds is how many seeds the variant is swept over.
const lessonSeeds = 200

// ignore-accepted-in-promise, swept alone, is exactly its named flaw:
// whenever a seed catches it, the first thing to break is one-value-chosen,
// and some seed does catch it.
func TestVariantIsItsNamedFlaw(t *testing.T) {
	seeds := uint64(lessonSeeds)
	if testing.Short() {
		seeds = 40
	}
	kittest.NamedFlaw(t, Paxos(), VarIgnoreAccepted, seeds, InvOneValueChosen)
}
