// Package channel is the Single-Socket Channel page: athens streams its
// log to each follower over one long-lived connection, numbering the
// frames, resending from the last acknowledged one after a reset, with
// heartbeats and an idle timeout on the channel. Its broken variant opens
// a connection per request: frames overtake each other and a follower
// applies them out of order.
package channel

import (
	"math/rand/v2"
	"strconv"
	"time"

	"clusterscope/engine"
	"clusterscope/patterns/kit"
)

// Roles: athens leads, the others follow.
const (
	roleLeader   engine.Role = "leader"
	roleFollower engine.Role = "follower"
)

// VarConnPerRequest is the broken variant.
const VarConnPerRequest = "connection-per-request"

// Settings.
const (
	ParamHeartbeat     = "heartbeat-ms"
	ParamIdleTimeout   = "idle-timeout-ms"
	ParamSnapshotKB    = "snapshot-kb"
	ParamClientTimeout = "client-timeout-ms"
)

const (
	defHeartbeat     = 100
	defIdleTimeout   = 1000
	defSnapshotKB    = 500
	defClientTimeout = 2000
)

// actSnapshot is athens's action: a huge frame on a follower's channel.
const actSnapshot = "snapshot"

var settings = []kit.Param{
	{Name: ParamHeartbeat, Label: "heartbeat interval on the channel (ms)", Type: kit.ParamInt, Default: strconv.Itoa(defHeartbeat), Min: 10, Max: 60_000},
	{Name: ParamIdleTimeout, Label: "idle timeout: silence after which a channel is closed and the peer treated as failed (ms; about 10 heartbeats)", Type: kit.ParamInt, Default: strconv.Itoa(defIdleTimeout), Min: 10, Max: 600_000},
	{Name: ParamSnapshotKB, Label: "snapshot size (KB; the links send 100 KB/s)", Type: kit.ParamInt, Default: strconv.Itoa(defSnapshotKB), Min: 1, Max: 100_000},
	{Name: ParamClientTimeout, Label: "client timeout (ms)", Type: kit.ParamInt, Default: strconv.Itoa(defClientTimeout), Min: 1, Max: 600_000},
}

var variants = []kit.Variant{{Name: VarConnPerRequest, Label: "a connection per request",
	Description: "athens opens a new connection for every frame and heartbeat instead of keeping one per follower. Each connection is ordered, but different connections are not ordered with each other: a later frame can overtake an earlier one, and the follower, with no order check, applies them in the order they arrive."}}

// followerNames are the followers of the largest cluster, in order (a
// smaller one refuses the names it lacks).
var followerNames = func() []string {
	var names []string
	for i := 1; i < maxNodes; i++ {
		names = append(names, kit.ServerName(i))
	}
	return names
}()

const maxNodes = 7

var actions = []kit.Action{
	{Name: opWrite, Label: "write", Target: kit.TargetClient, Params: []kit.Param{
		{Name: "key", Label: "key", Type: kit.ParamString, Default: "x"},
		{Name: "value", Label: "value", Type: kit.ParamString, Default: "1"},
	}},
	{Name: opRead, Label: "read at a follower", Target: kit.TargetClient, Params: []kit.Param{
		{Name: "key", Label: "key", Type: kit.ParamString, Default: "x"},
		{Name: "at", Label: "follower", Type: kit.ParamChoice, Choices: followerNames},
	}},
	{Name: actSnapshot, Label: "send a huge frame (snapshot)", Target: kit.TargetNode, Params: []kit.Param{
		{Name: "to", Label: "to", Type: kit.ParamChoice, Choices: followerNames},
	}},
}

// Wire is the page's network: a LAN with jitter (1–19 ms) whose links send
// 100 KB/s, so a 500 KB snapshot holds a channel for five seconds.
var Wire = engine.NetSettings{MinDelay: engine.Duration(time.Millisecond), MeanDelay: engine.Duration(10 * time.Millisecond), Bandwidth: 100_000}

// SingleSocketChannel is the page's cluster.
func SingleSocketChannel() *kit.Cluster {
	defaults := map[string]int{}
	for _, p := range settings {
		defaults[p.Name], _ = strconv.Atoi(p.Default)
	}
	model := kit.KVModel
	c := &kit.Cluster{
		Roles: []kit.Role{
			{Name: roleLeader, Count: kit.Fixed(1), Names: kit.ServerName},
			{Name: roleFollower, Count: func(n int) int { return n - 1 }, Names: func(i int) string { return kit.ServerName(i + 1) }},
			{Name: engine.RoleClient, Client: true, Count: kit.Fixed(2)},
		},
		Size: 3, MinNodes: 2, MaxNodes: maxNodes,
		Params: defaults, Settings: settings, ParamDocs: settings,
		Variants: variants,
		Actions:  actions,
		Build: func(cfg engine.Config) engine.Model {
			return engine.Model{NewProcess: newProcess, Invariants: invariants, View: clusterView}
		},
		Porcupine:    &model,
		DefaultDelay: Wire,
		Emphasis:     []string{wChannels},
		Workload:     Workload,
		Settled:      Settled,
		Faults:       []kit.FaultGen{kit.ConnResets},

		NodeFacts: nodeFactSource, ClientFacts: clientFactSource, ClusterFacts: clusterFactSource,
		Smoke: kit.Smoke{Ready: `nodes.athens.status == "up"`, Commands: []engine.Command{
			{Kind: engine.CmdClient, Node: "alice", Name: opWrite, Args: map[string]string{"key": "x", "value": "1"}},
			{Kind: engine.CmdClient, Node: "alice", Name: opRead, Args: map[string]string{"key": "x", "at": "byzantium"}},
		}},
	}
	c.MustLayout(c.Size)
	return c
}

func newProcess(id string, role engine.Role) engine.Process {
	if role == engine.RoleClient {
		return newClient(id)
	}
	return newNode(id, role)
}

// Workload is one random client operation for sweeps: mostly writes of
// two keys, so that frames follow each other closely, and reads at a
// random follower.
func Workload(r *rand.Rand, nodes, clients []string) engine.Command {
	c := engine.Command{Kind: engine.CmdClient, Node: clients[r.IntN(len(clients))], Args: map[string]string{"key": []string{"x", "y"}[r.IntN(2)]}}
	if r.IntN(3) > 0 || len(nodes) < 2 {
		c.Name, c.Args["value"] = opWrite, strconv.Itoa(1+r.IntN(99))
		return c
	}
	c.Name, c.Args["at"] = opRead, nodes[1+r.IntN(len(nodes)-1)]
	return c
}
