package gossip

import (
	"testing"

	"clusterscope/patterns/kit/kittest"
	"clusterscope/patterns/sweep"
)

// no-restart-generation, swept alone, is exactly its named flaw: no
// invariant breaks (every node's stamps still only go forward: its peers
// ignore the restarted node's state rather than take it), and what a seed
// catches is the cluster not converging after the faults heal. The
// crash-or-restart generator makes most seeds restart a node that had run
// a while.
func TestVariantIsItsNamedFlaw(t *testing.T) {
	seeds := uint64(200)
	if testing.Short() {
		seeds = 40
	}
	f := kittest.NamedFlaw(t, GossipDissemination(), VarNoGeneration, seeds, sweep.SettledPrefix+"converged")
	if f.Caught*2 <= f.Seeds {
		t.Errorf("only %d of %d seeds catch %s: the sweep should find it on most", f.Caught, f.Seeds, VarNoGeneration)
	}
	t.Log(f)
}
