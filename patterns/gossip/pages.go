// Package gossip is the Gossip Dissemination page: 8 to 200 peers, each
// holding a state map with one entry per member of the cluster: the
// member's generation, and per key (heartbeat, addr, rumour) a value and
// the version it was set at. Every gossip interval a node bumps its own
// heartbeat and opens an exchange with `fanout` random peers: it sends a
// digest, (generation, highest version) per member it knows; the peer
// answers with what it holds newer and asks for what the digest shows it
// lacks, and the opener sends that (push-pull, Cassandra's Syn, Ack and
// Ack2). News reaches every node in about log N rounds. A node restart
// bumps the node's generation, kept on its disk, so peers take its fresh
// state (versions from 1 again) over the old. A member whose heartbeat
// has not grown for a while is suspected, then declared dead, by each node
// on its own.
//
// Its broken variant keeps the generation across restarts: a restarted
// node's new state, stamped with low versions under the old generation,
// looks older than what its peers hold and is ignored.
package gossip

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"

	"clusterscope/engine"
	"clusterscope/patterns/kit"
)

// VarNoGeneration is the broken variant.
const VarNoGeneration = "no-restart-generation"

// Settings.
const (
	ParamInterval = "interval-ms"
	ParamFanout   = "fanout"
	ParamSuspect  = "suspect-ms"
	ParamDead     = "dead-ms"

	defInterval = 200
	defFanout   = 1
	defSuspect  = 2000
	defDead     = 5000
)

// Actions.
const (
	actRumour = "rumour"
)

// Widget titles.
const (
	WMembers = "state map"
	WSelf    = "gossip"
	WGrid    = "who knows the latest"
	WSpread  = "nodes that hold the latest rumour, per round"
	WBytes   = "gossip bytes per node per second"
	WCounts  = "cluster"
)

var settings = []kit.Param{
	{Name: ParamInterval, Label: "gossip interval (ms): each node starts an exchange this often", Type: kit.ParamInt, Default: strconv.Itoa(defInterval), Min: 10, Max: 10_000},
	{Name: ParamFanout, Label: "fanout: peers each node gossips with per round (at least 1)", Type: kit.ParamInt, Default: strconv.Itoa(defFanout), Min: 1, Max: 8},
	{Name: ParamSuspect, Label: "suspect a member after its heartbeat has not grown for (ms)", Type: kit.ParamInt, Default: strconv.Itoa(defSuspect), Min: 50, Max: 600_000},
	{Name: ParamDead, Label: "declare it dead after (ms)", Type: kit.ParamInt, Default: strconv.Itoa(defDead), Min: 50, Max: 600_000},
}

var actions = []kit.Action{
	{Name: actRumour, Label: "start a rumour here", Target: kit.TargetNode, Params: []kit.Param{
		{Name: "value", Label: "rumour", Type: kit.ParamString, Default: "hello"},
	}},
}

var variants = []kit.Variant{
	{Name: VarNoGeneration, Label: "no generation bump on restart",
		Description: "A restarting node keeps the generation it had and counts its versions from 1 again. Its peers hold its old state at the same generation with higher versions, so they take the new state (a new address) for old news and ignore it: the cluster never learns it, and the node's heartbeat, ignored too, gets it declared dead while it is up."},
}

// DissemSizes: the page runs 8 to 200 peers, 20 by default.
const (
	minNodes = 8
	defNodes = 20
	maxNodes = 200
)

// GossipDissemination is the Gossip Dissemination page.
func GossipDissemination() *kit.Cluster {
	c := &kit.Cluster{
		Size: defNodes, MinNodes: minNodes, MaxNodes: maxNodes,
		Params:    map[string]int{ParamInterval: defInterval, ParamFanout: defFanout, ParamSuspect: defSuspect, ParamDead: defDead},
		Settings:  settings,
		ParamDocs: settings,
		Actions:   actions,
		Variants:  variants,
		Refuse:    refuse,
		Build: func(engine.Config) engine.Model {
			return engine.Model{NewProcess: func(id string, _ engine.Role) engine.Process { return newNode(id) }, Invariants: invariants}
		},
		Settled:   Settled,
		Faults:    []kit.FaultGen{startRumour, crashAWhile},
		Emphasis:  []string{WGrid, WSpread, WSelf},
		NodeFacts: nodeFactSource, ClusterFacts: clusterFactSource,
		Smoke: kit.Smoke{Ready: `nodes.athens.status == "up"`, Commands: []engine.Command{
			{Kind: engine.CmdAction, Node: "athens", Name: actRumour, Args: map[string]string{"value": "hello"}},
		}},
	}
	c.MustLayout(c.Size)
	return c
}

// refuse: a member must be suspected before it is declared dead, and not
// before a few rounds could have brought its heartbeat.
func refuse(p map[string]int, _ int) error {
	interval, suspect, dead := p[ParamInterval], p[ParamSuspect], p[ParamDead]
	if suspect < 2*interval {
		return fmt.Errorf("%s (%d) must be at least two gossip intervals (2 × %d ms): a heartbeat needs rounds to travel", ParamSuspect, suspect, interval)
	}
	if dead < suspect {
		return fmt.Errorf("%s (%d) must not be shorter than %s (%d): a member is suspected before it is declared dead", ParamDead, dead, ParamSuspect, suspect)
	}
	return nil
}

func interval(get func(string, int) int) time.Duration {
	return time.Duration(get(ParamInterval, defInterval)) * time.Millisecond
}

// startRumour starts a rumour at a random node that is up: the news the
// sweep then watches spread.
var startRumour = kit.FaultGen{Name: "start-rumour", Draw: func(r *rand.Rand, w *engine.World) (engine.Command, bool) {
	nodes := w.Nodes()
	id := nodes[r.IntN(len(nodes))]
	if w.Status(id) != engine.StatusUp {
		return engine.Command{}, false
	}
	return engine.Command{Kind: engine.CmdAction, Node: id, Name: actRumour,
		Args: map[string]string{"value": []string{"hello", "joined", "moved", "tokens"}[r.IntN(4)] + strconv.Itoa(r.IntN(100))}}, true
}}

// crashAWhile crashes a node that has run a while, or restarts one that
// is down: a restart after a long run is where generations matter.
var crashAWhile = kit.FaultGen{Name: "crash-or-restart", Draw: func(r *rand.Rand, w *engine.World) (engine.Command, bool) {
	nodes := w.Nodes()
	id := nodes[r.IntN(len(nodes))]
	switch w.Status(id) {
	case engine.StatusUp:
		return engine.Command{Kind: engine.CmdCrash, Node: id}, true
	case engine.StatusCrashed:
		return engine.Command{Kind: engine.CmdRestart, Node: id}, true
	}
	return engine.Command{}, false
}}
