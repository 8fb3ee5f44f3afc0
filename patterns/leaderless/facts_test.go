package leaderless

import (
	"math/rand/v2"
	"testing"
	"time"

	"clusterscope/engine"
	"clusterscope/patterns/kit/kittest"
)

// Every declared fact is really computed: along a run with load, a cut
// that makes requests expire and a healed network, each takes a value
// other than its zero at some point, and a crashed server shows none.
func TestFactsAreComputed(t *testing.T) {
	c := RequestWaitingList()
	if err := c.ValidateFacts(); err != nil {
		t.Fatal(err)
	}
	s := kittest.Sim(t, c, 0, 3, map[string]int{ParamExpiry: 100})
	cfg := s.Config()
	seen := kittest.FactsSeen{}
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
			seen.Note(t, s.World(), c.NodeFacts, id)
		}
		for _, id := range cfg.Clients {
			seen.Note(t, s.World(), c.ClientFacts, id)
		}
	}
	seen.Check(t, c.NodeFacts, c.ClientFacts)
}
