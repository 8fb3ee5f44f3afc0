package kittest

import (
	"testing"

	"clusterscope/engine"
	"clusterscope/patterns/kit"
)

// Sim starts a run of c for a test (kit.Cluster.Sim) and fails the test if
// the run cannot start.
func Sim(t testing.TB, c *kit.Cluster, size int, seed uint64, params map[string]int, variants ...string) *engine.Sim {
	t.Helper()
	s, err := c.Sim(size, seed, params, variants...)
	if err != nil {
		t.Fatalf("%s", err)
	}
	return s
}

// Apply gives the run a command from outside (a client request, a crash, a
// partition) and fails the test if the run refuses it.
func Apply(t testing.TB, s *engine.Sim, c engine.Command) {
	t.Helper()
	if err := s.Apply(c); err != nil {
		t.Fatalf("%v: %v", c, err)
	}
}
