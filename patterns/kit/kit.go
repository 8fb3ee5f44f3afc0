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
	Nodes        []string // default node names, in the book's order
	MinNodes     int
	MaxNodes     int
	Clients      []string
	Params       map[string]int // default integer settings, e.g. {"quorum": 0}
	ParamDocs    []Param        // settings a learner may change on the page
	Variants     []Variant
	Actions      []Action // client operations and node actions offered on the page
	Model        func(cfg engine.Config) engine.Model
	Porcupine    *porcupine.Model // nil when histories are not checked
	Emphasis     []string         // widget titles this page brings forward, first
	DefaultDelay engine.NetSettings
	// Facts returns cluster-wide values for scenario conditions
	// (e.g. "leader": "athens"). Optional.
	Facts func(w *engine.World) map[string]any
	// The facts scenario conditions may read, declared: NodeFacts are what
	// a server's view carries in ProcessView.Facts, ClientFacts a client's,
	// ClusterFacts what Facts returns. Conditions are checked against these
	// when a scenario loads; a pattern's tests check (with CheckFacts) that
	// nothing else is emitted.
	NodeFacts, ClientFacts, ClusterFacts []FactDoc
	// Workload picks one random client operation for seed sweeps (a
	// CmdClient command). Optional: without it a sweep sends no client load.
	Workload func(r *rand.Rand, nodes, clients []string) engine.Command
	// Smoke drives the page's generic browser smoke test (smoke.go).
	Smoke Smoke
}

// Variant is a broken-variant toggle.
type Variant struct {
	Name        string `json:"name"`
	Label       string `json:"label"`
	Description string `json:"description"`
}

// Action is a request a learner can send: to a client (Target "client") or
// to a server node (Target "node").
type Action struct {
	Name   string  `json:"name"`
	Label  string  `json:"label"`
	Target string  `json:"target"` // "client" or "node"
	Params []Param `json:"params,omitempty"`
}

// Param is a typed parameter of an action or a cluster setting.
type Param struct {
	Name    string   `json:"name"`
	Label   string   `json:"label"`
	Type    string   `json:"type"` // "string", "int", "node", "choice"
	Default string   `json:"default,omitempty"`
	Choices []string `json:"choices,omitempty"`
}
