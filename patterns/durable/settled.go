package durable

import (
	"fmt"

	"clusterscope/engine"
	"clusterscope/patterns/kit"
)

// Settled: after every fault is healed, the server is up, has applied
// everything it wrote, and its state holds every acknowledged write.
func Settled(w *engine.World) kit.Verdict {
	for _, id := range w.Members(engine.RoleNode) {
		n, _ := w.Process(id).(*Node)
		if n == nil || n.log == nil || w.Status(id) != engine.StatusUp {
			return kit.Verdict{Check: "up", Text: fmt.Sprintf("%s is %s after healing.", id, w.Status(id))}
		}
		if len(n.waiting) > 0 {
			return kit.Verdict{Check: "all-applied", Text: fmt.Sprintf("%s still has %d puts waiting for an fsync after healing.", id, len(n.waiting))}
		}
		if v := kit.NoLostWrite(w.History(), n.kv); !v.OK {
			return v
		}
	}
	return kit.Verdict{Check: "no-lost-write", OK: true, Text: "every acknowledged write is in the state"}
}
