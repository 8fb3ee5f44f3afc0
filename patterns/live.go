package patterns

import (
	"clusterscope/patterns/channel"
	"clusterscope/patterns/clockbound"
	"clusterscope/patterns/clocks"
	"clusterscope/patterns/durable"
	"clusterscope/patterns/emergent"
	"clusterscope/patterns/fixedpart"
	"clusterscope/patterns/gossip"
	"clusterscope/patterns/keyrange"
	"clusterscope/patterns/kit"
	"clusterscope/patterns/leaderless"
	"clusterscope/patterns/paxos"
	"clusterscope/patterns/replog"
	"clusterscope/patterns/twopc"
	"clusterscope/patterns/updatequeue"
	"clusterscope/patterns/vvector"
	"clusterscope/patterns/wire"
)

// live maps each built pattern's id to its cluster. Adding a pattern is one
// line here plus its own package.
func live() map[string]*kit.Cluster {
	return map[string]*kit.Cluster{
		"leader-and-followers":  replog.LeaderAndFollowers(),
		"heartbeat":             replog.HeartBeat(),
		"generation-clock":      replog.GenerationClock(),
		"majority-quorum":       majorityQuorum(),
		"high-water-mark":       replog.HighWaterMark(),
		"replicated-log":        replog.ReplicatedLog(),
		"write-ahead-log":       durable.WriteAheadLog(),
		"segmented-log":         durable.SegmentedLog(),
		"low-water-mark":        lowWaterMark(),
		"singular-update-queue": updatequeue.SingularUpdateQueue(),
		"single-socket-channel": channel.SingleSocketChannel(),
		"idempotent-receiver":   replog.IdempotentReceiver(),
		"request-waiting-list":  requestWaitingList(),
		"follower-reads":        replog.FollowerReads(),
		"request-pipeline":      wire.RequestPipeline(),
		"request-batch":         wire.RequestBatch(),
		"paxos":                 paxos.Paxos(),
		"version-vector":        vvector.VersionVector(),
		"lamport-clock":         clocks.LamportClock(),
		"hybrid-clock":          clocks.HybridClock(),
		"versioned-value":       replog.VersionedValue(),
		"clock-bound-wait":      clockbound.ClockBoundWait(),
		"fixed-partitions":      fixedpart.FixedPartitions(),
		"key-range-partitions":  keyrange.KeyRangePartitions(),
		"two-phase-commit":      twopc.TwoPhaseCommit(),
		"emergent-leader":       emergent.EmergentLeader(),
		"gossip-dissemination":  gossip.GossipDissemination(),
		"consistent-core":       replog.ConsistentCore(),
		"state-watch":           replog.StateWatch(),
	}
}

// lowWaterMark is the replicated log's page with the same idea on one
// server beside it: two mechanisms, one page.
func lowWaterMark() *kit.Cluster {
	replicated := replog.LowWaterMark()
	replicated.Setups = []kit.Setup{
		{Name: "replicated", Label: "on a replicated log", Cluster: replicated},
		{Name: "single-node", Label: "on one server", Cluster: durable.LowWaterMarkSingleNode()},
	}
	return replicated
}

// requestWaitingList is the leaderless store's page with the replicated
// log beside it: the same list keyed by correlation id on one, by log
// index on the other.
func requestWaitingList() *kit.Cluster {
	page := leaderless.RequestWaitingList()
	page.Setups = []kit.Setup{
		{Name: "leaderless", Label: "on a leaderless store", Cluster: page},
		{Name: "log", Label: "on a replicated log", Cluster: replog.RequestWaitingListOnLog()},
	}
	return page
}

// majorityQuorum is the replicated log's page with a leaderless quorum KV
// beside it: a majority that decides an order of entries, and N/W/R
// quorums of copies that only overlap.
func majorityQuorum() *kit.Cluster {
	page := replog.MajorityQuorum()
	page.Setups = []kit.Setup{
		{Name: "log", Label: "on a replicated log", Cluster: page},
		{Name: "quorum-kv", Label: "on a leaderless store (N, W, R)", Cluster: leaderless.QuorumKV()},
	}
	return page
}
