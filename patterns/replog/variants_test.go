package replog

import (
	"testing"

	"clusterscope/patterns/kit"
	"clusterscope/patterns/kit/kittest"
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
			// An unknown variant is refused by the page's config: the test fails.
			kittest.NamedFlaw(t, tc.page(), tc.variant, lessonSeeds, tc.first, tc.also...)
		})
	}
}
