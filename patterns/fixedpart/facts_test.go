package fixedpart

import (
	"math/rand/v2"
	"testing"
	"time"

	"clusterscope/engine"
	"clusterscope/patterns/kit/kittest"
)

// Every declared fact is really computed: along a run with load, a join
// (partitions move), a crash (the controller marks athens down) and the
// broken check switched on (a stray write), each fact takes a value other
// than its zero at some point.
func TestFactsAreComputed(t *testing.T) {
	c := FixedPartitions()
	if err := c.ValidateFacts(); err != nil {
		t.Fatal(err)
	}
	s := kittest.Sim(t, c, 0, 3, nil)
	cfg := s.Config()
	seen := kittest.FactsSeen{}
	r := rand.New(rand.NewPCG(3, 7))
	for i := range 160 {
		switch i {
		case 20:
			_ = s.Apply(engine.Command{Kind: engine.CmdJoin, Node: "delphi"})
		case 50:
			_ = s.Apply(engine.Command{Kind: engine.CmdCrash, Node: "athens"})
		case 65:
			s.RunFor(2500*time.Millisecond, 0) // operations on athens's partitions give up
		case 80:
			_ = s.Apply(engine.Command{Kind: engine.CmdRestart, Node: "athens"})
		case 100:
			_ = s.Apply(engine.Command{Kind: engine.CmdVariant, Name: VarNoVersionCheck, On: true})
			_ = s.Apply(engine.Command{Kind: engine.CmdJoin, Node: "ephesus"})
		}
		_ = s.Apply(c.Workload(r, cfg.Nodes, cfg.Clients))
		s.RunFor(time.Duration(1+r.IntN(40))*time.Millisecond, 0)
		for _, id := range append(append([]string(nil), cfg.Nodes...), cfg.Standby...) {
			if st := s.World().Status(id); st != engine.StatusStandby && st != engine.StatusLeft {
				seen.Note(t, s.World(), c.NodeFacts, id)
			}
		}
		for _, id := range cfg.Clients {
			seen.Note(t, s.World(), c.ClientFacts, id)
		}
		seen.Note(t, s.World(), c.ClusterFacts, "")
	}
	seen.Check(t, c.NodeFacts, c.ClientFacts, c.ClusterFacts)
}
