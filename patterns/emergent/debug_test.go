package emergent

import (
	"os"
	"strconv"
	"testing"

	"clusterscope/engine"
	"clusterscope/patterns/sweep"
)

// TestDebugSeed replays one sweep seed and prints its trace of notes and
// commands (DEBUG_SEED=n, DEBUG_VARIANT=v, DEBUG_FROM=ms).
func TestDebugSeed(t *testing.T) {
	seedText := os.Getenv("DEBUG_SEED")
	if seedText == "" {
		t.Skip("DEBUG_SEED not set")
	}
	seed, _ := strconv.ParseUint(seedText, 10, 64)
	from, _ := strconv.Atoi(os.Getenv("DEBUG_FROM"))
	c := EmergentLeader()
	var vs []string
	if v := os.Getenv("DEBUG_VARIANT"); v != "" {
		vs = append(vs, v)
	}
	cfg, err := c.Config(c.Size, seed, vs...)
	if err != nil {
		t.Fatal(err)
	}
	res := sweep.Run(c, cfg, sweep.Options{})
	t.Log(res.String())
	s, err := engine.Replay(cfg, c.Model(cfg), res.Log, res.Steps)
	if err != nil {
		t.Fatal(err)
	}
	for _, ev := range s.Trace().Events() {
		if ev.At/1000 < int64(from) {
			continue
		}
		if ev.Kind == engine.TrNote || ev.Kind == engine.TrCommand || ev.Kind == engine.TrViolation {
			t.Logf("%8d %s", ev.At/1000, ev.Text)
		}
	}
	w := s.World()
	for _, id := range w.Nodes() {
		if n, ok := w.Process(id).(*Node); ok {
			t.Logf("%s %s joined=%v coord=%s acting=%v endorse=%v members=%+v joiners=%v mono=%v", id, w.Status(id), n.joined, n.coordinator, n.acting, n.endorse, n.m.Members, n.joiners, w.Monotonic(id))
		} else {
			t.Logf("%s %s", id, w.Status(id))
		}
	}
}
