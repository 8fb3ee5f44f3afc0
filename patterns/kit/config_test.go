package kit

import (
	"testing"

	"github.com/stretchr/testify/require"

	"clusterscope/engine"
)

// Sim lays a test's settings over the page's defaults without changing
// the defaults, and refuses a variant the page does not have.
func TestSimLaysSettingsOverTheDefaults(t *testing.T) {
	c := &Cluster{MinNodes: 1, MaxNodes: 5, Size: 3, Clients: []string{"alice"},
		Params:   map[string]int{"quorum": 2, "timeout": 300},
		Variants: []Variant{{Name: "half-quorum"}},
		Build: func(engine.Config) engine.Model {
			return engine.Model{NewProcess: func(string, engine.Role) engine.Process { return &testServer{} }}
		}}
	s, err := c.Sim(0, 7, map[string]int{"timeout": 50}, "half-quorum")
	require.NoError(t, err)
	cfg := s.Config()
	require.Equal(t, map[string]int{"quorum": 2, "timeout": 50}, cfg.Params)
	require.Equal(t, uint64(7), cfg.Seed)
	require.True(t, cfg.Variants["half-quorum"])
	require.Len(t, cfg.Nodes, 3)
	require.Equal(t, 300, c.Params["timeout"], "the page's default changed")

	_, err = c.Sim(0, 7, nil, "no-such-flaw")
	require.ErrorContains(t, err, `has no variant "no-such-flaw"`)
}
