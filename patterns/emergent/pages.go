// Package emergent is the Emergent Leader page. Peers keep a membership
// list in join order: the seed (athens) starts the cluster with age 1, and
// each node that joins later is given the next age by the coordinator. The
// coordinator is no one elected: every node takes the oldest member it
// hears from for coordinator, and the node that finds itself oldest acts
// as one. It lets joiners in, marks members down when they go quiet, and
// gives out a fixed number of partitions, publishing each change as a new
// membership version. When it dies, the next oldest takes over without a
// vote. The majority check is what keeps a network split from making two
// coordinators: a node acts only while more than half of the members
// endorse it (answer its heartbeats as their coordinator, and promise not
// to endorse another for a while). The broken variant drops that check, and
// in a 2 | 3 split each side runs its own coordinator, which hands the
// other side's partitions out again: two owners for one partition.
package emergent

import (
	"fmt"
	"strconv"

	"clusterscope/engine"
	"clusterscope/patterns/kit"
)

// The broken variant.
const VarNoMajorityCheck = "no-majority-check"

// Settings.
const (
	ParamHeartbeat  = "heartbeat-ms"
	ParamTimeout    = "timeout-ms"
	ParamPartitions = "partitions"
	defHeartbeat    = 50
	defTimeout      = 300
	defPartitions   = 12
)

// seed is the node every other one is configured to know first: it starts
// the cluster on its first boot.
const seed = "athens"

// Widget titles.
const (
	WMembers    = "membership"
	WState      = "coordinator"
	WHosting    = "partitions hosted"
	WTable      = "partition table"
	WBeliefs    = "who coordinates, as each node sees it"
	WOwnersLive = "partitions: who serves each now"
)

var settings = []kit.Param{
	{Name: ParamHeartbeat, Label: "heartbeat interval (ms)", Type: kit.ParamInt, Default: strconv.Itoa(defHeartbeat), Min: 10, Max: 1000},
	{Name: ParamTimeout, Label: "failure timeout (ms): a member silent this long is taken for dead", Type: kit.ParamInt, Default: strconv.Itoa(defTimeout), Min: 40, Max: 10_000},
	{Name: ParamPartitions, Label: "partitions (fixed for the cluster's life)", Type: kit.ParamInt, Default: strconv.Itoa(defPartitions), Min: 1, Max: 64},
}

var variants = []kit.Variant{
	{Name: VarNoMajorityCheck, Label: "no majority check",
		Description: "A node that finds itself the oldest member it hears from acts as coordinator at once, whether or not a majority of the members can reach it. In a 2 | 3 network split each side has its own oldest member, so each side gets a coordinator; each marks the other side down and gives its partitions out again, and a partition ends up served on both sides."},
}

// EmergentLeader is the Emergent Leader page: five peers by default (three
// to seven) and two on standby that a join starts.
func EmergentLeader() *kit.Cluster {
	c := &kit.Cluster{
		Roles: []kit.Role{{Name: engine.RoleNode, Standby: kit.Fixed(2)}},
		Size:  5, MinNodes: 3, MaxNodes: 7,
		Params:   map[string]int{ParamHeartbeat: defHeartbeat, ParamTimeout: defTimeout, ParamPartitions: defPartitions},
		Settings: settings, ParamDocs: settings,
		Refuse:   refuseSettings,
		Variants: variants,
		Build: func(engine.Config) engine.Model {
			return engine.Model{NewProcess: func(id string, _ engine.Role) engine.Process { return newNode(id) },
				Invariants: invariants, View: clusterView, CheckCommand: refuse}
		},
		Emphasis:  []string{WMembers, WTable},
		Settled:   Settled,
		Faults:    []kit.FaultGen{splitOffTheOldest},
		NodeFacts: nodeFactSource, ClusterFacts: clusterFactSource,
		Smoke: kit.Smoke{Ready: `coordinators == 1 && hosted == 12`, Commands: []engine.Command{
			{Kind: engine.CmdJoin, Node: "funchal"},
		}},
	}
	c.MustLayout(c.Size)
	return c
}

// refuseSettings keeps the failure timeout several heartbeats long: the
// timing that keeps two coordinators apart (half a timeout of endorsement,
// a timeout of promise) needs heartbeats to arrive within it.
func refuseSettings(p map[string]int, _ int) error {
	if hb, to := p[ParamHeartbeat], p[ParamTimeout]; to < 4*hb {
		return fmt.Errorf("%s (%d) must be at least 4 × %s (%d): members answer a heartbeat within half a timeout", ParamTimeout, to, ParamHeartbeat, hb)
	}
	return nil
}

// refuse turns down a leave of the last member: there would be no one to
// coordinate or hold the partitions (a join of a node already in is the
// engine's to refuse).
func refuse(w *engine.World, c engine.Command) error {
	if c.Kind != engine.CmdLeave {
		return nil
	}
	if m := w.Members(engine.RoleNode); len(m) == 1 && m[0] == c.Node {
		return fmt.Errorf("leave: %s is the last member; join another first", c.Node)
	}
	return nil
}
