// Package clocks holds the logical-clock pages: Lamport Clock and Hybrid
// Clock. Three servers, blue, green and amber, keep a key-value store
// whose every event is stamped by the page's clock; a write is stored at
// its stamp and copied to the other servers, which keep the higher
// (stamp, server). Clients alice and bob carry the highest stamp they have
// seen to every server they call. The engine keeps the run's true causal
// order (hidden vector clocks), and the checks judge every stamp against
// it: a → b must mean C(a) < C(b).
package clocks

import (
	"math/rand/v2"
	"strconv"

	"clusterscope/engine"
	"clusterscope/patterns/kit"
)

// The broken variants, one per page.
const (
	// VarIgnoreIncoming: a Lamport server only ticks its own counter and
	// ignores the stamp a message carries.
	VarIgnoreIncoming = "ignore-incoming-timestamp"
	// VarRawWallClock: a hybrid server stamps with its physical clock as it
	// reads, ignoring the stamp a message carries and its own last stamp.
	VarRawWallClock = "raw-wall-clock"
)

const (
	pageLamport = "lamport-clock"
	pageHybrid  = "hybrid-clock"
)

const actSetClock = "set-clock"

// Widget titles.
const (
	WClock  = "clock"
	WStore  = "store"
	WCopies = "copies not yet acknowledged"
	WSeen   = "stamp"
)

// serverNames are the clock chapters' names.
var serverNames = []string{"blue", "green", "amber"}

func serverName(i int) string {
	if i < 0 || i >= len(serverNames) {
		return ""
	}
	return serverNames[i]
}

var clientActions = []kit.Action{
	{Name: opWrite, Label: "write", Target: kit.TargetClient, Params: []kit.Param{
		{Name: "key", Label: "key", Type: kit.ParamString, Default: "x"},
		{Name: "value", Label: "value", Type: kit.ParamString, Default: "A"},
		{Name: "node", Label: "on server", Type: kit.ParamNode},
	}},
	{Name: opRead, Label: "read", Target: kit.TargetClient, Params: []kit.Param{
		{Name: "key", Label: "key", Type: kit.ParamString, Default: "x"},
		{Name: "node", Label: "on server", Type: kit.ParamNode},
	}},
}

// LamportClock is the Lamport Clock page.
func LamportClock() *kit.Cluster {
	c := cluster(pageLamport)
	c.Variants = []kit.Variant{{Name: VarIgnoreIncoming, Label: "ignore the incoming timestamp",
		Description: "A server only ticks its own counter: it no longer takes the maximum with the stamp a client or another server sent. A server whose clock is behind stamps a write made after another one lower than it, and the replicas, which keep the higher stamp, drop the later write."}}
	c.Actions = append(c.Actions, kit.Action{Name: actSetClock, Label: "set the clock ahead", Target: kit.TargetNode, Params: []kit.Param{
		{Name: "value", Label: "to", Type: kit.ParamInt, Default: "20", Min: 1, Max: maxClockSet},
	}})
	c.Faults = []kit.FaultGen{clockAhead}
	c.Params = map[string]int{ParamFalseOrder: 0}
	c.Settings = []kit.Param{falseOrderSetting}
	c.ParamDocs = c.Settings
	return c
}

// HybridClock is the Hybrid Clock page.
func HybridClock() *kit.Cluster {
	c := cluster(pageHybrid)
	c.Variants = []kit.Variant{{Name: VarRawWallClock, Label: "raw wall-clock timestamps",
		Description: "A server stamps each event with its physical clock as it reads (and a counter within one millisecond), ignoring the stamp a message carries and its own last stamp. A server whose clock lags stamps an effect before its cause, and a clock stepped back stamps a later write below an earlier one."}}
	c.Faults = []kit.FaultGen{clockSkew}
	return c
}

func cluster(page string) *kit.Cluster {
	c := &kit.Cluster{
		Roles: []kit.Role{
			{Name: engine.RoleNode, Names: serverName},
			{Name: engine.RoleClient, Client: true, Count: kit.Fixed(2)},
		},
		Size: 3, MinNodes: 2, MaxNodes: len(serverNames),
		Actions: append([]kit.Action(nil), clientActions...),
		Build: func(engine.Config) engine.Model {
			return engine.Model{NewProcess: newProcess(page), Invariants: invariants(page), Causal: true}
		},
		Emphasis:  []string{WClock, WStore},
		Workload:  Workload,
		Settled:   Settled,
		NodeFacts: nodeFactSource, ClientFacts: clientFactSource,
		Smoke: kit.Smoke{Ready: `nodes.blue.status == "up"`, Commands: []engine.Command{
			{Kind: engine.CmdClient, Node: "alice", Name: opWrite, Args: map[string]string{"key": "x", "value": "A", "node": "blue"}},
		}},
	}
	c.MustLayout(c.Size)
	return c
}

func newProcess(page string) func(id string, role engine.Role) engine.Process {
	return func(id string, role engine.Role) engine.Process {
		if role == engine.RoleClient {
			return newClient(id)
		}
		return newServer(id, page)
	}
}

// Workload is one random client operation for sweeps: writes and reads
// of two keys on any server.
func Workload(r *rand.Rand, nodes, clients []string) engine.Command {
	c := engine.Command{Kind: engine.CmdClient, Node: clients[r.IntN(len(clients))],
		Args: map[string]string{"key": []string{"x", "y"}[r.IntN(2)], "node": nodes[r.IntN(len(nodes))]}}
	if r.IntN(3) > 0 {
		c.Name, c.Args["value"] = opWrite, strconv.Itoa(1+r.IntN(99))
	} else {
		c.Name = opRead
	}
	return c
}
