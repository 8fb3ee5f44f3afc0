package kit

import (
	"fmt"

	"clusterscope/engine"
)

// Config builds the engine config of a run of this cluster: size servers
// (0: the default size), the seed, the variants switched on, the default
// settings and network. An error says what cannot be run (a size out of
// range, an unknown variant); its text reads after the page's title.
func (c *Cluster) Config(size int, seed uint64, variants ...string) (engine.Config, error) {
	l, err := c.Layout(size)
	if err != nil {
		return engine.Config{}, err
	}
	cfg := engine.Config{Nodes: l.Servers, Clients: l.Clients, Standby: l.Standby, Roles: l.Roles, Seed: seed, Params: map[string]int{}, Variants: map[string]bool{}}
	for k, v := range c.Params {
		cfg.Params[k] = v
	}
	for _, v := range variants {
		if !c.HasVariant(v) {
			return engine.Config{}, fmt.Errorf("has no variant %q", v)
		}
		cfg.Variants[v] = true
	}
	if c.DefaultDelay.MeanDelay > 0 {
		net := c.DefaultDelay
		cfg.Net = &net
	}
	return cfg, nil
}

// HasVariant reports whether name is one of the cluster's broken variants.
func (c *Cluster) HasVariant(name string) bool {
	for _, v := range c.Variants {
		if v.Name == name {
			return true
		}
	}
	return false
}

// Sim starts a run of this cluster: Config(size, seed, variants...), the
// settings in params laid over the defaults, then the engine. Tests and
// benchmarks start their runs here rather than repeat the three steps.
func (c *Cluster) Sim(size int, seed uint64, params map[string]int, variants ...string) (*engine.Sim, error) {
	cfg, err := c.Config(size, seed, variants...)
	if err != nil {
		return nil, err
	}
	for k, v := range params {
		cfg.Params[k] = v
	}
	return engine.New(cfg, c.Model(cfg))
}
