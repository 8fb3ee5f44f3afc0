package durable

import (
	"math/rand/v2"
	"strconv"

	"clusterscope/engine"
	"clusterscope/patterns/kit"
)

// WriteAheadLog is the Write-Ahead Log page: one file, fsync policy and
// group commit, recovery by replay.
func WriteAheadLog() *kit.Cluster {
	return page(map[string]int{ParamSegmentEntries: 0},
		[]string{WLog, WDisk, WKV},
		[]kit.Variant{
			{Name: VarAckBeforeFsync, Label: "acknowledge before fsync",
				Description: "The server applies and acknowledges a put as soon as it is written to the page cache, and fsyncs later. A crash in between loses a write the client was told is done."},
			{Name: VarApplyBeforeLogging, Label: "apply before logging",
				Description: "The server changes its key-value state first and writes the log after. Readers see a value no log holds yet; a crash then rebuilds a different state than the clients saw."},
		},
		[]string{InvAckedDurable, InvRecoveryMatches, InvContiguous, InvDurableStable, InvTornTruncated},
		[]kit.Param{setting(ParamGroupCommit), setting(ParamGroupCommitMs), setting(ParamSegmentEntries)},
		[]kit.FaultGen{kit.DiskFaults, crashUnsynced, tearThenCrash, restartCrashed})
}

// SegmentedLog is the Segmented Log page: segments named by base index, a
// snapshot and the cleaner that deletes whole segments below the mark.
func SegmentedLog() *kit.Cluster {
	return page(map[string]int{ParamSegmentEntries: 4, ParamSnapshotEvery: 0},
		[]string{WDisk, WCleaning, WLog},
		[]kit.Variant{
			{Name: VarDeleteByBase, Label: "cleaner deletes by base index",
				Description: "The cleaner deletes a sealed segment when its first index is at or below the low-water mark, instead of its last. A segment that still holds entries above the mark disappears with them."},
		},
		[]string{InvAckedDurable, InvReadable, InvContiguous, InvOnlyActive, InvTornTruncated, InvRecoveryMatches, InvDurableStable},
		[]kit.Param{setting(ParamSegmentEntries), setting(ParamSnapshotEvery), setting(ParamGroupCommit)},
		[]kit.FaultGen{kit.DiskFaults, snapshotThenRestart, tearThenCrash, restartCrashed})
}

// LowWaterMarkSingleNode is the single-node setup of the Low-Water Mark
// page (registered by the page's own package): snapshots move the mark and
// the cleaner discards the segments below it.
func LowWaterMarkSingleNode() *kit.Cluster {
	return page(map[string]int{ParamSegmentEntries: 4, ParamSnapshotEvery: 0},
		[]string{WState, WDisk, WLog},
		[]kit.Variant{
			{Name: VarDiscardWithoutSnapshot, Label: "discard without a snapshot",
				Description: "The server moves its low-water mark to the last applied entry and the cleaner deletes the segments below it, but no snapshot holds the state those entries built. A restart replays what is left and rebuilds a state with keys missing."},
		},
		[]string{InvMarkOrder, InvRecoveryMatches, InvAckedDurable, InvReadable, InvContiguous, InvTornTruncated},
		[]kit.Param{setting(ParamSnapshotEvery), setting(ParamSegmentEntries)},
		[]kit.FaultGen{kit.DiskFaults, snapshotThenRestart, restartCrashed})
}

var actions = []kit.Action{
	{Name: "write", Label: "put", Target: kit.TargetClient, Params: []kit.Param{
		{Name: "key", Label: "key", Type: kit.ParamString, Default: "title"},
		{Name: "value", Label: "value", Type: kit.ParamString},
	}},
	{Name: "read", Label: "get", Target: kit.TargetClient, Params: []kit.Param{
		{Name: "key", Label: "key", Type: kit.ParamString, Default: "title"},
	}},
	{Name: actionSnapshot, Label: "take a snapshot", Target: kit.TargetNode},
}

// roles: one server, athens, and two clients, alice and bob.
var roles = []kit.Role{
	{Name: engine.RoleNode, Count: kit.Fixed(1)},
	{Name: engine.RoleClient, Client: true, Count: kit.Fixed(2)},
}

func page(params map[string]int, emphasis []string, variants []kit.Variant, invariants []string, docs []kit.Param, faults []kit.FaultGen) *kit.Cluster {
	defaults := map[string]int{}
	for _, p := range settings {
		defaults[p.Name], _ = strconv.Atoi(p.Default)
	}
	for k, v := range params {
		defaults[k] = v
	}
	model := kit.KVModel
	c := &kit.Cluster{
		Roles: roles, Size: 1, MinNodes: 1, MaxNodes: 1,
		Params: defaults, Settings: settings, ParamDocs: append(docs, setting(ParamClientTimeout)),
		Variants: variants, Actions: actions,
		Build: func(cfg engine.Config) engine.Model {
			return engine.Model{
				NewProcess: newProcess,
				Invariants: func() []engine.Invariant { return checkers(invariants) },
				View:       PowerCutView,
			}
		},
		Porcupine: &model, Emphasis: emphasis, Workload: workload,
		HistoryChecks: []kit.HistoryCheck{kit.ReadYourWrites, kit.MonotonicReads},
		Settled:       Settled, Faults: faults,
		NodeFacts: nodeFactSource, ClientFacts: clientFactSource,
		Smoke: smoke,
	}
	// Segment defaults shown on the page follow the page.
	for i, p := range c.ParamDocs {
		if v, ok := params[p.Name]; ok {
			c.ParamDocs[i].Default = strconv.Itoa(v)
		}
	}
	c.MustLayout(1)
	return c
}

func newProcess(id string, role engine.Role) engine.Process {
	if role == engine.RoleClient {
		return newClient(id)
	}
	return newNode(id)
}

// smoke: once athens has recovered, alice puts and bob gets.
var smoke = kit.Smoke{Ready: `nodes.athens.up`, Commands: []engine.Command{
	{Kind: engine.CmdClient, Node: "alice", Name: "write", Args: map[string]string{"key": "title", "value": "Microservices"}},
	{Kind: engine.CmdClient, Node: "bob", Name: "read", Args: map[string]string{"key": "title"}},
}}

// workload: puts (two in three) and gets of three keys, from alice or bob.
func workload(r *rand.Rand, nodes, clients []string) engine.Command {
	c := engine.Command{Kind: engine.CmdClient, Node: clients[r.IntN(len(clients))], Args: map[string]string{"key": string(rune('x' + r.IntN(3)))}}
	if r.IntN(3) < 2 {
		c.Name = "write"
		c.Args["value"] = strconv.Itoa(r.IntN(1_000_000))
	} else {
		c.Name = "read"
	}
	return c
}
