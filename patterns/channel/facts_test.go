package channel

import (
	"math/rand/v2"
	"testing"
	"time"

	"clusterscope/engine"
	"clusterscope/patterns/kit/kittest"
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
	s := kittest.Sim(t, c, 0, 3, map[string]int{ParamClientTimeout: 300})
	cfg := s.Config()
	seen := kittest.FactsSeen{}
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
			seen.Note(t, s.World(), c.NodeFacts, id)
		}
		for _, id := range cfg.Clients {
			seen.Note(t, s.World(), c.ClientFacts, id)
		}
		seen.Note(t, s.World(), c.ClusterFacts, "")
	}
	seen.Check(t, c.NodeFacts, c.ClientFacts, c.ClusterFacts)
}
