package clockbound

import (
	"testing"

	"clusterscope/patterns/kit/kittest"
)

// The broken variant, swept alone, is exactly its named flaw: whenever a
// seed catches it, a stale read is what breaks first.
func TestVariantIsItsNamedFlaw(t *testing.T) {
	seeds := uint64(200)
	if testing.Short() {
		seeds = 60
	}
	kittest.NamedFlaw(t, ClockBoundWait(), VarNoWait, seeds, InvExternal)
}
