package clocks

import (
	"fmt"

	"clusterscope/engine"
	"clusterscope/patterns/kit"
)

// Settled: once every fault is healed and the cluster ran on, every server
// is up with no copy waiting for an acknowledgement, every replica holds
// the same version of every key, and no acknowledged write is held by a
// replica at a version above the one that replica keeps... in short:
// every acknowledged write is kept or beaten by a higher stamp everywhere.
func Settled(w *engine.World) kit.Verdict {
	states := map[string]map[string]string{}
	var servers []*Server
	for _, id := range w.Members(engine.RoleNode) {
		s, ok := w.Process(id).(*Server)
		if !ok {
			return kit.Verdict{Check: "up", Text: id + " is not up"}
		}
		if len(s.pending) > 0 {
			return kit.Verdict{Check: "copies-acknowledged", Text: fmt.Sprintf("%s still has %d copies not acknowledged", id, len(s.pending))}
		}
		state := map[string]string{}
		for k, h := range s.store {
			state[k] = h.Value + " @" + h.Version.String()
		}
		states[id] = state
		servers = append(servers, s)
	}
	if v := kit.Converged(states); !v.OK {
		return v
	}
	for _, op := range w.History() {
		in, _ := op.Input.(Op)
		res, ok := op.Output.(Result)
		if op.Status != engine.OpOK || !ok || in.Kind != opWrite {
			continue
		}
		for _, s := range servers {
			if h := s.store[in.Key]; res.Version.Newer(h.Version) {
				return kit.Verdict{Check: "acked-write-kept", Ops: []int{op.ID},
					Text: fmt.Sprintf("%s's %s was acknowledged at %s, but %s holds %s @%s, an older stamp", op.Client, in, res.Version, s.id, in.Key, h.Version)}
			}
		}
	}
	return kit.Verdict{Check: "settled", OK: true, Text: "every server is up and holds the same versions, and every acknowledged write is kept or beaten by a higher stamp"}
}
