package gossip

import (
	"strings"
	"testing"

	"clusterscope/engine"
	"clusterscope/patterns/kit/kittest"
)

// Settings out of range or that cannot run together are refused with a
// reason that names them.
func TestBadSettingsAreRefused(t *testing.T) {
	c := GossipDissemination()
	for _, tc := range []struct {
		size   int
		params map[string]int
		want   string
	}{
		{20, map[string]int{ParamFanout: 0}, ParamFanout},
		{7, nil, "7"},
		{201, nil, "201"},
		{20, map[string]int{ParamSuspect: 100}, ParamSuspect},
		{20, map[string]int{ParamDead: 1000}, ParamDead},
	} {
		_, err := c.Sim(tc.size, 1, tc.params)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("size %d, %v: got %v, want an error naming %q", tc.size, tc.params, err, tc.want)
		}
	}
}

// A bad rumour action gets a clear error and changes nothing.
func TestBadRumourIsRefused(t *testing.T) {
	s := kittest.Sim(t, GossipDissemination(), 0, 1, nil)
	s.RunFor(500_000_000, 0)
	before, logged := s.StepCount(), len(s.Log())
	for _, cmd := range []engine.Command{
		{Kind: engine.CmdAction, Node: "athens", Name: actRumour, Args: map[string]string{"value": ""}},
		{Kind: engine.CmdAction, Node: "athens", Name: actRumour, Args: map[string]string{"value": strings.Repeat("x", 25)}},
		{Kind: engine.CmdAction, Node: "athens", Name: "shout"},
	} {
		if err := s.Apply(cmd); err == nil {
			t.Errorf("%v: accepted", cmd)
		}
	}
	if s.StepCount() != before || len(s.Log()) != logged {
		t.Errorf("refused commands changed the run: steps %d→%d, log %d→%d", before, s.StepCount(), logged, len(s.Log()))
	}
	if n := s.World().Process("athens").(*Node); n.started.Ver != 0 {
		t.Errorf("athens started a rumour %q", n.started.Value)
	}
}
