package twopc

import (
	"math/rand/v2"
	"testing"
	"time"

	"clusterscope/engine"
	"clusterscope/patterns/kit/kittest"
)

// Every declared fact is really computed: along a run with load, a vote
// the learner forces, a coordinator stopped at its crash point and
// crashed, a participant crashed while prepared, and the broken variant's
// forgotten vote, each takes a value other than its zero at some point.
func TestFactsAreComputed(t *testing.T) {
	c := TwoPhaseCommit()
	if err := c.ValidateFacts(); err != nil {
		t.Fatal(err)
	}
	seen := kittest.FactsSeen{}
	note := func(s *engine.Sim) {
		cfg := s.Config()
		for _, id := range cfg.Nodes {
			seen.Note(t, s.World(), c.NodeFacts, id)
		}
		for _, id := range cfg.Clients {
			seen.Note(t, s.World(), c.ClientFacts, id)
		}
		seen.Note(t, s.World(), c.ClusterFacts, "")
	}
	step := func(s *engine.Sim, d time.Duration) {
		for end := s.Now() + d; s.Now() < end; {
			if _, ok := s.Step(); !ok {
				break
			}
			note(s)
		}
	}
	s := kittest.Sim(t, c, 2, 3, nil)
	r := rand.New(rand.NewPCG(3, 7))
	cfg := s.Config()
	for range 20 {
		_ = s.Apply(c.Workload(r, cfg.Nodes, cfg.Clients))
		step(s, 20*time.Millisecond)
	}
	_ = s.Apply(engine.Command{Kind: engine.CmdAction, Node: "cyrene", Name: actVoteNo})
	_ = s.Apply(engine.Command{Kind: engine.CmdClient, Node: "alice", Name: opTransfer, Args: map[string]string{"from": "B2", "to": "C2", "amount": "1"}})
	step(s, 100*time.Millisecond)
	_ = s.Apply(engine.Command{Kind: engine.CmdAction, Node: "athens", Name: actStopAt, Args: map[string]string{"point": stopAfterDecision}})
	_ = s.Apply(engine.Command{Kind: engine.CmdClient, Node: "alice", Name: opTransfer, Args: map[string]string{"from": "B2", "to": "C2", "amount": "1"}})
	step(s, 100*time.Millisecond)
	_ = s.Apply(engine.Command{Kind: engine.CmdCrash, Node: "athens"})
	// bob's transfer finds no coordinator and he gives up.
	_ = s.Apply(engine.Command{Kind: engine.CmdClient, Node: "bob", Name: opTransfer, Args: map[string]string{"from": "C1", "to": "B1", "amount": "1"}})
	step(s, 200*time.Millisecond)
	_ = s.Apply(engine.Command{Kind: engine.CmdCrash, Node: "cyrene"})
	_ = s.Apply(engine.Command{Kind: engine.CmdRestart, Node: "cyrene"})
	step(s, 3500*time.Millisecond)
	_ = s.Apply(engine.Command{Kind: engine.CmdRestart, Node: "athens"})
	step(s, 500*time.Millisecond)

	b := kittest.Sim(t, c, 2, 1, nil, VarPreparedNotPersisted)
	b.RunFor(5*time.Millisecond, 0)
	_ = b.Apply(engine.Command{Kind: engine.CmdClient, Node: "alice", Name: opTransfer, Args: map[string]string{"from": "B1", "to": "C1", "amount": "30"}})
	for {
		if f, _ := nodeFactsOf(b.World(), "athens"); f.Decision["T1"] != "" {
			break
		}
		b.Step()
	}
	_ = b.Apply(engine.Command{Kind: engine.CmdCrash, Node: "cyrene"})
	_ = b.Apply(engine.Command{Kind: engine.CmdRestart, Node: "cyrene"})
	step(b, 300*time.Millisecond)
	seen.Check(t, c.NodeFacts, c.ClientFacts, c.ClusterFacts)
}
