package emergent

import (
	"testing"

	"clusterscope/patterns/kit/kittest"
)

// The broken variant, swept alone, is exactly its named flaw: whenever a
// seed catches it, the first thing to break is two acting coordinators
// (two owners of a partition come only after), and most seeds catch it.
func TestVariantIsItsNamedFlaw(t *testing.T) {
	seeds := uint64(200)
	if testing.Short() {
		seeds = 30
	}
	f := kittest.NamedFlaw(t, EmergentLeader(), VarNoMajorityCheck, seeds, InvOneCoordinator)
	if f.Caught*2 < f.Seeds {
		t.Errorf("caught on only %d of %d seeds", f.Caught, f.Seeds)
	}
}
