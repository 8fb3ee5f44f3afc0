// Package patterns is the registry of the 30 patterns: what each one is, and
// for those that are live, how to build its simulated cluster. A pattern's
// behaviour lives in its own sub-package (patterns/replog, ...); this package
// only lists them, in the book's learning order.
package patterns

import (
	"fmt"

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

// Config builds an engine config for this pattern's first setup: size n
// (0 = default), the seed and the variants switched on.
func (p *Pattern) Config(n int, seed uint64, variants []string) (engine.Config, error) {
	return p.ConfigFor("", n, seed, variants)
}

// ConfigFor is Config for a named setup ("" = the first).
func (p *Pattern) ConfigFor(setup string, n int, seed uint64, variants []string) (engine.Config, error) {
	if p.Cluster == nil {
		return engine.Config{}, fmt.Errorf("%s is not built yet", p.Title)
	}
	c, err := p.Cluster.SetupCluster(setup)
	if err != nil {
		return engine.Config{}, fmt.Errorf("%s: %w", p.Title, err)
	}
	l, err := c.Layout(n)
	if err != nil {
		return engine.Config{}, fmt.Errorf("%s %w", p.Title, err)
	}
	cfg := engine.Config{Nodes: l.Servers, Clients: l.Clients, Standby: l.Standby, Roles: l.Roles, Setup: setup, Seed: seed, Params: map[string]int{}, Variants: map[string]bool{}}
	for k, v := range c.Params {
		cfg.Params[k] = v
	}
	for _, v := range variants {
		if !hasVariant(c, v) {
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

// ClusterOf is the cluster (setup) a config was built for.
func (p *Pattern) ClusterOf(cfg engine.Config) (*kit.Cluster, error) {
	if p.Cluster == nil {
		return nil, fmt.Errorf("%s is not built yet", p.Title)
	}
	return p.Cluster.SetupCluster(cfg.Setup)
}

// HasVariant reports whether name is one of the pattern's broken variants.
func (p *Pattern) HasVariant(name string) bool {
	return p.Cluster != nil && hasVariant(p.Cluster, name)
}

func hasVariant(c *kit.Cluster, name string) bool {
	for _, v := range c.Variants {
		if v.Name == name {
			return true
		}
	}
	return false
}

// NewSim builds a fresh run of the pattern.
func (p *Pattern) NewSim(cfg engine.Config) (*engine.Sim, error) {
	c, err := p.ClusterOf(cfg)
	if err != nil {
		return nil, err
	}
	return engine.New(cfg, c.Model(cfg))
}

// NodeNames returns n server names: the book's (athens, byzantium...)
// first, then n008, n009... (kit.ServerName). It never returns fewer: a
// size a cluster cannot run at is an error of kit.Cluster.Layout.
func NodeNames(n int) []string {
	out := make([]string, 0, max(n, 0))
	for i := range n {
		out = append(out, kit.ServerName(i))
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
