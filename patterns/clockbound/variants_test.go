package clockbound

import (
	"testing"

	"clusterscope/patterns/kit/kittest"
)

// The broken variant, swept alone, is exactly its named flaw: whenever a
// seed catches it, a stale read is what breaks first. And the pattern's
// own fault generator (the story, drawn on purpose) makes most seeds
// catch it: a random schedule alone found it on 8 seeds of 200.
func TestVariantIsItsNamedFlaw(t *testing.T) {
	seeds := uint64(200)
	if testing.Short() {
		seeds = 60
	}
	f := kittest.NamedFlaw(t, ClockBoundWait(), VarNoWait, seeds, InvExternal)
	if f.Caught*2 <= f.Seeds {
		t.Errorf("only %d of %d seeds catch %s: the sweep should find it on most", f.Caught, f.Seeds, VarNoWait)
	}
}
