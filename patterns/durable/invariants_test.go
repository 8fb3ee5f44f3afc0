package durable

import (
	"maps"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"clusterscope/engine"
	"clusterscope/patterns/kit"
	"clusterscope/patterns/sweep"
)

// durable-never-rewritten remembers entries past its first chunk too: an
// entry far into a long log, read again unchanged, passes, and rewritten
// under it, is reported.
func TestStableCheckCatchesARewriteDeepInTheLog(t *testing.T) {
	s := newRun(t)
	for i := 0; i < 2*stableChunk+10; i++ {
		put(t, s, []string{"alice", "bob"}[i%2], "k"+strconv.Itoa(i%8), strconv.Itoa(i))
		s.RunFor(time.Millisecond, 100)
	}
	require.Empty(t, s.Violations())
	n := s.World().Process("athens").(*Node)
	d := s.World().Disk("athens")
	var check stableCheck
	require.Empty(t, check.check("athens", n, d))
	require.Greater(t, check.seen, stableChunk+5)

	target := stableChunk + 5
	check.upto = target - 1 // as after a truncation back to target-1
	require.Empty(t, check.check("athens", n, d), "the same entries read again are no rewrite")

	seg := n.log.segs[n.log.find(target)]
	rec := &d.File(seg.name).Records()[target-seg.base]
	e := rec.Data.(Entry)
	e.Value = "rewritten"
	rec.Data = e
	require.Empty(t, check.check("athens", n, d), "an entry it already checked is not read again")
	check.upto = target - 1 // as after a truncation back to target-1
	text := check.check("athens", n, d)
	require.True(t, strings.Contains(text, "durable entry "+strconv.Itoa(target)+" was"), text)
}

// recovery-matches-state compares the two states by the keys written
// since they last agreed. After every step of faulty runs of each page and
// each broken variant (which make them differ), what it holds for equal
// must be what a comparison of every key says.
func TestRecoveryCheckTracksEquality(t *testing.T) {
	seeds := uint64(15)
	if testing.Short() {
		seeds = 4
	}
	differed := 0
	for _, page := range []func() *kit.Cluster{WriteAheadLog, SegmentedLog, LowWaterMarkSingleNode} {
		c := page()
		variants := []string{""}
		for _, v := range c.Variants {
			variants = append(variants, v.Name)
		}
		for _, variant := range variants {
			for seed := uint64(1); seed <= seeds; seed++ {
				probe := &replayCheck{}
				build := c.Build
				c.Build = func(cfg engine.Config) engine.Model {
					m := build(cfg)
					invs := m.Invariants
					m.Invariants = func() []engine.Invariant {
						return append(invs(), engine.Invariant{Name: "probe", Check: (&runningServers{}).each(func(id string, n *Node, d *engine.Disk) string {
							probe.check(id, n, d)
							if want := maps.Equal(n.kv, probe.kv); probe.same != want {
								t.Errorf("%s variant %q seed %d: the check holds equal=%v, a full comparison says %v", id, variant, seed, probe.same, want)
							} else if !want {
								differed++
							}
							return ""
						}, true)})
					}
					return m
				}
				var on []string
				if variant != "" {
					on = append(on, variant)
				}
				cfg, err := c.Config(0, seed, on...)
				require.NoError(t, err)
				sweep.Run(c, cfg, sweep.Options{KeepGoing: true, Faults: 3e9, Settle: 1e9})
				c.Build = build
			}
		}
	}
	require.Positive(t, differed, "the two states never differed: the comparison was not put to the test")
}
