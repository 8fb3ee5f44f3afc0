package replog

import (
	"math/rand/v2"
	"strconv"

	"clusterscope/engine"
	"clusterscope/patterns/kit"
)

// The six pages served by this cluster. Every page runs the same mechanism;
// they differ in node count, emphasis, broken variants and invariants.

// safety is checked on every page.
var safety = []string{InvOneLeader, InvOneVote, InvLeaderAppends, InvGenMonotonic, InvLogMatching, InvCommittedStable, InvLeaderComplete, InvCommittedQuorum, InvReadsCommitted, InvMarkMonotonic, InvAppliedInMark}

// LeaderAndFollowers: roles, elections, vote arrows, who led when.
func LeaderAndFollowers() *kit.Cluster {
	return page(3, 3, []string{WState, WVotes, WHeartbeat},
		[]kit.Variant{{Name: VarForgetVote, Label: "votedFor not persisted",
			Description: "A node keeps its vote only in memory. After a restart it can vote again in the same generation, and two candidates can both win it."}},
		safety, nil)
}

// HeartBeat: last-heard meters and timeouts, suspicion, message rate.
func HeartBeat() *kit.Cluster {
	c := page(3, 3, []string{WHeartbeat, WState},
		[]kit.Variant{
			{Name: VarShortTimeout, Label: "timeout below the heartbeat interval",
				Description: "Followers wait less than one heartbeat interval before suspecting the leader, so a healthy leader is suspected again and again and elections never end."},
			{Name: VarAnyMessageResets, Label: "any message counts as a heartbeat",
				Description: "A follower restarts its timeout on every message it receives, not only on the leader's. Clients retrying at a follower keep it trusting a leader that has crashed, and nobody takes over."},
			{Name: VarSameTimeout, Label: "same election timeout everywhere",
				Description: "Every node waits exactly the same time before it stands for election. Nodes that start together time out together, each votes for itself, nobody wins, and the same split vote repeats in every generation."},
		},
		append([]string{InvNoFalseSuspect, InvSuspectCrashed, InvElectionsSettle}, safety...),
		[]kit.Param{setting(ParamHeartbeat), setting(ParamElectionMin), setting(ParamElectionMax)})
	c.Faults = heartbeatFaults
	return c
}

// GenerationClock: the generation badge, stale requests refused, a paused
// old leader coming back.
func GenerationClock() *kit.Cluster {
	return page(3, 3, []string{WState, WLog},
		[]kit.Variant{
			{Name: VarIgnoreGeneration, Label: "followers don't check the generation",
				Description: "Followers accept replication requests from an older generation. A leader that was paused comes back and its appends overwrite entries the new leader already committed."},
			{Name: VarGenNotPersisted, Label: "generation not persisted",
				Description: "A node keeps its generation only in memory. After a restart it is back in generation 0, behind every other node."},
		},
		append([]string{InvGenMonotonic, InvCommittedStable}, without(safety, InvGenMonotonic, InvCommittedStable)...), nil)
}

// MajorityQuorum: quorum size, the two sides of a partition, which side can
// decide.
func MajorityQuorum() *kit.Cluster {
	c := page(5, 2, []string{WVotes, WMatch, WState},
		[]kit.Variant{{Name: VarHalfQuorum, Label: "quorum = ⌊N/2⌋",
			Description: "Half the cluster counts as a quorum. With four nodes split two and two, both halves elect a leader and both commit different entries at the same index."}},
		append([]string{InvOneLeader, InvCommittedStable, InvCommittedQuorum}, without(safety, InvOneLeader, InvCommittedStable, InvCommittedQuorum)...),
		[]kit.Param{setting(ParamQuorum)})
	return c
}

// HighWaterMark: aligned log strips, the mark, match indexes on the leader.
func HighWaterMark() *kit.Cluster {
	return page(3, 3, []string{WLog, WMatch, WStore},
		[]kit.Variant{
			{Name: VarReadLogEnd, Label: "reads served beyond the high-water mark",
				Description: "The leader answers reads at once from the end of its log, committed or not. A reader can see a value that a failover later throws away."},
			{Name: VarMarkOnAppend, Label: "mark advances on the leader's own append",
				Description: "The leader moves its high-water mark over an entry as soon as it appends it, before any follower holds it, and acknowledges the client. A crash of the leader then loses an acknowledged write."},
			{Name: VarLeaderReadsApplied, Label: "leader reads its applied state",
				Description: "The leader answers reads at once from the key-value state it applied, not through the log. A leader that was deposed without knowing it, or a new leader that has not applied everything yet, answers with a value that is no longer the latest."},
		},
		append([]string{InvReadsCommitted, InvReadsLatest, InvCommittedQuorum}, without(safety, InvReadsCommitted, InvCommittedQuorum)...), nil)
}

// ReplicatedLog: log matching, conflict truncation, apply order.
func ReplicatedLog() *kit.Cluster {
	c := page(5, 3, []string{WLog, WStore, WMatch},
		[]kit.Variant{
			{Name: VarCommitByCounting, Label: "commit older generations by counting",
				Description: "The leader advances the high-water mark to any index a majority holds, even an entry of an earlier generation. If it fails before an entry of its own generation reaches a majority, a later leader can overwrite an entry that was counted as committed (Raft's figure 8)."},
			{Name: VarSkipElectionNoop, Label: "no no-op at election",
				Description: "A new leader appends nothing of its own when it is elected. Entries of earlier generations then stay uncommitted until a client happens to write."},
			{Name: VarNoUpToDateCheck, Label: "vote without the up-to-date check",
				Description: "Nodes vote without comparing logs, so a node missing committed entries can win an election and overwrite them."},
		},
		append([]string{InvLogMatching, InvCommittedStable}, without(safety, InvLogMatching, InvCommittedStable)...), nil)
	c.Faults = noopFaults
	return c
}

func without(list []string, drop ...string) []string {
	var out []string
	for _, s := range list {
		keep := true
		for _, d := range drop {
			keep = keep && s != d
		}
		if keep {
			out = append(out, s)
		}
	}
	return out
}

// Actions offered on every page.
var actions = []kit.Action{
	{Name: "write", Label: "write", Target: kit.TargetClient, Params: []kit.Param{
		{Name: "key", Label: "key", Type: kit.ParamString, Default: "x"},
		{Name: "value", Label: "value", Type: kit.ParamString},
		{Name: "node", Label: "send to", Type: kit.ParamNode},
	}},
	{Name: "read", Label: "read", Target: kit.TargetClient, Params: []kit.Param{
		{Name: "key", Label: "key", Type: kit.ParamString, Default: "x"},
		{Name: "node", Label: "send to", Type: kit.ParamNode},
	}},
	{Name: "force-election", Label: "start an election", Target: kit.TargetNode},
}

// maxServers is the largest cluster a replicated-log page runs.
const maxServers = 7

// settings are every integer setting the cluster reads, with its range:
// the engine refuses a value outside it (a negative election timeout would
// otherwise reach the random draw and panic).
var settings = []kit.Param{
	{Name: ParamHeartbeat, Label: "heartbeat interval (ms)", Type: kit.ParamInt, Default: strconv.Itoa(defHeartbeat), Min: 1, Max: 600_000},
	{Name: ParamElectionMin, Label: "election timeout, min (ms)", Type: kit.ParamInt, Default: strconv.Itoa(defElectionMin), Min: 1, Max: 600_000},
	{Name: ParamElectionMax, Label: "election timeout, max (ms)", Type: kit.ParamInt, Default: strconv.Itoa(defElectionMax), Min: 1, Max: 600_000},
	{Name: ParamQuorum, Label: "quorum size (0 = majority)", Type: kit.ParamInt, Default: "0", Min: 0, Max: maxServers},
	{Name: ParamClientTimeout, Label: "client timeout (ms)", Type: kit.ParamInt, Default: strconv.Itoa(defClientTimeout), Min: 1, Max: 600_000},
}

func setting(name string) kit.Param {
	for _, p := range settings {
		if p.Name == name {
			return p
		}
	}
	panic("replog: no setting " + name)
}

// roles: the servers (as many as the page's size, named as in the book)
// and two clients, alice and bob.
var roles = []kit.Role{
	{Name: engine.RoleNode},
	{Name: engine.RoleClient, Client: true, Count: kit.Fixed(2)},
}

func page(nodes, minNodes int, emphasis []string, variants []kit.Variant, invariants []string, params []kit.Param) *kit.Cluster {
	model := kit.KVModel
	defaults := map[string]int{}
	for _, p := range settings {
		defaults[p.Name], _ = strconv.Atoi(p.Default)
	}
	c := &kit.Cluster{
		Roles:     roles,
		Size:      nodes,
		MinNodes:  minNodes,
		MaxNodes:  maxServers,
		Params:    defaults,
		Settings:  settings,
		ParamDocs: append(append([]kit.Param(nil), params...), setting(ParamClientTimeout)),
		Variants:  variants,
		Actions:   actions,
		Build: func(cfg engine.Config) engine.Model {
			return engine.Model{
				NewProcess: NewProcess,
				Invariants: func() []engine.Invariant { return checkers(cfg, invariants) },
			}
		},
		Porcupine: &model,
		Emphasis:  emphasis,
		Workload:  Workload,

		HistoryChecks: historyChecks, Settled: Settled,

		NodeFacts: nodeFactSource, ClientFacts: clientFactSource, ClusterFacts: clusterFactSource,
		Smoke: smoke,
	}
	c.MustLayout(nodes)
	return c
}

// smoke: once a leader is elected, alice writes through it and bob reads.
var smoke = kit.Smoke{Ready: `leader != ""`, Commands: []engine.Command{
	{Kind: engine.CmdClient, Node: "alice", Name: "write", Args: map[string]string{"key": "x", "value": "1"}},
	{Kind: engine.CmdClient, Node: "bob", Name: "read", Args: map[string]string{"key": "x"}},
}}

// NewProcess builds a server node or a client.
func NewProcess(id string, role engine.Role) engine.Process {
	if role == engine.RoleClient {
		return newClient(id)
	}
	return newNode(id)
}

// Workload is one random client operation for seed sweeps: a write (with a
// fresh value) or a read of one of three keys, from alice or bob, sent to
// the believed leader or now and then to a random node.
func Workload(r *rand.Rand, nodes, clients []string) engine.Command {
	c := engine.Command{Kind: engine.CmdClient, Node: clients[r.IntN(len(clients))], Args: map[string]string{"key": string(rune('x' + r.IntN(3)))}}
	if r.IntN(4) == 0 {
		c.Args["node"] = nodes[r.IntN(len(nodes))]
	}
	if r.IntN(2) == 0 {
		c.Name = "write"
		c.Args["value"] = strconv.Itoa(r.IntN(1_000_000))
	} else {
		c.Name = "read"
	}
	return c
}
