package keyrange

import (
	"math/rand/v2"
	"testing"
	"time"

	"clusterscope/engine"
	"clusterscope/patterns/kit/kittest"
)

// Every declared fact is really computed: along a run with the sweep's
// load (splits and moves), a crash of a data node and, with the broken
// variant on so that a stray key appears, each takes a value other than
// its zero at some point.
func TestFactsAreComputed(t *testing.T) {
	c := KeyRangePartitions()
	if err := c.ValidateFacts(); err != nil {
		t.Fatal(err)
	}
	s := kittest.Sim(t, c, 0, 3, nil, VarNoEpochCheck)
	cfg := s.Config()
	seen := kittest.FactsSeen{}
	r := rand.New(rand.NewPCG(3, 7))
	for i := range 200 {
		switch i {
		case 60:
			_ = s.Apply(engine.Command{Kind: engine.CmdCrash, Node: "byzantium"})
		case 90:
			_ = s.Apply(engine.Command{Kind: engine.CmdRestart, Node: "byzantium"})
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
