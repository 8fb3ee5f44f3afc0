package channel

import (
	"math/rand/v2"
	"testing"
	"time"

	"clusterscope/engine"
	"clusterscope/patterns/kit"
)

// Every declared fact is really computed: along a run with load, a reset,
// a snapshot (a false suspicion), a crashed follower and a crashed leader
// (writes time out), each takes a
// value other than its zero at some point (a field the facts function
// forgot to fill would stay zero), and a crashed node shows none.
func TestFactsAreComputed(t *testing.T) {
	c := SingleSocketChannel()
	if err := c.ValidateFacts(); err != nil {
		t.Fatal(err)
	}
	cfg, err := c.Config(0, 3)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Params[ParamClientTimeout] = 300
	s, err := engine.New(cfg, c.Model(cfg))
	if err != nil {
		t.Fatal(err)
	}
	set := map[string]bool{}
	note := func(what, id string, src *kit.FactSource) {
		v, ok := src.Of(s.World(), id)
		if crashed := s.World().Status(id) == engine.StatusCrashed; ok == crashed {
			t.Fatalf("%s %s (crashed %v) shows facts: %v", what, id, crashed, ok)
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
	for i := range 200 {
		switch i {
		case 20:
			_ = s.Apply(engine.Command{Kind: engine.CmdReset, From: "athens", To: "byzantium"})
		case 40:
			_ = s.Apply(engine.Command{Kind: engine.CmdAction, Node: "athens", Name: actSnapshot, Args: map[string]string{"to": "byzantium"}})
		case 120:
			_ = s.Apply(engine.Command{Kind: engine.CmdCrash, Node: "cyrene"})
		case 150:
			_ = s.Apply(engine.Command{Kind: engine.CmdCrash, Node: "athens"})
		case 170:
			_ = s.Apply(engine.Command{Kind: engine.CmdRestart, Node: "athens"})
		}
		_ = s.Apply(c.Workload(r, cfg.Nodes, cfg.Clients))
		s.RunFor(time.Duration(1+r.IntN(60))*time.Millisecond, 0)
		for _, id := range cfg.Nodes {
			note("server", id, c.NodeFacts)
		}
		for _, id := range cfg.Clients {
			note("client", id, c.ClientFacts)
		}
		note("cluster", "", c.ClusterFacts)
	}
	for _, src := range []*kit.FactSource{c.NodeFacts, c.ClientFacts, c.ClusterFacts} {
		for _, d := range src.Declared() {
			if !set[d.Name] {
				t.Errorf("fact %s never took a value", d.Name)
			}
		}
	}
}
