package patterns

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"clusterscope/engine"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCatalogHasThirtyPatternsInSevenTracks(t *testing.T) {
	require.Len(t, All(), 30)
	slug := regexp.MustCompile(`^[a-z]+(-[a-z]+)*$`)
	seen := map[string]bool{}
	tracks := map[string]bool{}
	for _, tr := range Tracks {
		tracks[tr.ID] = true
	}
	for _, p := range All() {
		assert.Regexp(t, slug, p.ID)
		assert.Equal(t, strings.ToLower(strings.NewReplacer(" ", "-").Replace(p.Title)), p.ID, "id is the title's slug")
		assert.False(t, seen[p.ID], "%s listed twice", p.ID)
		seen[p.ID] = true
		assert.True(t, tracks[p.Track], "%s has an unknown track %q", p.ID, p.Track)
		assert.NotEmpty(t, p.Intent)
	}
}

// Every live pattern must be a pure function of (config, seed, command log):
// two runs with the same inputs give the same trace, and replaying the log
// reproduces the live run.
func TestEveryLivePatternIsDeterministicAndReplays(t *testing.T) {
	for _, p := range Live() {
		t.Run(p.ID, func(t *testing.T) {
			run := func(seed uint64) *engine.Sim {
				cfg, err := p.Config(0, seed, nil)
				require.NoError(t, err)
				s, err := p.NewSim(cfg)
				require.NoError(t, err)
				s.RunFor(time.Second, 50_000)
				// A cluster that acts only on requests (Paxos) gets its
				// page's smoke-test requests.
				for _, c := range p.Cluster.Smoke.Commands {
					require.NoError(t, s.Apply(c))
				}
				s.RunFor(time.Second, 50_000)
				require.NoError(t, s.Apply(engine.Command{Kind: engine.CmdCrash, Node: cfg.Nodes[0]}))
				s.RunFor(2*time.Second, 50_000)
				require.NoError(t, s.Apply(engine.Command{Kind: engine.CmdRestart, Node: cfg.Nodes[0]}))
				s.RunFor(time.Second, 50_000)
				return s
			}
			a, b := run(7), run(7)
			require.Greater(t, a.StepCount(), 10, "the cluster should do something in 5 s")
			assert.Equal(t, a.Trace().Hash(), b.Trace().Hash(), "same seed, same trace")
			assert.NotEqual(t, a.Trace().Hash(), run(8).Trace().Hash(), "another seed, another run")

			r, err := engine.Replay(a.Config(), p.Cluster.Model(a.Config()), a.Log(), a.StepCount())
			require.NoError(t, err)
			assert.Equal(t, a.Trace().Len(), r.Trace().Len())
			assert.Equal(t, a.Trace().Hash(), r.Trace().Hash(), "replay reproduces the run")
		})
	}
}

func TestConfigRejectsUnknownVariantAndBadNodeCount(t *testing.T) {
	for _, p := range Live() {
		_, err := p.Config(0, 1, []string{"no-such-variant"})
		assert.ErrorContains(t, err, "no variant")
		_, err = p.Config(p.Cluster.MaxNodes+1, 1, nil)
		assert.Error(t, err)
	}
	coming := All()[len(All())-1]
	if !coming.Live() {
		_, err := coming.Config(0, 1, nil)
		assert.ErrorContains(t, err, "not built yet")
	}
}

// Every live pattern declares a range for every setting it reads, so a
// param out of range is refused (issue 21: a negative election timeout
// made the simulation panic), and its run refuses one.
func TestEveryLivePatternDeclaresItsSettings(t *testing.T) {
	for _, p := range Live() {
		if err := p.Cluster.CheckParams(); err != nil {
			t.Errorf("%s: %v", p.ID, err)
			continue
		}
		cfg, err := p.Config(0, 1, nil)
		if err != nil {
			t.Fatal(err)
		}
		s, err := p.NewSim(cfg)
		if err != nil {
			t.Fatal(err)
		}
		for name := range p.Cluster.Params {
			if err := s.Apply(engine.Command{Kind: engine.CmdParam, Name: name, Value: -9_200_000_000_000_000_000}); err == nil {
				t.Errorf("%s: %s = -9.2e18 accepted", p.ID, name)
			}
		}
	}
}
