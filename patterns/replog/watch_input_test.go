package replog

import (
	"strings"
	"testing"
	"time"

	"clusterscope/engine"
	"clusterscope/patterns/kit/kittest"
)

// Bad input gets a clear error and leaves the run as it was: a history of
// size 0 (or past the bound), a mode that is neither 0 nor 1, a watch on a
// prefix that is not a path, a disconnect for no time or for ever, a write
// to /controller, a key that is a prefix, an action the watcher does not
// take, an operation alice does not offer.
func TestWatchBadInputIsRefused(t *testing.T) {
	c := StateWatch()
	for _, p := range []map[string]int{{ParamHistorySize: 0}, {ParamHistorySize: maxHistorySize + 1}, {ParamOneShot: 2}} {
		if _, err := c.Sim(0, 1, p); err == nil {
			t.Fatalf("settings %v: no error", p)
		}
	}
	s := kittest.Sim(t, c, 0, 1, nil)
	s.RunFor(500*time.Millisecond, 1_000_000)
	before, ops := s.StepCount(), len(s.History())
	delphi := func(name string, args map[string]string) engine.Command {
		return engine.Command{Kind: engine.CmdAction, Node: "delphi", Name: name, Args: args}
	}
	alice := func(name string, args map[string]string) engine.Command {
		return engine.Command{Kind: engine.CmdClient, Node: "alice", Name: name, Args: args}
	}
	for _, tc := range []struct {
		cmd  engine.Command
		want string
	}{
		{engine.Command{Kind: engine.CmdParam, Name: ParamHistorySize, Value: 0}, ParamHistorySize},
		{engine.Command{Kind: engine.CmdParam, Name: ParamOneShot, Value: -1}, ParamOneShot},
		{delphi("watch", map[string]string{"prefix": "servers/"}), "must start with /"},
		{delphi("watch", map[string]string{"prefix": "/servers//"}), "empty path segment"},
		{delphi("watch", map[string]string{"prefix": "/servers/*"}), "may not hold"},
		{delphi("watch", nil), "give a prefix"},
		{delphi("disconnect", map[string]string{"ms": "0"}), "from 1 to"},
		{delphi("disconnect", map[string]string{"ms": "forever"}), "whole number"},
		{delphi("disconnect", map[string]string{"ms": "600000"}), "from 1 to"},
		{delphi("force-election", nil), "unknown action"},
		{alice("write", map[string]string{"key": "/controller", "value": "alice"}), "belongs to the data nodes"},
		{alice("write", map[string]string{"key": "/servers/", "value": "x"}), "ends with /"},
		{alice("delete", nil), "give a key"},
		{alice("read", map[string]string{"key": "/servers/gades"}), "unknown client operation"},
	} {
		err := s.Apply(tc.cmd)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: error %v, want one saying %q", tc.cmd, err, tc.want)
		}
	}
	if s.StepCount() != before || len(s.History()) != ops {
		t.Fatalf("refused commands changed the run: step %d → %d, operations %d → %d", before, s.StepCount(), ops, len(s.History()))
	}
}

// A core node refuses a malformed watch that reaches it anyway (from a
// client that does not check) with WatchRefused, and registers nothing.
func TestWatchServerRefusesAMalformedPrefix(t *testing.T) {
	s := kittest.Sim(t, StateWatch(), 0, 1, nil)
	s.RunFor(time.Second, 1_000_000)
	d := s.World().Process("delphi").(*Watcher)
	d.prefix, d.needsRead = "no-slash", false // as a careless client would
	kittest.Apply(t, s, engine.Command{Kind: engine.CmdAction, Node: "delphi", Name: "disconnect", Args: map[string]string{"ms": "10"}})
	s.RunFor(time.Second, 1_000_000)
	d = s.World().Process("delphi").(*Watcher)
	if d.state != watcherRefused {
		t.Fatalf("delphi is %s, want refused", d.state)
	}
	for _, id := range []string{"athens", "byzantium", "cyrene"} {
		if n := nodeOf(s.World(), id); n.core.watch != nil && len(n.core.watch.regs) > 0 {
			t.Fatalf("%s registered %+v", id, n.core.watch.regs)
		}
	}
}
