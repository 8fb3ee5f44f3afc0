package replog

import (
	"math/rand/v2"
	"sort"
	"testing"
	"time"

	"clusterscope/engine"
	"clusterscope/patterns/kit"
)

// The declared facts are exactly what the cluster emits: every fact a
// server, a client or the cluster shows is declared with its type, and every
// declared one is shown (a crashed server shows none), across elections,
// crashes, restarts and every broken variant.
func TestFactsMatchDeclaration(t *testing.T) {
	for _, p := range pages {
		c := p.c()
		if err := c.ValidateFacts(); err != nil {
			t.Fatalf("%s: %v", p.id, err)
		}
		variants := [][]string{nil}
		for v := range p.broken {
			variants = append(variants, []string{v})
		}
		for vi, vs := range variants {
			cfg := config(c, uint64(vi+1), vs...)
			s, err := engine.New(cfg, c.Model(cfg))
			if err != nil {
				t.Fatal(err)
			}
			r := rand.New(rand.NewPCG(uint64(vi), 7))
			seen := map[string]bool{}
			for i := 0; i < 60; i++ {
				s.RunFor(50*time.Millisecond, 0)
				_ = s.Apply(c.Workload(r, cfg.Nodes, cfg.Clients))
				switch i {
				case 20, 40:
					if l, _ := c.Facts(s.World())["leader"].(string); l != "" {
						_ = s.Apply(engine.Command{Kind: engine.CmdCrash, Node: l})
					}
				case 30, 50:
					for _, id := range cfg.Nodes {
						if s.World().Status(id) == "crashed" {
							_ = s.Apply(engine.Command{Kind: engine.CmdRestart, Node: id})
						}
					}
				}
				check := func(what, id string, decl []kit.FactDoc, got map[string]any) {
					t.Helper()
					if err := kit.CheckFacts(what, decl, got); err != nil {
						t.Fatalf("%s %v %s: %v", p.id, vs, id, err)
					}
					for _, d := range decl {
						if _, ok := got[d.Name]; !ok {
							t.Fatalf("%s %v: %s %s does not show declared fact %q", p.id, vs, what, id, d.Name)
						}
						seen[what+"."+d.Name] = true
					}
				}
				for _, id := range cfg.Nodes {
					if v, _ := s.NodeView(id); v.Status != "crashed" {
						check("node", id, c.NodeFacts, v.Facts)
					}
				}
				for _, id := range cfg.Clients {
					v, _ := s.NodeView(id)
					check("client", id, c.ClientFacts, v.Facts)
				}
				check("cluster", "", c.ClusterFacts, c.Facts(s.World()))
			}
			if len(seen) != len(c.NodeFacts)+len(c.ClientFacts)+len(c.ClusterFacts) {
				names := make([]string, 0, len(seen))
				for k := range seen {
					names = append(names, k)
				}
				sort.Strings(names)
				t.Fatalf("%s: only these declared facts were ever shown: %v", p.id, names)
			}
		}
	}
}
