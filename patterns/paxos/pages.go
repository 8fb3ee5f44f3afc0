// Package paxos is single-decree Paxos per key, and a register of such
// keys: proposers (athens, byzantium) take clients' proposals and run two
// phases against the acceptors (cyrene, delphi, ephesus...), prepare and
// promise, then accept and accepted, on ballots that every acceptor
// orders the same way. A value is chosen once a majority of acceptors
// accepted it at one ballot; a promise carries what its acceptor
// accepted before, and a proposer must carry the highest of those
// forward, which is why a later ballot can never choose another value.
// Its broken variant drops one piece: the proposer proposes its own value
// whatever the promises say, and two values get chosen.
package paxos

import (
	"math/rand/v2"

	"clusterscope/engine"
	"clusterscope/patterns/kit"
)

// Roles of the processes.
const (
	RoleProposer engine.Role = "proposer"
	RoleAcceptor engine.Role = "acceptor"
)

// Broken variants.
const (
	VarIgnoreAccepted = "ignore-accepted-in-promise"
)

const opPropose = "propose"

var variants = []kit.Variant{
	{Name: VarIgnoreAccepted, Label: "ignore accepted values in promises",
		Description: "A proposer that has a majority of promises proposes its own value, even when a promise reported a value accepted at an earlier ballot. A value already chosen can then be replaced: two different values chosen for one key."},
}

var actions = []kit.Action{
	{Name: opPropose, Label: "propose", Target: kit.TargetClient, Params: []kit.Param{
		{Name: "key", Label: "key", Type: kit.ParamString, Default: "name"},
		{Name: "value", Label: "value", Type: kit.ParamString, Default: "alice"},
		{Name: "node", Label: "to proposer", Type: kit.ParamChoice, Choices: []string{"athens", "byzantium"}},
	}},
}

// Widget titles.
const (
	WAcceptor = "acceptor"
	WProposer = "proposer"
	WChosen   = "chosen"
	WDecided  = "decided"
)

// Paxos is the Paxos page: two proposers, three acceptors by default
// (three to seven), two clients.
func Paxos() *kit.Cluster {
	model := registerModel
	c := &kit.Cluster{
		Roles: []kit.Role{
			{Name: RoleProposer, Count: kit.Fixed(2)},
			{Name: RoleAcceptor, Names: func(i int) string { return kit.ServerName(i + 2) }},
			{Name: engine.RoleClient, Client: true, Count: kit.Fixed(2)},
		},
		Size: 3, MinNodes: 3, MaxNodes: 7,
		Variants: variants,
		Actions:  actions,
		Build: func(cfg engine.Config) engine.Model {
			return engine.Model{NewProcess: newProcess, Invariants: invariants, View: clusterView}
		},
		Porcupine: &model,
		Emphasis:  []string{WAcceptor, WProposer},
		Workload:  Workload,
		Settled:   Settled,

		NodeFacts: nodeFactSource, ClientFacts: clientFactSource, ClusterFacts: clusterFactSource,
		Smoke: kit.Smoke{Ready: `nodes.athens.status == "up"`, Commands: []engine.Command{
			{Kind: engine.CmdClient, Node: "alice", Name: opPropose, Args: map[string]string{"key": "name", "value": "alice"}},
		}},
	}
	c.MustLayout(c.Size)
	return c
}

func newProcess(id string, role engine.Role) engine.Process {
	switch role {
	case engine.RoleClient:
		return newClient(id)
	case RoleProposer:
		return newProposer(id)
	}
	return newAcceptor(id)
}

// Workload is one random proposal for sweeps: a few keys, so that the two
// proposers often work on the same one.
func Workload(r *rand.Rand, nodes, clients []string) engine.Command {
	return engine.Command{Kind: engine.CmdClient, Node: clients[r.IntN(len(clients))], Name: opPropose,
		Args: map[string]string{
			"key":   []string{"x", "y", "z"}[r.IntN(3)],
			"value": []string{"alice", "bob", "carol", "elanor"}[r.IntN(4)],
			"node":  []string{"athens", "byzantium"}[r.IntN(2)],
		}}
}
