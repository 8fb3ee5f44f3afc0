package emergent

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"clusterscope/engine"
	"clusterscope/patterns/kit/kittest"
)

func newRun(t *testing.T, variants ...string) *engine.Sim {
	t.Helper()
	return kittest.Sim(t, EmergentLeader(), 5, 1, nil, variants...)
}

func apply(t *testing.T, s *engine.Sim, c engine.Command) {
	t.Helper()
	require.NoError(t, s.Apply(c))
}

func node(s *engine.Sim, id string) *Node {
	n, _ := s.World().Process(id).(*Node)
	return n
}

// runUntil steps until cond holds (or fails the test after max steps).
func runUntil(t *testing.T, s *engine.Sim, what string, cond func() bool) {
	t.Helper()
	for range 200_000 {
		if cond() {
			return
		}
		_, ok := s.Step()
		require.True(t, ok, "the run stopped")
	}
	t.Fatalf("%s never happened", what)
}

func notes(s *engine.Sim, from int) string {
	var out []string
	for _, ev := range s.Trace().Events()[from:] {
		if ev.Kind == engine.TrNote {
			out = append(out, ev.Text)
		}
	}
	return strings.Join(out, "\n")
}

func TestDebugStory(t *testing.T) {
	s := newRun(t)
	s.RunFor(3*time.Second, 0)
	t.Log(notes(s, 0))
	f := clusterFactsOf(s.World())
	t.Logf("%+v", f)
	_ = runUntil
}
