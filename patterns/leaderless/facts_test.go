package leaderless

import (
	"math/rand/v2"
	"testing"
	"time"

	"clusterscope/engine"
	"clusterscope/patterns/kit"
)

// Every declared fact is really computed: along a run with load, a cut
// that makes requests expire and a healed network, each takes a value
// other than its zero at some point, and a crashed server shows none.
func TestFactsAreComputed(t *testing.T) {
	c := RequestWaitingList()
	if err := c.ValidateFacts(); err != nil {
		t.Fatal(err)
	}
	cfg, err := c.Config(0, 3)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Params[ParamExpiry] = 100
	s, err := engine.New(cfg, c.Model(cfg))
	if err != nil {
		t.Fatal(err)
	}
	set := map[string]bool{}
	note := func(id string, src *kit.FactSource) {
		v, ok := src.Of(s.World(), id)
		if crashed := s.World().Status(id) == engine.StatusCrashed; ok == crashed {
			t.Fatalf("%s (crashed %v) shows facts: %v", id, crashed, ok)
		}
		if !ok {
			return
		}
		for i := range v.NumField() {
			if !v.Field(i).IsZero() {
				set[v.Type().Field(i).Tag.Get("fact")] = true
			}
		}
	}
	r := rand.New(rand.NewPCG(3, 7))
	for i := range 80 {
		switch i {
		case 20:
			_ = s.Apply(engine.Command{Kind: engine.CmdPartition, Groups: [][]string{{"athens", "alice", "bob"}, {"byzantium", "cyrene"}}})
		case 40:
			_ = s.Apply(engine.Command{Kind: engine.CmdHeal})
			_ = s.Apply(engine.Command{Kind: engine.CmdCrash, Node: "cyrene"})
		case 50:
			_ = s.Apply(engine.Command{Kind: engine.CmdRestart, Node: "cyrene"})
		}
		_ = s.Apply(c.Workload(r, cfg.Nodes, cfg.Clients))
		s.RunFor(time.Duration(1+r.IntN(40))*time.Millisecond, 0)
		for _, id := range cfg.Nodes {
			note(id, c.NodeFacts)
		}
		for _, id := range cfg.Clients {
			note(id, c.ClientFacts)
		}
	}
	for _, src := range []*kit.FactSource{c.NodeFacts, c.ClientFacts} {
		for _, f := range src.Declared() {
			if !set[f.Name] {
				t.Errorf("fact %s never took a value", f.Name)
			}
		}
	}
}
