package replog

import (
	"testing"
	"time"

	"clusterscope/engine"
	"clusterscope/patterns/kit/kittest"
)

// Settled holds for a healthy cluster, fails while a partitioned old leader
// still believes it leads beside a new one, and holds again once healed.
func TestSettledNeedsOneLeaderAndCaughtUpLogs(t *testing.T) {
	c := ReplicatedLog()
	s := kittest.Sim(t, c, 0, 1, nil)
	cfg := s.Config()
	write := func(v string) {
		if err := s.Apply(engine.Command{Kind: engine.CmdClient, Node: "alice", Name: "write", Args: map[string]string{"key": "x", "value": v}}); err != nil {
			t.Fatal(err)
		}
	}
	s.RunFor(time.Second, 0)
	write("1")
	s.RunFor(time.Second, 0)
	if v := Settled(s.World()); !v.OK {
		t.Fatalf("a calm cluster is not settled: %+v", v)
	}
	old := clusterFactsOf(s.World()).Leader
	var rest []string
	for _, id := range cfg.Nodes {
		if id != old {
			rest = append(rest, id)
		}
	}
	if err := s.Apply(engine.Command{Kind: engine.CmdPartition, Groups: [][]string{{old}, rest}}); err != nil {
		t.Fatal(err)
	}
	s.RunFor(time.Second, 0)
	if v := Settled(s.World()); v.OK || v.Check != "one-leader" {
		t.Fatalf("with %s cut off and a new leader elected: %+v, want one-leader to fail", old, v)
	}
	if err := s.Apply(engine.Command{Kind: engine.CmdHeal}); err != nil {
		t.Fatal(err)
	}
	write("2")
	s.RunFor(3*time.Second, 0)
	if v := Settled(s.World()); !v.OK {
		t.Fatalf("healed: %+v", v)
	}
}
