package replog

import (
	"math/rand/v2"
	"sort"
	"testing"
	"time"

	"clusterscope/engine"
	"clusterscope/patterns/kit"
	"clusterscope/patterns/kit/kittest"
)

// Every fact the Idempotent Receiver page declares is really computed:
// under load with lost responses, a leader crash, a stalled client (its
// session expires) and the no-dedup variant, each takes a value other
// than its zero at some point.
func TestIdempotentFactsAreComputed(t *testing.T) {
	c := IdempotentReceiver()
	if err := c.ValidateFacts(); err != nil {
		t.Fatal(err)
	}
	set := map[string]bool{}
	for vi, vs := range [][]string{nil, {VarNoDedup}} {
		s := kittest.Sim(t, c, 0, uint64(vi+1), nil, vs...)
		cfg := s.Config()
		r := rand.New(rand.NewPCG(uint64(vi), 7))
		for i := 0; i < 120; i++ {
			s.RunFor(50*time.Millisecond, 0)
			_ = s.Apply(c.Workload(r, cfg.Nodes, cfg.Clients))
			switch i {
			case 10, 30, 50:
				_ = s.Apply(engine.Command{Kind: engine.CmdDropNext, MsgKind: kindResponse, Count: 2})
			case 20:
				if l, _ := c.ClusterFacts.Map(s.World(), "")["leader"].(string); l != "" {
					_ = s.Apply(engine.Command{Kind: engine.CmdCrash, Node: l})
				}
			case 40:
				_ = s.Apply(engine.Command{Kind: engine.CmdPause, Node: "alice"})
			case 100:
				_ = s.Apply(engine.Command{Kind: engine.CmdResume, Node: "alice"})
			}
			note := func(what, id string, src *kit.FactSource) {
				v, ok := src.Of(s.World(), id)
				if !ok {
					return
				}
				for _, d := range src.Declared() {
					if !v.Field(d.Field).IsZero() {
						set[what+"."+d.Name] = true
					}
				}
			}
			for _, id := range cfg.Nodes {
				note("node", id, c.NodeFacts)
			}
			for _, id := range cfg.Clients {
				note("client", id, c.ClientFacts)
			}
		}
	}
	var never []string
	for _, l := range []struct {
		what string
		src  *kit.FactSource
	}{{"node", c.NodeFacts}, {"client", c.ClientFacts}} {
		for _, d := range l.src.Declared() {
			if !set[l.what+"."+d.Name] {
				never = append(never, l.what+"."+d.Name)
			}
		}
	}
	sort.Strings(never)
	if len(never) > 0 {
		t.Fatalf("these declared facts never took a value: %v", never)
	}
}
