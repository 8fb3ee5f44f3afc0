package vvector

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func sib(value, node string, n int, ctx VV, stamp int) Sibling {
	return Sibling{Value: value, Dot: Dot{Node: node, N: n}, Ctx: ctx, Stamp: time.Duration(stamp) * time.Millisecond}
}

func dots(sibs []Sibling) []string {
	var out []string
	for _, s := range sibs {
		out = append(out, s.Dot.String())
	}
	return out
}

// The three rules on the same versions: milk {athens:2} (stamped 10 ms),
// eggs {byzantium:1} (stamped 20 ms), neither writer having read the
// other's; and bread, whose writer read milk.
func TestEachRuleDecidesWhatReplacesWhat(t *testing.T) {
	milk := sib("milk", "athens", 2, VV{"athens": 1}, 10)
	eggs := sib("eggs", "byzantium", 1, VV{}, 20)
	bread := sib("bread", "cyrene", 1, VV{"athens": 2}, 5)

	kept, dropped := byContext.merge([]Sibling{milk}, []Sibling{eggs})
	require.Equal(t, []string{"athens:2", "byzantium:1"}, dots(kept), "concurrent: both stay")
	require.Empty(t, dropped)
	kept, _ = byContext.merge([]Sibling{milk, eggs}, []Sibling{bread, milk})
	require.Equal(t, []string{"byzantium:1", "cyrene:1"}, dots(kept), "bread's writer read milk; a copy of milk changes nothing")

	kept, _ = byStamp.merge([]Sibling{milk}, []Sibling{eggs})
	require.Equal(t, []string{"byzantium:1"}, dots(kept), "the later stamp wins")
	kept, _ = byStamp.merge([]Sibling{milk}, []Sibling{bread})
	require.Equal(t, []string{"athens:2"}, dots(kept), "even over a write that had read it, when its clock is behind")

	kept, dropped = bySum.merge([]Sibling{milk}, []Sibling{eggs})
	require.Equal(t, []string{"athens:2"}, dots(kept), "2 > 1 looks newer")
	require.Equal(t, []string{"byzantium:1"}, dots(dropped))
}

// Two writes through one server without a fresh read: athens:1 and
// athens:2 with empty contexts. By the full vectors {athens:2} dominates
// {athens:1}; by the dots they are concurrent.
func TestDotsTellTwoWritesThroughOneServerApart(t *testing.T) {
	a1 := sib("milk", "athens", 1, VV{}, 0)
	a2 := sib("eggs", "athens", 2, VV{}, 0)
	require.True(t, a2.Vector().Covers(a1.Dot))
	kept, _ := byContext.merge([]Sibling{a1}, []Sibling{a2})
	require.Len(t, kept, 2)
}

// The siblings-are-concurrent check names a replica keeping a version
// beside one whose writer had read it, and nothing else.
func TestReplacedKeptIsNamed(t *testing.T) {
	milk := sib("milk", "athens", 1, VV{}, 0)
	eggs := sib("eggs", "byzantium", 1, VV{}, 0)
	bread := sib("bread", "cyrene", 1, VV{"athens": 1}, 0)
	require.Empty(t, replacedKept("cyrene", []Sibling{milk, eggs}))
	require.Equal(t, "cyrene keeps milk {athens:1} beside bread {athens:1, cyrene:1}, whose writer had read it",
		replacedKept("cyrene", []Sibling{milk, bread}))
}
