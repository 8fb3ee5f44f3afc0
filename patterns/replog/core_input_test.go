package replog

import (
	"strings"
	"testing"
	"time"

	"clusterscope/engine"
	"clusterscope/patterns/kit/kittest"
)

// Bad input gets a clear error and leaves the run as it was: a lease TTL
// out of range, a key that is not a path, a write to a key the data nodes
// own, a request sent to a data node as if it were in the core, an
// operation the page does not offer, an action for a data node.
func TestCoreBadInputIsRefused(t *testing.T) {
	c := ConsistentCore()
	if _, err := c.Sim(0, 1, map[string]int{ParamLeaseTTL: -5}); err == nil || !strings.Contains(err.Error(), ParamLeaseTTL) {
		t.Fatalf("a negative TTL: %v, want an error naming %s", err, ParamLeaseTTL)
	}
	s := kittest.Sim(t, c, 0, 1, nil)
	s.RunFor(500*time.Millisecond, 1_000_000)
	before, ops := s.StepCount(), len(s.History())
	alice := func(name string, args map[string]string) engine.Command {
		return engine.Command{Kind: engine.CmdClient, Node: "alice", Name: name, Args: args}
	}
	for _, tc := range []struct {
		cmd  engine.Command
		want string
	}{
		{engine.Command{Kind: engine.CmdParam, Name: ParamLeaseTTL, Value: 10}, ParamLeaseTTL},
		{alice("read", map[string]string{"key": "controller"}), "must start with /"},
		{alice("read", map[string]string{"key": "/servers/"}), "use read-prefix"},
		{alice("read-prefix", map[string]string{"prefix": "/a//b"}), "empty path segment"},
		{alice("write", map[string]string{"key": "/controller", "value": "alice"}), "belongs to the data nodes"},
		{alice("write", map[string]string{"key": "/servers/delphi", "value": "down"}), "belongs to the data nodes"},
		{alice("write", map[string]string{"key": "/p q", "value": "1"}), "spaces"},
		{alice("read", map[string]string{"key": "/controller", "node": "delphi"}), `no core node called "delphi"`},
		{alice("watch", nil), "unknown client operation"},
		{engine.Command{Kind: engine.CmdAction, Node: "delphi", Name: "force-election"}, "unknown action"},
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
