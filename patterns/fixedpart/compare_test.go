package fixedpart

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// Key ranges: twelve ranges dealt over N nodes, evened out over N+1 by
// moving the busiest node's newest range to the idlest.
func TestRangesMovedEvensOutWholeRanges(t *testing.T) {
	for _, c := range []struct{ keys, ranges, nodes, want int }{
		{120, 12, 3, 30}, // 4,4,4,0 → 3,3,3,3: three ranges of ten
		{120, 12, 4, 20}, // 3,3,3,3,0 → 3,3,2,2,2: two ranges
		{120, 12, 1, 60}, // 12,0 → 6,6
		{0, 12, 3, 0},
		{13, 12, 3, 4}, // range 11 holds two keys: 9, 10 and 11 move
		{5, 12, 0, 5},  // no node before: everything lands on the newcomer
	} {
		require.Equal(t, c.want, rangesMoved(c.keys, c.ranges, c.nodes), "%+v", c)
	}
}

// Hash mod N: a key moves when its node number changes; from one node to
// two, exactly the keys with an odd hash move.
func TestHashModNMovedCountsChangedHomes(t *testing.T) {
	keys := []string{"apple", "banana", "cherry", "damson", "elder", "fig", "grape", "hazel"}
	odd := 0
	for _, k := range keys {
		if hashOf(k)%2 == 1 {
			odd++
		}
	}
	require.Equal(t, odd, hashModNMoved(keys, 1))
	require.Equal(t, len(keys), hashModNMoved(keys, 0))
	require.Zero(t, hashModNMoved(nil, 3))
}
