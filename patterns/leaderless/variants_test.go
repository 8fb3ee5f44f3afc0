package leaderless

import (
	"testing"

	"clusterscope/patterns/kit/kittest"
)

// lessonSeeds is how many seeds the variant is swept over.
const lessonSeeds = 300

// count-responses, swept alone, is exactly its named flaw: whenever a seed
// catches it, the first thing to break is the lesson's invariant (Success
// without a majority of distinct replicas), and some seed does catch it.
func TestVariantsAreTheirNamedFlaw(t *testing.T) {
	seeds := uint64(lessonSeeds)
	if testing.Short() {
		seeds = 50
	}
	kittest.NamedFlaw(t, RequestWaitingList(), VarCountResponses, seeds, InvDistinctQuorum)
}
