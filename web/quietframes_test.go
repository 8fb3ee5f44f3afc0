package web

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"clusterscope/engine"
	"clusterscope/patterns"
)

// A frame in which only time moved is built from the clocks and the cluster
// widgets alone. Two sessions of the same run, one building every frame the
// long way, must send the browser the same frames: on Clock-Bound Wait with
// skewed clocks (its widgets read the clock) and on Leader and Followers.
func TestQuietFramesMatchFullFrames(t *testing.T) {
	for _, id := range []string{"clock-bound-wait", "leader-and-followers"} {
		t.Run(id, func(t *testing.T) {
			p, ok := patterns.ByID(id)
			require.True(t, ok)
			cfg, err := p.Config(3, 7, nil)
			require.NoError(t, err)
			lim := Limits{}.withDefaults()
			newRun := func(full bool) *session {
				s := &session{id: "quiet", pat: p, play: playState{Speed: 1}, hub: newHub(lim, nil), lim: lim, noQuietFrames: full}
				require.NoError(t, s.start(cfg, nil, 0))
				s.snapshotFrame()
				return s
			}
			quick, full := newRun(false), newRun(true)
			skew := engine.Command{Kind: engine.CmdOffset, Node: cfg.Nodes[1], Dur: engine.Duration(40 * time.Millisecond)}
			tick := time.Duration(float64(lim.Tick) * playRate)
			quiet := 0
			for i := 0; i < 1500; i++ {
				for _, s := range []*session{quick, full} {
					switch i {
					case 100:
						require.NoError(t, s.sim.Apply(skew))
					case 300, 700:
						w := clientWrite(p, i)
						if _, named := w.Args["node"]; named {
							w.Args["node"] = cfg.Nodes[0] // the page's own names
						}
						require.NoError(t, s.sim.Apply(w))
					}
					require.Nil(t, s.runFor(tick))
					s.settle()
				}
				if quick.onlyTimeMoved() {
					quiet++
				}
				fq, okq := quick.deltaFrame()
				ff, okf := full.deltaFrame()
				require.Equal(t, okf, okq, "frame %d: sent or not", i)
				require.JSONEq(t, string(mustJSON(ff)), string(mustJSON(fq)), "frame %d", i)
			}
			require.Greater(t, quiet, 300, "the run should have frames in which only time moved")
		})
	}
}
