package gossip

import (
	"testing"

	"clusterscope/engine"
	"clusterscope/patterns/sweep"
)

// A node that restarts while a Syn it sent is still out must drop the
// answer: it was computed against the digest of its earlier life. Taking
// its heartbeats stamped n019's entry as held up to version 36 at n012
// while n012 lacked n019's rumour (version 19), which it then never asked
// for: sweep seed 3318 never converged. The run must settle, and at no
// point may a stamp claim a field its node does not hold.
func TestAnswerToAnEarlierLifeIsDropped(t *testing.T) {
	c := GossipDissemination()
	cfg, err := c.Config(c.Size, 3318)
	if err != nil {
		t.Fatal(err)
	}
	r := sweep.Run(c, cfg, sweep.Options{})
	if r.Failed {
		t.Fatalf("seed 3318: %v", r)
	}
	model := c.Model(cfg)
	for step := 0; step <= r.Steps; step += 50 {
		s, err := engine.Replay(cfg, model, r.Log, step)
		if err != nil {
			t.Fatal(err)
		}
		if who := stampClaimsUnheldRumour(s.World()); who != "" {
			t.Fatalf("step %d: %s", step, who)
		}
	}
}

// stampClaimsUnheldRumour names a node whose stamp of a member covers the
// version of that member's rumour while it holds an older one.
func stampClaimsUnheldRumour(w *engine.World) string {
	var nodes []*Node
	for i := range w.Nodes() {
		if n, ok := w.NodeProcess(i).(*Node); ok && w.Status(n.id) == engine.StatusUp {
			nodes = append(nodes, n)
		}
	}
	for _, owner := range nodes {
		own := owner.entries[owner.self]
		for _, x := range nodes {
			st, e := x.stamps[owner.self], x.entries[owner.self]
			if x == owner || st.Gen != own.gen || !e.known {
				continue
			}
			if own.rumour.Ver <= st.Ver && e.rumour.Ver < own.rumour.Ver {
				return x.id + "'s stamp of " + owner.id + " covers a rumour it lacks"
			}
		}
	}
	return ""
}
