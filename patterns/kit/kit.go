// Package kit holds what a pattern package gives the registry: how to build
// its cluster, its broken variants, actions and settings. Pattern packages
// import kit and engine, never the registry.
package kit

import (
	"math/rand/v2"

	"clusterscope/engine"

	"github.com/anishathalye/porcupine"
)

// Cluster is how a live pattern builds and drives its simulation.
type Cluster struct {
	// Roles are the kinds of process and how many of each at a size (see
	// Layout). Without Roles a cluster has size servers (RoleNode, named
	// as in the book) and the Clients.
	Roles []Role
	// Size is the default of the page's size setting, within
	// MinNodes..MaxNodes (0: len(Nodes)).
	Size     int
	MinNodes int
	MaxNodes int
	// Nodes and Clients are the default layout's servers and clients.
	Nodes   []string
	Clients []string
	// Setups are the other ways this page can run (the cluster itself is
	// the first); see SetupCluster.
	Setups    []Setup
	Params    map[string]int // default integer settings, e.g. {"quorum": 0}
	Settings  []Param        // every integer setting with its range, shown or not
	ParamDocs []Param        // settings a learner may change on the page
	Variants  []Variant
	Actions   []Action // client operations and node actions offered on the page
	// Build makes the pattern's engine model; callers use Model, which adds
	// the declared settings.
	Build func(cfg engine.Config) engine.Model
	// Refuse says why settings that are each in range cannot run together
	// (W > N), given every setting and the number of servers; nil when
	// they fit. The engine asks it at the start and at every param change.
	// Optional.
	Refuse       func(params map[string]int, servers int) error
	Porcupine    *porcupine.Model // nil when histories are not checked
	Emphasis     []string         // widget titles this page brings forward, first
	DefaultDelay engine.NetSettings
	// The facts scenario conditions may read, each kind declared once by a
	// tagged struct and computed without a view (see FactSource): a
	// server's and a client's (nodes.<id>.<fact>) and the cluster's
	// (leader, generation...). Optional; conditions are checked against
	// them when a scenario loads.
	NodeFacts, ClientFacts, ClusterFacts *FactSource
	// Workload picks one random client operation for seed sweeps (a
	// CmdClient command). Optional: without it a sweep sends no client load.
	Workload func(r *rand.Rand, nodes, clients []string) engine.Command
	// HistoryChecks are the named promises the client history is judged on
	// beside linearizability (Porcupine): read-your-writes, monotonic
	// reads... The page shows each verdict; sweeps fail on a breach.
	HistoryChecks []HistoryCheck
	// Settled judges the cluster after a sweep has healed every fault and
	// let it run a while: it must have recovered (one leader, replicas
	// caught up, no acknowledged write lost), not only stayed safe. It may
	// read the history with w.History(). Optional.
	Settled func(w *engine.World) Verdict
	// Faults are the pattern's own fault generators (disk faults, joins...)
	// that sweeps draw from beside the built-in ones. Optional.
	Faults []FaultGen
	// BoundedClocks: the pattern is safe only while the clocks stay within
	// a bound it assumes (Clock-Bound Wait). Sweeps then draw none of their
	// own clock faults (any offset, drift or jump, which would break the
	// assumption, not the pattern); the pattern draws skews within its
	// bound in Faults.
	BoundedClocks bool
	// Smoke drives the page's generic browser smoke test (smoke.go).
	Smoke Smoke
}

// Variant is a broken-variant toggle.
type Variant struct {
	Name        string `json:"name"`
	Label       string `json:"label"`
	Description string `json:"description"`
}

// Target is who receives an action.
type Target string

const (
	TargetClient Target = "client" // a client operation (engine.CmdClient)
	TargetNode   Target = "node"   // a server node action (engine.CmdAction)
)

// Action is a request a learner can send to a client or a server node.
type Action struct {
	Name   string  `json:"name"`
	Label  string  `json:"label"`
	Target Target  `json:"target"`
	Params []Param `json:"params,omitempty"`
}

// ParamType is the kind of value a Param takes.
type ParamType string

const (
	ParamString ParamType = "string"
	ParamInt    ParamType = "int"
	ParamNode   ParamType = "node"
	ParamChoice ParamType = "choice"
)

// Param is a typed parameter of an action or a cluster setting. An int
// setting declares its range, Min ≤ value ≤ Max: the engine refuses a
// value outside it.
type Param struct {
	Name    string    `json:"name"`
	Label   string    `json:"label"`
	Type    ParamType `json:"type"`
	Default string    `json:"default,omitempty"`
	Choices []string  `json:"choices,omitempty"`
	Min     int       `json:"min,omitempty"`
	Max     int       `json:"max,omitempty"`
}
