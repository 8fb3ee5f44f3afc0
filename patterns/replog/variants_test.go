package replog

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"

	"clusterscope/patterns/kit"
	"clusterscope/patterns/sweep"
)

// lessonCatch is what a page's lesson says each broken variant breaks: the
// invariant a sweep must report first on every seed that catches it.
// (also: further invariants a seed may report first, where the variant's
// one flaw breaks two promises at once.)
var lessonCatch = []struct {
	page    func() *kit.Cluster
	variant string
	first   string
	also    []string
}{
	{LeaderAndFollowers, VarForgetVote, InvOneVote, nil},
	{HeartBeat, VarSameTimeout, InvElectionsSettle, nil},
	{HeartBeat, VarShortTimeout, InvNoFalseSuspect, nil},
	{HeartBeat, VarAnyMessageResets, InvSuspectCrashed, nil},
	{GenerationClock, VarIgnoreGeneration, InvCommittedStable, nil},
	{GenerationClock, VarGenNotPersisted, InvGenMonotonic, nil},
	// Two halves of four both elect and both commit: which shows first
	// depends on the schedule.
	{MajorityQuorum, VarHalfQuorum, InvCommittedQuorum, []string{InvOneLeader, InvCommittedStable, InvLeaderComplete}},
	// A deposed leader's log end is also stale.
	{HighWaterMark, VarReadLogEnd, InvReadsCommitted, []string{InvReadsLatest}},
	{HighWaterMark, VarMarkOnAppend, InvCommittedQuorum, nil},
	{HighWaterMark, VarLeaderReadsApplied, InvReadsLatest, nil},
	// Figure 8: the leader elected over the counted entry lacks it.
	{ReplicatedLog, VarCommitByCounting, InvLeaderComplete, nil},
	{ReplicatedLog, VarSkipElectionNoop, sweep.SettledPrefix + "all-committed", nil},
	{ReplicatedLog, VarNoUpToDateCheck, InvLeaderComplete, nil},
	// The log is cleaned with no snapshot under it: caught at the cleaning,
	// before a restart shows the lost state (state-matches-log).
	{LowWaterMark, VarDiscardWithoutSnapshot, InvLowWaterOrder, nil},
	{LowWaterMark, VarNoInstallSnapshot, sweep.SettledPrefix + "caught-up", nil},
}

// lessonSeeds is how many seeds each variant is swept over alone.
const lessonSeeds = 300

// Each broken variant, run alone over 300 seeds, is exactly its named flaw:
// whenever a seed catches it, the first thing to break is the invariant its
// lesson names, and some seed does catch it.
func TestVariantsAreTheirNamedFlaw(t *testing.T) {
	if testing.Short() {
		t.Skip("300 seeds per variant; conformance checks each variant's declared seed")
	}
	for _, tc := range lessonCatch {
		t.Run(tc.variant, func(t *testing.T) {
			t.Parallel()
			c := tc.page()
			found := false
			for _, v := range c.Variants {
				found = found || v.Name == tc.variant
			}
			if !found {
				t.Fatalf("the page offers no variant %s", tc.variant)
			}
			firsts := map[string]int{}
			caught, firstSeed := 0, uint64(0)
			var wrong []string
			for seed := uint64(1); seed <= lessonSeeds; seed++ {
				r := sweep.Run(c, config(c, seed, tc.variant), sweep.Options{})
				if !r.Failed {
					continue
				}
				caught++
				firsts[r.Invariant]++
				if r.Invariant == tc.first && firstSeed == 0 {
					firstSeed = seed
				}
				if r.Invariant != tc.first && !slices.Contains(tc.also, r.Invariant) && len(wrong) < 3 {
					wrong = append(wrong, r.String())
				}
			}
			t.Logf("%s: caught on %d of %d seeds (first by %s: seed %d); first broken: %s", tc.variant, caught, lessonSeeds, tc.first, firstSeed, tally(firsts))
			if caught == 0 {
				t.Fatalf("no seed of %d caught %s", lessonSeeds, tc.variant)
			}
			if len(wrong) > 0 {
				t.Fatalf("%s broke something else first (want %s):\n%s", tc.variant, tc.first, strings.Join(wrong, "\n"))
			}
		})
	}
}

func tally(m map[string]int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s×%d", k, m[k]))
	}
	return strings.Join(parts, ", ")
}
