package gossip

import (
	"testing"
	"time"

	"clusterscope/engine"
	"clusterscope/patterns/kit/kittest"
)

// Every declared fact is really computed: along a run with a rumour, a
// long pause (suspected, then declared dead while up) and a restart, each
// takes a value other than its zero at some point.
func TestFactsAreComputed(t *testing.T) {
	c := GossipDissemination()
	if err := c.ValidateFacts(); err != nil {
		t.Fatal(err)
	}
	s := kittest.Sim(t, c, 8, 1, nil)
	seen := kittest.FactsSeen{}
	note := func() {
		for _, id := range s.Config().Nodes {
			seen.Note(t, s.World(), c.NodeFacts, id)
		}
		seen.Note(t, s.World(), c.ClusterFacts, "")
	}
	for i := range 60 {
		switch i {
		case 5:
			rumour(t, s, "athens", "hello")
		case 10:
			kittest.Apply(t, s, engine.Command{Kind: engine.CmdPause, Node: "ephesus"})
		case 40:
			kittest.Apply(t, s, engine.Command{Kind: engine.CmdResume, Node: "ephesus"})
			kittest.Apply(t, s, engine.Command{Kind: engine.CmdCrash, Node: "cyrene"})
		case 45:
			kittest.Apply(t, s, engine.Command{Kind: engine.CmdRestart, Node: "cyrene"})
		}
		s.RunFor(200*time.Millisecond, 0)
		note()
	}
	seen.Check(t, c.NodeFacts, c.ClusterFacts)
}
