// Package patterns is the registry of the 30 patterns: what each one is, and
// for those that are live, how to build its simulated cluster. A pattern's
// behaviour lives in its own sub-package (patterns/replog, ...); this package
// only lists them, in the book's learning order.
package patterns

import (
	"fmt"
	"strconv"

	"clusterscope/engine"
	"clusterscope/patterns/kit"
)

// Pattern describes one pattern page.
type Pattern struct {
	ID      string   `json:"id"` // slug of the title: "leader-and-followers"
	Title   string   `json:"title"`
	Track   string   `json:"track"` // one of Tracks
	Intent  string   `json:"intent"`
	Related []string `json:"related,omitempty"`
	// Cluster is nil for a pattern that is not built yet ("coming").
	Cluster *kit.Cluster `json:"-"`
}

// Live reports whether the pattern has a simulation.
func (p *Pattern) Live() bool { return p.Cluster != nil }

// Config builds an engine config for this pattern: n nodes (0 = default),
// the seed and the variants switched on.
func (p *Pattern) Config(n int, seed uint64, variants []string) (engine.Config, error) {
	c := p.Cluster
	if c == nil {
		return engine.Config{}, fmt.Errorf("%s is not built yet", p.Title)
	}
	if n == 0 {
		n = len(c.Nodes)
	}
	if n < c.MinNodes || n > c.MaxNodes {
		return engine.Config{}, fmt.Errorf("%s runs with %d to %d nodes, not %d", p.Title, c.MinNodes, c.MaxNodes, n)
	}
	cfg := engine.Config{Nodes: NodeNames(n), Clients: c.Clients, Seed: seed, Params: map[string]int{}, Variants: map[string]bool{}}
	for k, v := range c.Params {
		cfg.Params[k] = v
	}
	for _, v := range variants {
		if !p.HasVariant(v) {
			return engine.Config{}, fmt.Errorf("%s has no variant %q", p.Title, v)
		}
		cfg.Variants[v] = true
	}
	if c.DefaultDelay.MeanDelay > 0 {
		net := c.DefaultDelay
		cfg.Net = &net
	}
	return cfg, nil
}

// HasVariant reports whether name is one of the pattern's broken variants.
func (p *Pattern) HasVariant(name string) bool {
	if p.Cluster == nil {
		return false
	}
	for _, v := range p.Cluster.Variants {
		if v.Name == name {
			return true
		}
	}
	return false
}

// NewSim builds a fresh run of the pattern.
func (p *Pattern) NewSim(cfg engine.Config) (*engine.Sim, error) {
	if p.Cluster == nil {
		return nil, fmt.Errorf("%s is not built yet", p.Title)
	}
	return engine.New(cfg, p.Cluster.Model(cfg))
}

// The book's server names, in order.
var serverNames = []string{"athens", "byzantium", "cyrene", "delphi", "ephesus", "funchal", "gades"}

// NodeNames returns the first n of the book's server names, then node8,
// node9... past them.
func NodeNames(n int) []string {
	out := append([]string(nil), serverNames[:min(n, len(serverNames))]...)
	for i := len(out); i < n; i++ {
		out = append(out, "node"+strconv.Itoa(i+1))
	}
	return out
}

// ByID finds a pattern.
func ByID(id string) (*Pattern, bool) {
	for _, p := range All() {
		if p.ID == id {
			return p, true
		}
	}
	return nil, false
}
