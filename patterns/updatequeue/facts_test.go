package updatequeue

import (
	"math/rand/v2"
	"testing"
	"time"

	"clusterscope/engine"
	"clusterscope/patterns/kit/kittest"
)

// Every declared fact is really computed: along a run of the heartbeat
// setup with load, a full queue, a slow disk, a crash and a restart, each
// takes a value other than its zero at some point (a field the facts
// function forgot to fill would stay zero), and a crashed athens shows
// none.
func TestFactsAreComputed(t *testing.T) {
	c := SingularUpdateQueue().Setups[1].Cluster
	if err := c.ValidateFacts(); err != nil {
		t.Fatal(err)
	}
	s := kittest.Sim(t, c, 0, 3, map[string]int{ParamCapacity: 3, ParamClientTimeout: 300})
	cfg := s.Config()
	seen := kittest.FactsSeen{}
	r := rand.New(rand.NewPCG(3, 7))
	for i := range 120 {
		switch i {
		case 10:
			_ = s.Apply(engine.Command{Kind: engine.CmdDisk, Node: "athens", Name: engine.DiskSlow, Value: 50})
		case 60:
			_ = s.Apply(engine.Command{Kind: engine.CmdCrash, Node: "athens"})
		case 70:
			_ = s.Apply(engine.Command{Kind: engine.CmdRestart, Node: "athens"})
			_ = s.Apply(engine.Command{Kind: engine.CmdDisk, Node: "athens", Name: engine.DiskHealthy})
		}
		_ = s.Apply(c.Workload(r, cfg.Nodes, cfg.Clients))
		s.RunFor(time.Duration(1+r.IntN(40))*time.Millisecond, 0)
		for _, id := range append(s.World().Members(engine.RoleNode), s.World().Members(rolePeer)...) {
			seen.Note(t, s.World(), c.NodeFacts, id)
		}
		for _, id := range cfg.Clients {
			seen.Note(t, s.World(), c.ClientFacts, id)
		}
		seen.Note(t, s.World(), c.ClusterFacts, "")
	}
	seen.Check(t, c.NodeFacts, c.ClientFacts, c.ClusterFacts)
}

// BenchmarkSingularUpdateQueue measures simulated events per second on
// the bank setup (every invariant on, WAL fsynced on the engine's disk)
// under a client operation every 2 ms of virtual time: athens's queue
// stays busy and now and then full.
func BenchmarkSingularUpdateQueue(b *testing.B) {
	c := SingularUpdateQueue()
	kittest.WorkloadLoad(b, c, kittest.Sim(b, c, 0, 1, nil), 2*time.Millisecond)
}
