package replog

import (
	"math/rand/v2"
	"testing"
	"time"

	"clusterscope/engine"
	"clusterscope/patterns/kit/kittest"
)

// A read at a version is the newest version at or below it; compaction
// keeps, per key, the newest version at or below its point and all later
// ones, so reads at or above the point are unchanged.
func TestVersionStoreFloorReadsAndCompaction(t *testing.T) {
	s := newVersionStore()
	s.put(accountA, "40", 3, false)
	s.put(accountA, "30", 7, false)
	s.put("x", "1", 5, false)
	for _, c := range []struct {
		key  string
		at   int
		want string
		ok   bool
	}{{accountA, 0, "50", true}, {accountA, 2, "50", true}, {accountA, 3, "40", true}, {accountA, 6, "40", true}, {accountA, 99, "30", true}, {"x", 4, "", false}, {"x", 5, "1", true}} {
		if v, ok := s.get(c.key, c.at, false); ok != c.ok || v.value != c.want {
			t.Errorf("get(%s, %d) = %q %v, want %q %v", c.key, c.at, v.value, ok, c.want, c.ok)
		}
	}
	before := map[int]string{}
	for at := 4; at <= 8; at++ {
		v, _ := s.get(accountA, at, false)
		before[at] = v.value
	}
	if dropped := s.compact(4); dropped != 1 || s.compacted != 4 { // A@0 only: B's one version is its newest at or below 4
		t.Fatalf("compact(4) dropped %d versions (want 1), compacted below %d (want 4)", dropped, s.compacted)
	}
	if len(s.keys[accountA]) != 2 || len(s.keys[accountB]) != 1 {
		t.Fatalf("after compact(4): A has %d versions (want 40@3, 30@7), B %d (want its only one)", len(s.keys[accountA]), len(s.keys[accountB]))
	}
	for at, want := range before {
		if v, _ := s.get(accountA, at, false); v.value != want {
			t.Errorf("get(A, %d) changed from %q to %q across the compaction", at, want, v.value)
		}
	}
}

// Overwriting in place keeps one version, and a read at any version gets
// the current value: the flaw the variant is.
func TestVersionStoreOverwriteInPlace(t *testing.T) {
	s := newVersionStore()
	s.put(accountB, "60", 3, true)
	if len(s.keys[accountB]) != 1 {
		t.Fatalf("B has %d versions, want 1", len(s.keys[accountB]))
	}
	if v, _ := s.get(accountB, 2, true); v.value != "60" || v.at != 3 {
		t.Fatalf("a read of B at v2 gave %q@%d, want the current 60@3", v.value, v.at)
	}
}

// Every fact the page declares is really computed: under its own load
// (transfers, reports, reads at versions), compactions and a leader crash,
// each takes a value other than its zero.
func TestVersionedFactsAreComputed(t *testing.T) {
	c := VersionedValue()
	cfg := config(c, 3)
	s, err := engine.New(cfg, c.Model(cfg))
	if err != nil {
		t.Fatal(err)
	}
	seen := kittest.FactsSeen{}
	r := rand.New(rand.NewPCG(3, 7))
	for i := range 120 {
		s.RunFor(50*time.Millisecond, 0)
		_ = s.Apply(c.Workload(r, cfg.Nodes, cfg.Clients))
		switch i % 40 {
		case 10, 25:
			if cmd, ok := compactAtLeader(r, s.World()); ok {
				_ = s.Apply(cmd)
			}
		case 39:
			if cmd, ok := crashLeader(r, s.World()); ok {
				_ = s.Apply(cmd)
			}
		}
		for _, id := range cfg.Nodes {
			seen.Note(t, s.World(), c.NodeFacts, id)
		}
		for _, id := range cfg.Clients {
			seen.Note(t, s.World(), c.ClientFacts, id)
		}
	}
	seen.Check(t, c.NodeFacts, c.ClientFacts)
	if v := s.Violations(); len(v) > 0 {
		t.Fatalf("violations: %v", v)
	}
}

// BenchmarkVersionedValueClientLoad: on three servers, one command a
// millisecond: alice's transfers, philip's reads at older versions, and a
// report every half second (one runs at a time).
func BenchmarkVersionedValueClientLoad(b *testing.B) {
	c := VersionedValue()
	kittest.ClientLoad(b, c, 3, nil, func(i int, cfg engine.Config) engine.Command {
		switch {
		case i%500 == 499:
			return engine.Command{Kind: engine.CmdClient, Node: "philip", Name: actionReport}
		case i%4 == 3:
			return engine.Command{Kind: engine.CmdClient, Node: "philip", Name: actionReadAt,
				Args: map[string]string{"key": accountB, "at": itoa(i / 4)}}
		}
		return engine.Command{Kind: engine.CmdClient, Node: "alice", Name: actionTransfer,
			Args: map[string]string{"from": accountA, "to": accountB, "amount": itoa(1 + i%7)}}
	})
}

// A learner's write adds a version stamped with its entry's log index on
// every server, and alice is told that version.
func TestVersionedWriteIsVersionedByLogIndex(t *testing.T) {
	c := VersionedValue()
	s := kittest.Sim(t, c, 3, 1, map[string]int{ParamElectionMin: 5000, ParamElectionMax: 6000})
	for _, cmd := range []engine.Command{
		{Kind: engine.CmdAction, Node: "athens", Name: "force-election"},
		{Kind: engine.CmdClient, Node: "alice", Name: "write", Args: map[string]string{"key": "x", "value": "7"}},
	} {
		if err := s.Apply(cmd); err != nil {
			t.Fatal(err)
		}
		s.RunFor(200*time.Millisecond, 0)
	}
	for _, id := range []string{"athens", "byzantium", "cyrene"} {
		n := nodeOf(s.World(), id)
		if vs := n.mv.keys["x"]; len(vs) != 1 || vs[0].value != "7" || n.entry(vs[0].at).Key != "x" {
			t.Fatalf("%s keeps x as %+v, want one version 7 stamped with the index of its entry", id, vs)
		}
	}
	if cl := s.World().Process("alice").(*VersionedClient); cl.rc.Last() != "put x=7 → v2" {
		t.Fatalf("alice's last outcome is %q, want put x=7 → v2 (entry 1 is the election no-op)", cl.rc.Last())
	}
}
