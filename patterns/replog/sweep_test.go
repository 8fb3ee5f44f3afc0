package replog

import (
	"testing"
	"time"

	"clusterscope/engine"
	"clusterscope/patterns/kit"
	"clusterscope/patterns/kit/kittest"
	"clusterscope/patterns/sweep"
)

var pages = []struct {
	id string
	c  func() *kit.Cluster
	// the invariants a sweep of each broken variant may report
	broken map[string][]string
}{
	{"leader-and-followers", LeaderAndFollowers, map[string][]string{VarForgetVote: {InvOneVote, InvOneLeader}}},
	{"heartbeat", HeartBeat, map[string][]string{
		VarShortTimeout:     {InvNoFalseSuspect, InvElectionsSettle},
		VarAnyMessageResets: {InvSuspectCrashed},
		VarSameTimeout:      {InvElectionsSettle},
	}},
	{"generation-clock", GenerationClock, map[string][]string{
		VarIgnoreGeneration: {InvCommittedStable, InvMarkMonotonic},
		VarGenNotPersisted:  {InvGenMonotonic},
	}},
	{"majority-quorum", MajorityQuorum, map[string][]string{VarHalfQuorum: {InvOneLeader, InvCommittedStable, InvLeaderComplete, InvCommittedQuorum}}},
	{"high-water-mark", HighWaterMark, map[string][]string{
		VarReadLogEnd:         {InvReadsCommitted, InvReadsLatest, sweep.Linearizability},
		VarMarkOnAppend:       {InvCommittedQuorum},
		VarLeaderReadsApplied: {InvReadsLatest, sweep.Linearizability},
	}},
	{"replicated-log", ReplicatedLog, map[string][]string{
		VarCommitByCounting: {InvLeaderComplete, InvCommittedStable, InvLogMatching},
		VarSkipElectionNoop: {sweep.SettledPrefix + "all-committed"},
		VarNoUpToDateCheck:  {InvLeaderComplete, InvCommittedStable, InvLogMatching},
	}},
	{"low-water-mark", LowWaterMark, map[string][]string{
		VarDiscardWithoutSnapshot: {InvLowWaterOrder},
		VarNoInstallSnapshot:      {sweep.SettledPrefix + "caught-up"},
	}},
}

func config(c *kit.Cluster, seed uint64, variants ...string) engine.Config {
	// Not c.Config: the incremental-check test runs variants a page does
	// not offer.
	cfg := engine.Config{Nodes: c.Nodes, Clients: c.Clients, Seed: seed, Params: c.Params, Variants: map[string]bool{}}
	for _, v := range variants {
		cfg.Variants[v] = true
	}
	return cfg
}

// The HWM of an even cluster is the element at N − quorum of the ascending
// match indexes; a quorum setting overrides the majority.
func TestQuorum(t *testing.T) {
	for _, tc := range []struct{ n, param, want int }{{1, 0, 1}, {3, 0, 2}, {4, 0, 3}, {5, 0, 3}, {4, 2, 2}} {
		if got := Quorum(tc.n, tc.param, false); got != tc.want {
			t.Errorf("Quorum(%d, %d) = %d, want %d", tc.n, tc.param, got, tc.want)
		}
	}
	if got := Quorum(4, 0, true); got != 2 {
		t.Errorf("half quorum of 4 = %d", got)
	}
}

// BenchmarkReplicatedLog5Nodes measures simulated events per second for the
// replicated-log page (5 nodes, every invariant on) under steady client
// load: a write or read every 2ms of virtual time.
func BenchmarkReplicatedLog5Nodes(b *testing.B) { benchReplicatedLog(b, nil) }

// BenchmarkReplicatedLog5NodesOnTheWire is the same with the wire's costs
// on: messages have sizes, and every link sends 1.25 MB/s (10 Mbit/s) with
// 20µs per message, so each message queues behind the one before it.
func BenchmarkReplicatedLog5NodesOnTheWire(b *testing.B) {
	net := engine.DefaultNet
	net.Bandwidth, net.PerMsg = 1_250_000, engine.Duration(20*time.Microsecond)
	benchReplicatedLog(b, &net)
}

func benchReplicatedLog(b *testing.B, net *engine.NetSettings) {
	c := ReplicatedLog()
	cfg := config(c, 1)
	cfg.Net = net
	s, err := engine.New(cfg, c.Model(cfg))
	if err != nil {
		b.Fatal(err)
	}
	kittest.WorkloadLoad(b, c, s, 2*time.Millisecond)
}
