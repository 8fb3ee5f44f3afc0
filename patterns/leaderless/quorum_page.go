package leaderless

import (
	"math/rand/v2"
	"strconv"

	"clusterscope/engine"
	"clusterscope/patterns/kit"
)

func onOff(label string, def int) kit.Param {
	return kit.Param{Label: label + " (1 on, 0 off)", Type: kit.ParamInt, Default: strconv.Itoa(def), Min: 0, Max: 1}
}

func quorumSettingsDocs() []kit.Param {
	rr := onOff("read repair: a read whose answers disagree writes the newest value back to W replicas before it answers", 1)
	rr.Name = ParamReadRepair
	sloppy := onOff("sloppy quorum: a home replica silent for 40ms is replaced by the next server on the ring", 0)
	sloppy.Name = ParamSloppy
	handoff := onOff("hinted handoff: a stand-in hands the writes it took back to their home replica", 1)
	handoff.Name = ParamHandoff
	return []kit.Param{
		{Name: ParamN, Label: "N: home replicas of each key", Type: kit.ParamInt, Default: strconv.Itoa(defN), Min: 1, Max: 7},
		{Name: ParamW, Label: "W: replicas a write waits for", Type: kit.ParamInt, Default: strconv.Itoa(defWR), Min: 1, Max: 7},
		{Name: ParamR, Label: "R: replicas a read waits for", Type: kit.ParamInt, Default: strconv.Itoa(defWR), Min: 1, Max: 7},
		rr, sloppy, handoff,
		settings[0],
	}
}

var quorumActions = []kit.Action{
	{Name: opSet, Label: "set", Target: kit.TargetClient, Params: []kit.Param{
		{Name: "key", Label: "key", Type: kit.ParamString, Default: "x"},
		{Name: "value", Label: "value", Type: kit.ParamString, Default: "1"},
		{Name: "node", Label: "coordinated by", Type: kit.ParamNode},
	}},
	{Name: opGet, Label: "get", Target: kit.TargetClient, Params: []kit.Param{
		{Name: "key", Label: "key", Type: kit.ParamString, Default: "x"},
		{Name: "node", Label: "coordinated by", Type: kit.ParamNode},
	}},
}

// roleReplica is the quorum KV's server role.
const roleReplica engine.Role = "replica"

// Widget titles of the quorum KV.
const (
	WReplica  = "replica"
	WHints    = "hints"
	WQuorums  = "last write and read"
	WGivesUp  = "what these settings give up"
	WSettings = "N, W, R"
)

// QuorumKV is Majority Quorum on the leaderless store: any replica
// coordinates, each key lives on N of the servers, a write waits for W of
// them and a read for R. With R + W > N, read repair on and a strict
// quorum its history is linearizable; R + W ≤ N, or read repair off, are
// expected to fail porcupine, and the page says so.
func QuorumKV() *kit.Cluster {
	docs := quorumSettingsDocs()
	model := kit.KVModel
	c := &kit.Cluster{
		Roles: []kit.Role{
			// Declared, so that a crashed replica keeps its place in the
			// picture (a view role alone goes with the view).
			{Name: roleReplica},
			{Name: engine.RoleClient, Client: true, Count: kit.Fixed(2)},
		},
		Size: 5, MinNodes: 3, MaxNodes: 7,
		Params: map[string]int{ParamN: defN, ParamW: defWR, ParamR: defWR, ParamReadRepair: 1, ParamSloppy: 0, ParamHandoff: 1,
			ParamExpiry: defExpiry},
		Settings:  docs,
		ParamDocs: docs,
		Refuse:    refuse,
		Actions:   quorumActions,
		Build: func(cfg engine.Config) engine.Model {
			return engine.Model{NewProcess: processes(true), Invariants: invariants, View: quorumView}
		},
		Porcupine: &model,
		Emphasis:  []string{WReplica, WQuorums},
		Workload:  QuorumWorkload,
		Settled:   SettledKV,
		Faults:    []kit.FaultGen{incompleteWrite},

		NodeFacts: kvNodeFactSource, ClientFacts: clientFactSource, ClusterFacts: quorumFactSource,
		Smoke: kit.Smoke{Ready: `nodes.athens.status == "up"`, Commands: []engine.Command{
			{Kind: engine.CmdClient, Node: "alice", Name: opSet, Args: map[string]string{"key": "x", "value": "1", "node": "byzantium"}},
		}},
	}
	return withLayout(c)
}

// QuorumWorkload is one random client operation for sweeps: sets and gets
// of two keys, each through any server.
func QuorumWorkload(r *rand.Rand, nodes, clients []string) engine.Command {
	return workload(r, nodes, clients, true)
}

// incompleteWrite drops the next write messages a server sends, so that
// its next write reaches fewer replicas than it waits for and fails: the
// write some reads see and others do not. Random drops rarely hit a
// write's messages and nothing else.
var incompleteWrite = kit.FaultGen{Name: "incomplete-write", Draw: func(r *rand.Rand, w *engine.World) (engine.Command, bool) {
	nodes := w.Members(roleReplica)
	if len(nodes) == 0 {
		return engine.Command{}, false
	}
	return engine.Command{Kind: engine.CmdDropNext, From: nodes[r.IntN(len(nodes))], MsgKind: "SetValueRequest", Count: 1 + r.IntN(len(nodes))}, true
}}
