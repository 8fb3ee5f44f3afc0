// Package fixedpart is the Fixed Partitions page. Keys hash into a fixed
// number of partitions (P, 12 by default), and a single controller maps
// the partitions to data nodes in a versioned table kept on its disk.
// Clients route by a cached copy of the table; a data node serves only
// the partitions it owns, and refuses a client whose table is newer than
// its own. When a node joins, the controller moves whole partitions to it
// (freeze, copy, then switch the owner and bump the version), only as
// many as even the nodes out: a key's partition never changes, only the
// partition's owner. Two broken variants: data nodes that skip the
// ownership and version check (the old owner keeps taking writes after a
// move, which are then lost), and placement by hash mod N (a join moves
// most partitions, and with them most keys).
package fixedpart

import (
	"fmt"
	"math/rand/v2"
	"strconv"

	"clusterscope/engine"
	"clusterscope/patterns/kit"
)

// The broken variants.
const (
	VarNoVersionCheck = "no-table-version-check"
	VarHashModN       = "hash-mod-n"
)

// Roles.
const (
	RoleController engine.Role = "controller"
	RoleData       engine.Role = "data"
)

// Settings.
const (
	ParamPartitions       = "partitions"
	ParamHeartbeatTimeout = "heartbeat-timeout-ms"
	defPartitions         = 12
	defHeartbeatTimeout   = 500
)

// controllerName is the one controller's name: every process knows it,
// as a real node is configured with its coordinator's address.
const controllerName = "controller"

// A client action: ask the controller for the table now.
const opRefresh = "refresh"

// Widget titles.
const (
	WTable       = "partition table"
	WMembers     = "heartbeats"
	WDisk        = "on disk"
	WParts       = "partitions held"
	WKeys        = "keys"
	WClientTable = "routing"
	WPending     = "pending"
	WCluster     = "partitions: table and reality"
	WCounts      = "moves"
	WSchemes     = "keys each scheme would move"
)

var settings = []kit.Param{
	{Name: ParamPartitions, Label: "partitions P (fixed for the cluster's life: read once, at the first assignment)", Type: kit.ParamInt, Default: strconv.Itoa(defPartitions), Min: 4, Max: 64},
	{Name: ParamHeartbeatTimeout, Label: "heartbeat timeout (ms): a data node silent this long is marked down", Type: kit.ParamInt, Default: strconv.Itoa(defHeartbeatTimeout), Min: 150, Max: 60_000},
}

var variants = []kit.Variant{
	{Name: VarNoVersionCheck, Label: "no ownership or table-version check",
		Description: "Data nodes serve every operation that reaches them, whatever the table says: the old owner of a partition keeps taking writes while it is being copied and after it has been handed over. A client still routing by its old table writes to the old owner and is told ok, but the new owner never gets the write: it is lost."},
	{Name: VarHashModN, Label: "place by hash mod N",
		Description: "The controller puts partition p on node number p mod N (N: the data nodes), the rule hash(key) mod N applies to keys, instead of moving only the partitions a new node needs. Nothing is lost, but when a node joins nearly every partition, and so nearly every key, changes home."},
}

var actions = []kit.Action{
	{Name: opPut, Label: "put", Target: kit.TargetClient, Params: []kit.Param{
		{Name: "key", Label: "key", Type: kit.ParamString, Default: "apple"},
		{Name: "value", Label: "value", Type: kit.ParamString, Default: "1"},
	}},
	{Name: opGet, Label: "get", Target: kit.TargetClient, Params: []kit.Param{
		{Name: "key", Label: "key", Type: kit.ParamString, Default: "apple"},
	}},
	{Name: opFill, Label: "write many random keys", Target: kit.TargetClient, Params: []kit.Param{
		{Name: "count", Label: "how many", Type: kit.ParamInt, Default: "20", Min: 1, Max: maxFill},
	}},
	{Name: opRefresh, Label: "refresh the cached table", Target: kit.TargetClient},
}

// FixedPartitions is the Fixed Partitions page.
func FixedPartitions() *kit.Cluster {
	c := &kit.Cluster{
		Roles: []kit.Role{
			{Name: RoleController, Count: kit.Fixed(1), Names: func(i int) string {
				if i == 0 {
					return controllerName
				}
				return ""
			}},
			{Name: RoleData, Standby: kit.Fixed(2)},
			{Name: engine.RoleClient, Client: true, Count: kit.Fixed(2)},
		},
		Size: 3, MinNodes: 2, MaxNodes: 5,
		Params:    map[string]int{ParamPartitions: defPartitions, ParamHeartbeatTimeout: defHeartbeatTimeout},
		Settings:  settings,
		ParamDocs: settings,
		Variants:  variants,
		Actions:   actions,
		Build: func(engine.Config) engine.Model {
			schemes := &schemeCache{}
			view := func(w *engine.World) []engine.Widget { return clusterView(w, schemes) }
			return engine.Model{NewProcess: newProcess, Invariants: invariants, View: view, CheckCommand: refuse}
		},
		Porcupine: &kit.KVModel,
		Emphasis:  []string{WTable, WCluster, WParts},
		Workload:  Workload,
		Settled:   Settled,
		Faults:    []kit.FaultGen{joinSoon},
		NodeFacts: nodeFactSource, ClientFacts: clientFactSource, ClusterFacts: clusterFactSource,
		Smoke: kit.Smoke{Ready: `version > 0`, Commands: []engine.Command{
			{Kind: engine.CmdClient, Node: "alice", Name: opPut, Args: map[string]string{"key": "apple", "value": "1"}},
			{Kind: engine.CmdJoin, Node: "delphi"},
		}},
	}
	c.MustLayout(c.Size)
	return c
}

// refuse turns down a leave of the last data node: the partitions would
// have no node at all (a join of a node already in is the engine's to
// refuse).
func refuse(w *engine.World, c engine.Command) error {
	if c.Kind != engine.CmdLeave || w.Role(c.Node) != RoleData {
		return nil
	}
	if m := w.Members(RoleData); len(m) == 1 && m[0] == c.Node {
		return fmt.Errorf("leave: %s is the last data node; join another first", c.Node)
	}
	return nil
}

func newProcess(id string, role engine.Role) engine.Process {
	switch role {
	case RoleController:
		return newController(id)
	case engine.RoleClient:
		return newClient(id)
	}
	return newDataNode(id)
}

// workloadKeys are the keys sweeps use: enough to spread over the
// partitions, few enough that reads find writes.
var workloadKeys = func() []string {
	out := make([]string, 16)
	for i := range out {
		out[i] = "k" + strconv.Itoa(i+1)
	}
	return out
}()

// Workload is one random client operation for sweeps: a put or a get of
// one of sixteen keys, by alice or bob. The client routes it itself.
func Workload(r *rand.Rand, nodes, clients []string) engine.Command {
	c := engine.Command{Kind: engine.CmdClient, Node: clients[r.IntN(len(clients))], Name: opGet,
		Args: map[string]string{"key": workloadKeys[r.IntN(len(workloadKeys))]}}
	if r.IntN(2) == 0 {
		c.Name, c.Args["value"] = opPut, strconv.Itoa(1+r.IntN(99))
	}
	return c
}

// joinSoon boots a data node waiting on standby (or one that left): the
// sweeps' own joins are rare, and moves are what this page is about.
var joinSoon = kit.FaultGen{Name: "join", Draw: func(r *rand.Rand, w *engine.World) (engine.Command, bool) {
	var out []string
	for _, id := range w.Nodes() {
		if w.Role(id) == RoleData && (w.Status(id) == engine.StatusStandby || w.Status(id) == engine.StatusLeft) {
			out = append(out, id)
		}
	}
	if len(out) == 0 {
		return engine.Command{}, false
	}
	return engine.Command{Kind: engine.CmdJoin, Node: out[r.IntN(len(out))]}, true
}}
