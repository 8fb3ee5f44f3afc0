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

// Every declared fact is really computed: across elections, crashes,
// restarts, a lost majority (operations fail or end unknown) and every
// broken variant each one takes a value other than its zero at some point
// (a field the facts function forgot to fill would stay zero), and a
// crashed server shows none.
func TestFactsAreComputed(t *testing.T) {
	set := map[string]bool{} // the pages share one declaration: any page may set a fact
	var c *kit.Cluster
	for _, p := range pages {
		c = p.c()
		if err := c.ValidateFacts(); err != nil {
			t.Fatalf("%s: %v", p.id, err)
		}
		variants := [][]string{nil}
		for v := range p.broken {
			variants = append(variants, []string{v})
		}
		for vi, vs := range variants {
			s := kittest.Sim(t, c, 0, uint64(vi+1), nil, vs...)
			cfg := s.Config()
			r := rand.New(rand.NewPCG(uint64(vi), 7))
			for i := 0; i < 90; i++ {
				s.RunFor(50*time.Millisecond, 0)
				_ = s.Apply(c.Workload(r, cfg.Nodes, cfg.Clients))
				switch i {
				case 20, 40:
					if l, _ := c.ClusterFacts.Map(s.World(), "")["leader"].(string); l != "" {
						_ = s.Apply(engine.Command{Kind: engine.CmdCrash, Node: l})
					}
				case 30, 50:
					for _, id := range cfg.Nodes {
						if s.World().Status(id) == engine.StatusCrashed {
							_ = s.Apply(engine.Command{Kind: engine.CmdRestart, Node: id})
						}
					}
				case 60: // no majority left: no leader, operations give up
					for _, id := range cfg.Nodes[1:] {
						_ = s.Apply(engine.Command{Kind: engine.CmdCrash, Node: id})
					}
				}
				note := func(what, id string, src *kit.FactSource) {
					v, ok := src.Of(s.World(), id)
					if crashed := s.World().Status(id) == engine.StatusCrashed; ok == crashed {
						t.Fatalf("%s %v: %s %s crashed %v shows facts %v", p.id, vs, what, id, crashed, ok)
					}
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
				note("cluster", "", c.ClusterFacts)
			}
		}
	}
	var never []string
	for _, l := range []struct {
		what string
		src  *kit.FactSource
	}{{"node", c.NodeFacts}, {"client", c.ClientFacts}, {"cluster", c.ClusterFacts}} {
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

// The facts a condition reads agree with what the node's view shows, so a
// learner reading the panel and a scenario reading the facts see one node.
func TestNodeFactsMatchTheView(t *testing.T) {
	c := ReplicatedLog()
	s := kittest.Sim(t, c, 0, 3, nil)
	cfg := s.Config()
	r := rand.New(rand.NewPCG(3, 7))
	for i := 0; i < 40; i++ {
		s.RunFor(50*time.Millisecond, 0)
		_ = s.Apply(c.Workload(r, cfg.Nodes, cfg.Clients))
		for _, id := range cfg.Nodes {
			f, ok := nodeFactsOf(s.World(), id)
			v, _ := s.NodeView(id)
			if !ok {
				continue
			}
			state := map[string]string{}
			for _, fl := range v.Widgets[0].Fields {
				state[fl.Label] = fl.Value
			}
			want := map[string]string{"generation": itoa(f.Generation), "votedFor": f.VotedFor, "leader": f.Leader,
				"high-water mark": itoa(f.HWM), "applied": itoa(f.Applied), "last index": itoa(f.LastIndex) + " (gen " + itoa(f.LastGen) + ")"}
			for k, w := range want {
				if state[k] != w {
					t.Fatalf("%s at %v: view shows %s = %q, facts %q", id, s.Now(), k, state[k], w)
				}
			}
		}
		for _, id := range cfg.Clients {
			f, _ := clientFactsOf(s.World(), id)
			v, _ := s.NodeView(id)
			if got := len(v.Widgets[0].Items); got != f.Pending {
				t.Fatalf("%s: view lists %d pending, facts %d", id, got, f.Pending)
			}
			if res := v.Widgets[1].Items; len(res) > 0 && res[len(res)-1] != f.Last || len(res) == 0 && f.Last != "" {
				t.Fatalf("%s: view's results %v, last fact %q", id, res, f.Last)
			}
		}
	}
}
