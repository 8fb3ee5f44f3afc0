// Package leaderless is a leaderless quorum key-value store (the book's
// quorum KV): every server is a replica, the server a client calls
// coordinates its request, and a write or read completes once a majority
// of replicas has answered. Its first page is the Request Waiting List:
// the coordinator keeps every message it sent under its own correlation
// id, all pointing at one quorum callback per client request, and expires
// the request when its deadline passes. The broken variant counts
// responses instead of distinct responders, so a duplicated ack completes
// a write that only one replica holds.
package leaderless

import (
	"math/rand/v2"
	"strconv"

	"clusterscope/engine"
	"clusterscope/patterns/kit"
)

// VarCountResponses is the broken variant: a request completes after
// quorum responses, whoever sent them.
const VarCountResponses = "count-responses"

// ParamExpiry is how long a coordinator waits for a quorum before it
// answers Timeout.
const ParamExpiry = "expiry-ms"

const defExpiry = 2000

var settings = []kit.Param{
	{Name: ParamExpiry, Label: "request expiry (ms): the coordinator answers Timeout when no quorum has answered by then", Type: kit.ParamInt, Default: strconv.Itoa(defExpiry), Min: 1, Max: 600_000},
}

var variants = []kit.Variant{{Name: VarCountResponses, Label: "count responses, not distinct responders",
	Description: "The coordinator keeps a message on its waiting list until the whole request completes and counts every response that finds it. A response the network delivers twice counts twice, so a write can be reported done when only one replica holds it."}}

var actions = []kit.Action{
	{Name: opSet, Label: "set (via athens)", Target: kit.TargetClient, Params: []kit.Param{
		{Name: "key", Label: "key", Type: kit.ParamString, Default: "title"},
		{Name: "value", Label: "value", Type: kit.ParamString, Default: "Microservices"},
	}},
	{Name: opGet, Label: "get", Target: kit.TargetClient, Params: []kit.Param{
		{Name: "key", Label: "key", Type: kit.ParamString, Default: "title"},
		{Name: "node", Label: "coordinated by", Type: kit.ParamNode},
	}},
}

// Widget titles.
const (
	WWaiting = "waiting list"
	WExpiry  = "expiry"
	WStore   = "store"
	WDone    = "completed"
	WCounts  = "requests"
)

// RequestWaitingList is the Request Waiting List page on the leaderless
// store.
func RequestWaitingList() *kit.Cluster {
	model := kit.KVModel
	c := &kit.Cluster{
		Roles: []kit.Role{
			{Name: engine.RoleNode},
			{Name: engine.RoleClient, Client: true, Count: kit.Fixed(2)},
		},
		Size: 3, MinNodes: 3, MaxNodes: 5,
		Params:    map[string]int{ParamExpiry: defExpiry},
		Settings:  settings,
		ParamDocs: settings,
		Variants:  variants,
		Actions:   actions,
		Build: func(cfg engine.Config) engine.Model {
			return engine.Model{NewProcess: processes(false), Invariants: invariants}
		},
		Porcupine: &model,
		Emphasis:  []string{WWaiting, WExpiry},
		Workload:  Workload,
		Settled:   Settled,
		Faults:    []kit.FaultGen{duplicateAcks},

		NodeFacts: nodeFactSource, ClientFacts: clientFactSource,
		Smoke: kit.Smoke{Ready: `nodes.athens.status == "up"`, Commands: []engine.Command{
			{Kind: engine.CmdClient, Node: "alice", Name: opSet, Args: map[string]string{"key": "title", "value": "Microservices"}},
		}},
	}
	return withLayout(c)
}

// withLayout sets the default layout's servers and clients.
func withLayout(c *kit.Cluster) *kit.Cluster {
	c.MustLayout(c.Size)
	return c
}

// processes builds the clients, and the servers as the page's store has
// them: with one write coordinator, or as the quorum KV.
func processes(kv bool) func(id string, role engine.Role) engine.Process {
	return func(id string, role engine.Role) engine.Process {
		if role == engine.RoleClient {
			return newClient(id)
		}
		return &Node{id: id, store: map[string]stored{}, kv: kv}
	}
}

// Workload is one random client operation for sweeps: sets (through
// athens) and gets (through any server) of two keys.
func Workload(r *rand.Rand, nodes, clients []string) engine.Command {
	return workload(r, nodes, clients, false)
}

// workload draws a client, a key, set or get, and the server that
// coordinates it: any server for a get, and for a set too in the quorum
// KV (setsAnywhere).
func workload(r *rand.Rand, nodes, clients []string, setsAnywhere bool) engine.Command {
	c := engine.Command{Kind: engine.CmdClient, Node: clients[r.IntN(len(clients))],
		Args: map[string]string{"key": []string{"x", "y"}[r.IntN(2)]}}
	if r.IntN(2) == 0 {
		c.Name, c.Args["value"] = opSet, strconv.Itoa(1+r.IntN(99))
		if !setsAnywhere {
			return c
		}
	} else {
		c.Name = opGet
	}
	c.Args["node"] = nodes[r.IntN(len(nodes))]
	return c
}
