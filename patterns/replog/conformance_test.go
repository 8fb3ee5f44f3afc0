package replog

import (
	"testing"

	"clusterscope/patterns/kit/kittest"
	"clusterscope/patterns/sweep"
)

// caught is where a sweep first catches each broken variant, and by which
// invariant: the seed is the first of 1, 2, 3... that does.
var caught = map[string]kittest.Catch{
	VarForgetVote:         {Seed: 21, Invariant: InvOneVote},
	VarSameTimeout:        {Seed: 1, Invariant: InvElectionsSettle},
	VarShortTimeout:       {Seed: 1, Invariant: InvNoFalseSuspect},
	VarAnyMessageResets:   {Seed: 26, Invariant: InvSuspectCrashed},
	VarIgnoreGeneration:   {Seed: 3, Invariant: InvCommittedStable},
	VarGenNotPersisted:    {Seed: 1, Invariant: InvGenMonotonic},
	VarHalfQuorum:         {Seed: 1, Invariant: InvCommittedQuorum},
	VarReadLogEnd:         {Seed: 1, Invariant: InvReadsCommitted},
	VarMarkOnAppend:       {Seed: 1, Invariant: InvCommittedQuorum},
	VarLeaderReadsApplied: {Seed: 20, Invariant: InvReadsLatest},
	VarNoUpToDateCheck:    {Seed: 2, Invariant: InvLeaderComplete},
	VarCommitByCounting:   {Seed: 5, Invariant: InvLeaderComplete},
	VarSkipElectionNoop:   {Seed: 6, Invariant: sweep.SettledPrefix + "all-committed"},
	// the first snapshot of any node (step 152)
	VarDiscardWithoutSnapshot: {Seed: 1, Invariant: InvLowWaterOrder},
	// cyrene left below athens's low-water mark (settled at step 1140)
	VarNoInstallSnapshot: {Seed: 1, Invariant: sweep.SettledPrefix + "caught-up"},
}

// Each of the six pages passes the kit's conformance harness.
func TestConformance(t *testing.T) {
	for _, p := range pages {
		t.Run(p.id, func(t *testing.T) {
			c := p.c()
			opt := kittest.Options{Pattern: p.id, Caught: map[string]kittest.Catch{}}
			for _, v := range c.Variants {
				opt.Caught[v.Name] = caught[v.Name]
			}
			kittest.Run(t, c, opt)
		})
	}
}
