package web

import (
	"fmt"
	"strconv"
	"testing"
	"time"

	"clusterscope/engine"
	"clusterscope/patterns"
	"clusterscope/patterns/kit"
)

// A tiny pattern for protocol tests: every node pings its peers each 100 ms
// and counts what it received. The "boom" action panics, to test that a
// failing simulation ends only its own session.

type ping struct{}

func (ping) Kind() string { return "Ping" }

type pinger struct{ got, booms int }

func (n *pinger) Handle(env engine.Env, ev engine.Event) {
	switch ev.Kind {
	case engine.EvStart:
		env.SetTimer("tick", 100*time.Millisecond)
	case engine.EvTimer:
		for _, p := range env.Peers() {
			if p != env.ID() {
				env.Send(p, ping{})
			}
		}
		env.SetTimer("tick", 100*time.Millisecond)
	case engine.EvReceive:
		n.got++
	case engine.EvRequest:
		if ev.Request.Name == "boom" {
			panic("boom: the test pattern exploded")
		}
		n.booms++
	}
}

func (n *pinger) View() engine.ProcessView {
	return engine.ProcessView{Role: "pinger", Widgets: []engine.Widget{{Type: "fields", Title: "State",
		Fields: []engine.Field{{Label: "received", Value: strconv.Itoa(n.got)}}}}}
}

func testPatterns() []*patterns.Pattern {
	cl := &kit.Cluster{
		Nodes: patterns.NodeNames(3), MinNodes: 1, MaxNodes: 5,
		Variants: []kit.Variant{{Name: "lossy", Label: "Lossy", Description: "does nothing here"}},
		Actions:  []kit.Action{{Name: "boom", Label: "Boom", Target: "node"}, {Name: "poke", Label: "Poke", Target: "node"}},
		Build: func(cfg engine.Config) engine.Model {
			return engine.Model{
				NewProcess: func(id string, role engine.Role) engine.Process { return &pinger{} },
				Invariants: func() []engine.Invariant {
					return []engine.Invariant{{Name: "never-three-crashed", Description: "test invariant",
						Check: func(w *engine.World) (string, []string) {
							down := 0
							for _, id := range w.Nodes() {
								if w.Status(id) == "crashed" {
									down++
								}
							}
							if down >= 3 {
								return fmt.Sprintf("%d nodes crashed", down), w.Nodes()
							}
							return "", nil
						}}}
				},
			}
		},
	}
	return []*patterns.Pattern{
		{ID: "test-ping", Title: "Test Ping", Track: "T1", Intent: "Ping for tests.", Cluster: cl},
		{ID: "test-coming", Title: "Test Coming", Track: "T2", Intent: "Not built."},
	}
}

func TestTestPatternRuns(t *testing.T) {
	p := testPatterns()[0]
	cfg, err := p.Config(0, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	sim, err := p.NewSim(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if n := sim.RunFor(time.Second, 0); n == 0 {
		t.Fatal("the test pattern does nothing")
	}
}
