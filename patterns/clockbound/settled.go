package clockbound

import (
	"fmt"

	"clusterscope/engine"
	"clusterscope/patterns/kit"
)

// Settled: once every fault is healed and the cluster ran on, every server
// is up, every write it stamped is committed on every replica, no read is
// held, and every replica holds the same versions.
func Settled(w *engine.World) kit.Verdict {
	states := map[string]map[string]string{}
	for _, id := range w.Members(engine.RoleNode) {
		s, ok := w.Process(id).(*Server)
		if !ok {
			return kit.Verdict{Check: "up", Text: id + " is not up"}
		}
		if len(s.writes) > 0 {
			return kit.Verdict{Check: "writes-committed", Text: fmt.Sprintf("%s still has %d writes not committed on every replica", id, len(s.writes))}
		}
		if n := len(s.parked) + len(s.clockWaits); n > 0 {
			return kit.Verdict{Check: "reads-answered", Text: fmt.Sprintf("%s still holds %d reads", id, n)}
		}
		state := map[string]string{}
		for k, vs := range s.store {
			v := vs[len(vs)-1]
			state[k] = fmt.Sprintf("%s %s committed=%v", v.Value, stampText(v.TS), v.Committed)
		}
		states[id] = state
	}
	if v := kit.Converged(states); !v.OK {
		return v
	}
	return kit.Verdict{Check: "settled", OK: true, Text: "every server is up, every write is committed everywhere and no read waits"}
}
