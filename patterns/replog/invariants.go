package replog

import (
	"fmt"

	"clusterscope/engine"
)

// Invariant names (stable: scenarios and tests refer to them).
const (
	InvOneLeader       = "one-leader-per-generation"
	InvOneVote         = "one-vote-per-generation"
	InvGenMonotonic    = "generation-never-decreases"
	InvLogMatching     = "log-matching"
	InvCommittedStable = "committed-entries-stable"
	InvCommittedQuorum = "committed-on-majority"
	InvReadsCommitted  = "reads-see-committed"
	InvNoFalseSuspect  = "no-false-suspicion"
	InvElectionsSettle = "elections-settle"
	InvLeaderAppends   = "only-leader-appends"
	InvSuspectCrashed  = "crashed-leader-suspected"
	InvMarkMonotonic   = "mark-never-decreases"
	InvAppliedInMark   = "applied-within-mark"
	InvReadsLatest     = "reads-see-latest"
	InvLeaderComplete  = "leader-completeness"
)

// settleGenerations is how high generations may climb in a run without any
// fault before the elections are judged to be churning.
const settleGenerations = 6

// checkers builds fresh invariants for one run of cfg, in the order given.
func checkers(cfg engine.Config, names []string) []engine.Invariant {
	return newCheckers(cfg, names, false)
}

// newCheckers with full set re-reads every node every round (the slow,
// obvious way, which tests compare the incremental one against).
func newCheckers(cfg engine.Config, names []string, full bool) []engine.Invariant {
	t := &tracker{full: full, votes: map[string]map[int]string{}, leaders: map[int]string{}, committedVals: map[[2]string]struct{}{},
		committedIdx: map[[2]string]int{}, keyWrites: map[string][]int{}, writesSeen: map[reqKey]struct{}{}}
	net := engine.DefaultNet
	if cfg.Net != nil {
		net = *cfg.Net
	}
	t.maxDelay = net.MaxDelay()
	var out []engine.Invariant
	for _, name := range names {
		inv := engine.Invariant{Name: name}
		switch name {
		case InvOneLeader:
			inv.Description = "At most one node leads any generation."
			inv.Check = t.oneLeader
		case InvOneVote:
			inv.Description = "A node grants at most one vote per generation, across restarts."
			inv.Check = t.oneVote
		case InvGenMonotonic:
			inv.Description = "A node's generation never goes down, across restarts."
			inv.Check = t.genMonotonic
		case InvLogMatching:
			inv.Description = "Two logs with an entry of the same index and generation agree on every entry up to it."
			inv.Check = t.logMatching
		case InvCommittedStable:
			inv.Description = "An entry below a high-water mark never changes or disappears."
			inv.Check = t.committedStable
		case InvLeaderComplete:
			inv.Description = "Every leader holds every entry committed in an earlier generation."
			inv.Check = t.leaderComplete
		case InvCommittedQuorum:
			inv.Description = "An entry is on a majority of the nodes when it first counts as committed."
			inv.Check = t.committedQuorum
		case InvReadsCommitted:
			inv.Description = "A read returns only a value that was committed when it answered."
			inv.Check = t.readsCommitted
		case InvNoFalseSuspect:
			inv.Description = "While nothing has failed and the network keeps its delays, no follower suspects a live leader."
			inv.Check = t.noFalseSuspicion
		case InvElectionsSettle:
			inv.Description = fmt.Sprintf("While nothing has failed, elections settle: the generation stays below %d.", settleGenerations)
			inv.Check = t.electionsSettle
		case InvLeaderAppends:
			inv.Description = "A client's command enters a log only after the leader of the entry's generation appended it."
			inv.Check = t.leaderAppends
		case InvSuspectCrashed:
			inv.Description = "A crashed leader is given up by every live follower within election timeout + heartbeat interval + the network's longest delay (judged while clocks run true and messages are not held by hand)."
			inv.Check = t.suspectCrashed
			t.watchCrashes = true
		case InvMarkMonotonic:
			inv.Description = "A node's high-water mark never goes down (a restart starts it again from 0)."
			inv.Check = t.markMonotonic
		case InvAppliedInMark:
			inv.Description = "No node applies an entry above its high-water mark."
			inv.Check = t.appliedInMark
		case InvReadsLatest:
			inv.Description = "A read returns the latest value committed before the read began, or a later one."
			inv.Check = t.readsLatest
		case InvLowWaterOrder:
			inv.Description = "On every node: low-water mark ≤ the snapshot's last included index ≤ applied ≤ high-water mark (the log is cleaned only under a snapshot)."
			inv.Check = t.lowWaterOrder
		case InvStateMatchesLog:
			inv.Description = "A node's key-value state is what the committed entries up to its applied index produce (after a restart: its snapshot plus the log after it)."
			inv.Check = t.stateMatchesLog
		default:
			var ok bool
			if inv, ok = followerReadInvariant(name); !ok {
				panic("replog: unknown invariant " + name)
			}
		}
		out = append(out, inv)
	}
	return out
}
