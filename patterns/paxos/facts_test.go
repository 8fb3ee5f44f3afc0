package paxos

import (
	"math/rand/v2"
	"testing"
	"time"

	"clusterscope/engine"
	"clusterscope/patterns/kit/kittest"
)

// Every declared fact is really computed: along a run with load on a few
// keys, a partition that makes proposers retry and a healed network, each
// takes a value other than its zero at some point; a partition of the
// clients makes them give up.
func TestFactsAreComputed(t *testing.T) {
	c := Paxos()
	if err := c.ValidateFacts(); err != nil {
		t.Fatal(err)
	}
	s := kittest.Sim(t, c, 0, 3, nil)
	cfg := s.Config()
	seen := kittest.FactsSeen{}
	r := rand.New(rand.NewPCG(3, 7))
	for i := range 120 {
		switch i {
		case 30:
			_ = s.Apply(engine.Command{Kind: engine.CmdPartition, Groups: [][]string{{"athens", "cyrene", "alice", "bob"}, {"byzantium", "delphi", "ephesus"}}})
		case 60:
			// The clients alone: their proposals get no answer, and they give up.
			_ = s.Apply(engine.Command{Kind: engine.CmdPartition, Groups: [][]string{{"alice", "bob"}, {"athens", "byzantium", "cyrene", "delphi", "ephesus"}}})
		case 62:
			s.RunFor(2500*time.Millisecond, 0)
		case 90:
			_ = s.Apply(engine.Command{Kind: engine.CmdHeal})
		}
		_ = s.Apply(c.Workload(r, cfg.Nodes, cfg.Clients))
		s.RunFor(time.Duration(1+r.IntN(40))*time.Millisecond, 0)
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
