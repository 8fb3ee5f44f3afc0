// Package updatequeue is the Singular Update Queue page: athens keeps a
// bank balance owned by one update thread fed by a bounded queue, so
// concurrent withdrawals are applied one at a time, in WAL order, without
// holding a lock across the disk wait. Its broken variant runs every
// request's handler in parallel, and two withdrawals that both read 100
// both succeed.
package updatequeue

import (
	"math/rand/v2"
	"strconv"
	"time"

	"clusterscope/engine"
	"clusterscope/patterns/kit"
)

// Settings.
const (
	ParamCapacity          = "queue-capacity"
	ParamClientTimeout     = "client-timeout-ms"
	ParamHeartbeat         = "heartbeat-ms"
	ParamHeartbeatTimeout  = "heartbeat-timeout-ms"
	ParamHeartbeatOffQueue = "heartbeats-off-queue"
	ParamExternalCall      = "external-call"
	ParamExternalCallMs    = "external-call-ms"
)

const (
	defCapacity         = 8
	defClientTimeout    = 2000
	defHeartbeat        = 100
	defHeartbeatTimeout = 400
	defExternalCallMs   = 30
)

var settings = []kit.Param{
	{Name: ParamCapacity, Label: "queue capacity (0 = unbounded; a full queue refuses with QUEUE_FULL)", Type: kit.ParamInt, Default: strconv.Itoa(defCapacity), Min: 0, Max: hardCap},
	{Name: ParamClientTimeout, Label: "client timeout (ms)", Type: kit.ParamInt, Default: strconv.Itoa(defClientTimeout), Min: 1, Max: 600_000},
	{Name: ParamHeartbeat, Label: "heartbeat interval (ms)", Type: kit.ParamInt, Default: strconv.Itoa(defHeartbeat), Min: 1, Max: 600_000},
	{Name: ParamHeartbeatTimeout, Label: "heartbeat timeout (ms)", Type: kit.ParamInt, Default: strconv.Itoa(defHeartbeatTimeout), Min: 1, Max: 600_000},
	{Name: ParamHeartbeatOffQueue, Label: "heartbeats answered off the queue (1 = yes)", Type: kit.ParamInt, Default: "0", Min: 0, Max: 1},
	{Name: ParamExternalCall, Label: "a withdrawal asks an external fraud check first; its answer is queued as a new task (1 = yes)", Type: kit.ParamInt, Default: "0", Min: 0, Max: 1},
	{Name: ParamExternalCallMs, Label: "fraud check latency (ms; each answer takes 0.5–1.5 × this)", Type: kit.ParamInt, Default: strconv.Itoa(defExternalCallMs), Min: 1, Max: 10_000},
}

func setting(name string) kit.Param {
	for _, p := range settings {
		if p.Name == name {
			return p
		}
	}
	panic("updatequeue: no setting " + name)
}

var clientNames = []string{"alice", "bob", "philip"}

func named(names ...string) func(int) string {
	return func(i int) string {
		if i < len(names) {
			return names[i]
		}
		return ""
	}
}

var variants = []kit.Variant{{Name: VarParallelHandlers, Label: "parallel handlers, no queue",
	Description: "Every request's handler runs at once, with no queue and no lock: each reads the balance, waits for its WAL write, then writes back what it read minus its amount. Two withdrawals that overlap both read the same balance, and one of the updates is lost."}}

var actions = []kit.Action{
	{Name: opWithdraw, Label: "withdraw", Target: kit.TargetClient, Params: []kit.Param{{Name: "amount", Label: "amount", Type: kit.ParamInt, Default: "70", Min: 1, Max: 1_000_000}}},
	{Name: opDeposit, Label: "deposit", Target: kit.TargetClient, Params: []kit.Param{{Name: "amount", Label: "amount", Type: kit.ParamInt, Default: "50", Min: 1, Max: 1_000_000}}},
	{Name: opBalance, Label: "read balance", Target: kit.TargetClient},
	{Name: "burst", Label: "fire N requests at once", Target: kit.TargetClient, Params: []kit.Param{{Name: "count", Label: "how many", Type: kit.ParamInt, Default: "5", Min: 1, Max: maxBurst}}},
}

// SingularUpdateQueue is the page: a bank account on athens (the "bank"
// setup) and the same server watched by byzantium's heartbeats (the
// "heartbeat" setup).
func SingularUpdateQueue() *kit.Cluster {
	bank := cluster(false)
	bank.Setups = []kit.Setup{
		{Name: "bank", Label: "a bank account", Cluster: bank},
		{Name: "heartbeat", Label: "with byzantium's heartbeats", Cluster: cluster(true)},
	}
	return bank
}

func cluster(heartbeat bool) *kit.Cluster {
	roles := []kit.Role{
		{Name: engine.RoleNode, Names: named("athens")},
		{Name: engine.RoleClient, Client: true, Count: kit.Fixed(len(clientNames)), Names: named(clientNames...)},
	}
	docs := []kit.Param{setting(ParamCapacity), setting(ParamClientTimeout), setting(ParamExternalCall), setting(ParamExternalCallMs)}
	if heartbeat {
		roles = append(roles, kit.Role{Name: rolePeer, Count: kit.Fixed(1), Names: named("byzantium")})
		docs = append(docs, setting(ParamHeartbeatOffQueue), setting(ParamHeartbeat), setting(ParamHeartbeatTimeout))
	}
	defaults := map[string]int{}
	for _, p := range settings {
		defaults[p.Name], _ = strconv.Atoi(p.Default)
	}
	model := BankModel
	c := &kit.Cluster{
		Roles: roles, Size: 1, MinNodes: 1, MaxNodes: 1,
		Params: defaults, Settings: settings, ParamDocs: docs,
		Variants: variants,
		Actions:  actions,
		Build: func(cfg engine.Config) engine.Model {
			return engine.Model{NewProcess: newProcess, Invariants: invariants, View: clusterView}
		},
		Porcupine: &model,
		// A fast LAN (0.5–1.5 ms): requests sent together reach athens
		// well within one disk wait of each other, so they contend.
		DefaultDelay: engine.NetSettings{MinDelay: engine.Duration(500 * time.Microsecond), MeanDelay: engine.Duration(time.Millisecond)},
		Emphasis:     []string{wQueue, wWorker},
		Workload:     Workload,
		Settled:      Settled,
		Faults:       []kit.FaultGen{kit.DiskFaults},

		NodeFacts: nodeFactSource, ClientFacts: clientFactSource, ClusterFacts: clusterFactSource,
		Smoke: kit.Smoke{Ready: `nodes.athens.status == "up"`, Commands: []engine.Command{
			{Kind: engine.CmdClient, Node: "alice", Name: opWithdraw, Args: map[string]string{"amount": "70"}},
			{Kind: engine.CmdClient, Node: "bob", Name: opWithdraw, Args: map[string]string{"amount": "50"}},
		}},
	}
	c.MustLayout(1)
	return c
}

func newProcess(id string, role engine.Role) engine.Process {
	switch role {
	case engine.RoleClient:
		return newClient(id)
	case rolePeer:
		return newPeer(id)
	}
	return newServer(id)
}

// Workload is one random client operation for sweeps. A quarter of them
// are bursts of concurrent withdrawals and deposits, so that requests
// overlap on athens (that is what the queue is for, and what the broken
// variant gets wrong).
func Workload(r *rand.Rand, nodes, clients []string) engine.Command {
	c := engine.Command{Kind: engine.CmdClient, Node: clients[r.IntN(len(clients))], Args: map[string]string{}}
	switch k := r.IntN(20); {
	case k < 5:
		c.Name, c.Args["count"] = "burst", strconv.Itoa(2+r.IntN(3))
	case k < 11:
		c.Name, c.Args["amount"] = opDeposit, strconv.Itoa(10*(1+r.IntN(6)))
	case k < 17:
		c.Name, c.Args["amount"] = opWithdraw, strconv.Itoa(10*(1+r.IntN(8)))
	default:
		c.Name = opBalance
	}
	return c
}
