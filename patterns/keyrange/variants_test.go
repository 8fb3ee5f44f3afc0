package keyrange

import (
	"testing"

	"clusterscope/patterns/kit/kittest"
)

// The broken variant, swept alone, is exactly its named flaw: whenever a
// seed catches it, a key stored outside its range is what breaks first
// (before porcupine or the scan check see the lost write). Clients learn
// of a split only when refused, so their tables are usually stale and most
// seeds catch it.
func TestVariantIsItsNamedFlaw(t *testing.T) {
	seeds := uint64(200)
	if testing.Short() {
		seeds = 40
	}
	f := kittest.NamedFlaw(t, KeyRangePartitions(), VarNoEpochCheck, seeds, InvKeyInRange)
	if f.Caught*2 <= f.Seeds {
		t.Errorf("only %d of %d seeds catch %s: the sweep should find it on most", f.Caught, f.Seeds, VarNoEpochCheck)
	}
}

// The second variant breaks at the first split whose split key is stored:
// the lower half keeps it outside its range, and key-in-own-range names it
// at once, before a read misses it.
func TestInclusiveBoundaryIsItsNamedFlaw(t *testing.T) {
	seeds := uint64(200)
	if testing.Short() {
		seeds = 40
	}
	f := kittest.NamedFlaw(t, KeyRangePartitions(), VarInclusiveBoundary, seeds, InvKeyInRange)
	if f.Caught*2 <= f.Seeds {
		t.Errorf("only %d of %d seeds catch %s: the sweep should find it on most", f.Caught, f.Seeds, VarInclusiveBoundary)
	}
}
