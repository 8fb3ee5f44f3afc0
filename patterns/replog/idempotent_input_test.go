package replog

import (
	"strings"
	"testing"
	"time"

	"clusterscope/engine"
	"clusterscope/patterns/kit/kittest"
)

// Bad input gets a clear error and leaves the run as it was: a TTL below
// its range, an increment sent to a server that does not exist, a counter
// name past its bound, an operation this page does not offer.
func TestIdempotentBadInputIsRefused(t *testing.T) {
	c := IdempotentReceiver()
	if _, err := c.Sim(0, 1, map[string]int{ParamSessionTTL: 0}); err == nil || !strings.Contains(err.Error(), ParamSessionTTL) {
		t.Fatalf("a TTL of 0 ms: %v, want an error naming %s", err, ParamSessionTTL)
	}

	s := kittest.Sim(t, c, 0, 1, nil)
	s.RunFor(500*time.Millisecond, 1_000_000)
	before, ops := s.StepCount(), len(s.History())
	for _, tc := range []struct {
		cmd  engine.Command
		want string
	}{
		{engine.Command{Kind: engine.CmdParam, Name: ParamSessionTTL, Value: 50}, ParamSessionTTL},
		{engine.Command{Kind: engine.CmdClient, Node: "alice", Name: actionIncrement, Args: map[string]string{"node": "delphi"}}, `no server called "delphi"`},
		{engine.Command{Kind: engine.CmdClient, Node: "alice", Name: actionIncrement, Args: map[string]string{"counter": strings.Repeat("c", maxCounterName+1)}}, "counter name"},
		{engine.Command{Kind: engine.CmdClient, Node: "alice", Name: "write", Args: map[string]string{"key": "x"}}, "use increment"},
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
