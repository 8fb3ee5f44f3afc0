package gossip

import (
	"testing"

	"clusterscope/engine"
	"clusterscope/patterns/sweep"
)

// The monotonic-stamps check reads, after an event, only the members the
// event wrote (restamp lists them). That is the whole check only if every
// stamp an event changes is listed: replay a seed with crashes, restarts
// and partitions (the sweep's faults) and compare each node's stamps with
// a copy after every step.
func TestEveryChangedStampIsListed(t *testing.T) {
	c := GossipDissemination()
	for _, seed := range []uint64{1, 7} {
		cfg, err := c.Config(c.Size, seed)
		if err != nil {
			t.Fatal(err)
		}
		r := sweep.Run(c, cfg, sweep.Options{})
		s, err := engine.Replay(cfg, c.Model(cfg), r.Log, 0)
		if err != nil {
			t.Fatal(err)
		}
		copies := map[*Node][]Stamp{}
		writes := map[*Node]int{}
		for step := 0; step < r.Steps && step < 20_000; step++ {
			if _, ok := s.Step(); !ok {
				break
			}
			for _, id := range cfg.Nodes {
				n, ok := s.World().Process(id).(*Node)
				if !ok || n.stamps == nil {
					continue
				}
				old, seen := copies[n]
				if seen && len(old) == len(n.stamps) {
					// No write this step: nothing may change. Writes: this
					// step's event wrote them, and lists them.
					listed := map[int32]bool{}
					if n.writes != writes[n] {
						for _, j := range n.written {
							listed[j] = true
						}
					}
					for j := range n.stamps {
						if n.stamps[j] != old[j] && !listed[int32(j)] {
							t.Fatalf("seed %d step %d: %s's stamp of %s changed from %v to %v, not listed as written", seed, step, id, n.peers[j], old[j], n.stamps[j])
						}
					}
				}
				writes[n] = n.writes
				copies[n] = append(old[:0], n.stamps...)
			}
		}
	}
}
