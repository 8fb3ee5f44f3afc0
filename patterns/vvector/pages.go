// Package vvector is the Version Vector page: a leaderless key-value store
// whose replicas keep, per key, every concurrent version (siblings), each
// with its version vector. Any replica coordinates a client's read or
// write; a write carries the vector of what its client last read, so the
// coordinator can tell a write that follows another from one made beside
// it. During a partition, writes to one key through coordinators on both
// sides become siblings; a read returns them all and the client merges
// them; after healing, read repair and anti-entropy bring every replica to
// the same versions. The broken variants pick a winner instead: by a
// wall-clock timestamp (last write wins) or by the sum of the counters.
package vvector

import (
	"math/rand/v2"
	"strconv"

	"clusterscope/engine"
	"clusterscope/patterns/kit"
)

// The broken variants: each replaces the rule by which one version
// replaces another.
const (
	VarLastWriteWins = "last-write-wins"
	VarCompareBySum  = "compare-by-sum"
)

// Settings.
const (
	ParamW           = "w"
	ParamR           = "r"
	ParamExpiry      = "expiry-ms"
	ParamAntiEntropy = "anti-entropy-ms"
)

const (
	defW           = 1
	defR           = 1
	defExpiry      = 1000
	defAntiEntropy = 250
)

var settings = []kit.Param{
	{Name: ParamW, Label: "W: replicas that must hold a write before the client is told Success (the coordinator counts as one)", Type: kit.ParamInt, Default: strconv.Itoa(defW), Min: 1, Max: 5},
	{Name: ParamR, Label: "R: replicas whose siblings a read waits for (the coordinator counts as one)", Type: kit.ParamInt, Default: strconv.Itoa(defR), Min: 1, Max: 5},
	{Name: ParamExpiry, Label: "request expiry (ms): the coordinator answers Timeout when too few replicas answered by then", Type: kit.ParamInt, Default: strconv.Itoa(defExpiry), Min: 10, Max: 600_000},
	{Name: ParamAntiEntropy, Label: "anti-entropy interval (ms): each replica sends all it holds to the next peer in turn", Type: kit.ParamInt, Default: strconv.Itoa(defAntiEntropy), Min: 20, Max: 600_000},
}

var variants = []kit.Variant{
	{Name: VarLastWriteWins, Label: "last write wins (by wall-clock timestamp)",
		Description: "A replica keeps one version per key: the one whose coordinator's clock read later. A concurrent write with an earlier stamp is discarded, though its client was told Success; with a clock running behind, even a write made after another loses."},
	{Name: VarCompareBySum, Label: "compare vectors by the sum of their counters",
		Description: "A version replaces another when its vector's counters add up to more. Concurrent vectors such as {athens:2} and {byzantium:1} then look ordered, and the smaller one is discarded."},
}

var actions = []kit.Action{
	{Name: opAdd, Label: "add an item (to what it last read)", Target: kit.TargetClient, Params: []kit.Param{
		{Name: "key", Label: "key", Type: kit.ParamString, Default: "cart"},
		{Name: "item", Label: "item", Type: kit.ParamString, Default: "milk"},
		{Name: "node", Label: "coordinated by", Type: kit.ParamNode},
	}},
	{Name: opGet, Label: "get (all siblings)", Target: kit.TargetClient, Params: []kit.Param{
		{Name: "key", Label: "key", Type: kit.ParamString, Default: "cart"},
		{Name: "node", Label: "coordinated by", Type: kit.ParamNode},
	}},
}

// Widget titles.
const (
	WVersions = "siblings"
	WAcross   = "versions across replicas"
	WCounts   = "requests"
	WContext  = "what it last read"
)

// VersionVector is the Version Vector page.
func VersionVector() *kit.Cluster {
	c := &kit.Cluster{
		Roles: []kit.Role{
			{Name: engine.RoleNode},
			{Name: engine.RoleClient, Client: true, Count: kit.Fixed(2)},
		},
		Size: 3, MinNodes: 3, MaxNodes: 5,
		Params:    map[string]int{ParamW: defW, ParamR: defR, ParamExpiry: defExpiry, ParamAntiEntropy: defAntiEntropy},
		Settings:  settings,
		ParamDocs: settings,
		Variants:  variants,
		Actions:   actions,
		Build: func(cfg engine.Config) engine.Model {
			return engine.Model{NewProcess: newProcess, Invariants: invariants, View: clusterView}
		},
		Emphasis: []string{WVersions, WAcross},
		Workload: Workload,
		Settled:  Settled,

		NodeFacts: nodeFactSource, ClientFacts: clientFactSource, ClusterFacts: clusterFactSource,
		Smoke: kit.Smoke{Ready: `nodes.athens.status == "up"`, Commands: []engine.Command{
			{Kind: engine.CmdClient, Node: "alice", Name: opAdd, Args: map[string]string{"key": "cart", "item": "milk", "node": "athens"}},
		}},
	}
	c.MustLayout(c.Size)
	return c
}

func newProcess(id string, role engine.Role) engine.Process {
	if role == engine.RoleClient {
		return newClient(id)
	}
	return newNode(id)
}

// Workload is one random client operation for sweeps: a get or an add of
// one of two keys, through any server.
func Workload(r *rand.Rand, nodes, clients []string) engine.Command {
	c := engine.Command{Kind: engine.CmdClient, Node: clients[r.IntN(len(clients))],
		Args: map[string]string{"key": []string{"x", "y"}[r.IntN(2)], "node": nodes[r.IntN(len(nodes))]}}
	if r.IntN(2) == 0 {
		c.Name, c.Args["item"] = opAdd, "i"+strconv.Itoa(1+r.IntN(99))
	} else {
		c.Name = opGet
	}
	return c
}
