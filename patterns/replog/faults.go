package replog

import (
	"math/rand/v2"

	"clusterscope/engine"
	"clusterscope/patterns/kit"
)

// noopFaults aim the sweep at the moment Raft's figure 8 needs: an older
// generation's entry on a majority while the new leader's own no-op is
// not. Left to chance that moment lasts one round trip, and random sweeps
// found commit-by-counting on no seed of 4,000; with these, on about 2 in
// 100.
var noopFaults = []kit.FaultGen{
	{Name: "lose-noop", Draw: loseNoop},
}

// loseNoop drops the next no-op messages of whoever leads (100 to 400 of
// them: seconds of heartbeats). The entries of earlier generations still
// travel and can reach a majority; the no-op does not, so the leader stays
// where an older entry is on a majority but not committed, a follower
// holding a newer generation's divergent entry hears nothing, times out and
// can win. Healing lifts the rule.
func loseNoop(r *rand.Rand, w *engine.World) (engine.Command, bool) {
	return engine.Command{Kind: engine.CmdDropNext, MsgKind: KindNoop, Count: 100 + r.IntN(301)}, true
}

// heartbeatFaults aim the sweep at what any-message-resets-timeout needs:
// the leader gone while followers keep hearing from someone else. Clients
// are that someone: impatient ones (a short client timeout) try the
// crashed leader, give up fast and ask the followers, again and again.
var heartbeatFaults = []kit.FaultGen{
	{Name: "crash-leader", Draw: crashLeader},
	{Name: "impatient-clients", Draw: impatientClients},
}

// crashLeader crashes the node that leads (a random crash hits it one time
// in N).
func crashLeader(r *rand.Rand, w *engine.World) (engine.Command, bool) {
	if n := upLeader(w); n != nil {
		return engine.Command{Kind: engine.CmdCrash, Node: n.id}, true
	}
	return engine.Command{}, false
}

// upLeader is the first up server that believes it leads (nil if none).
func upLeader(w *engine.World) *Node {
	for _, id := range w.Members(engine.RoleNode) {
		if n := nodeOf(w, id); n != nil && n.role == Leader && w.Status(id) == engine.StatusUp {
			return n
		}
	}
	return nil
}

// impatientClients sets the client timeout to 10–50 ms, or back to its
// default.
func impatientClients(r *rand.Rand, w *engine.World) (engine.Command, bool) {
	v := defClientTimeout
	if r.IntN(3) > 0 {
		v = 10 + r.IntN(41)
	}
	return engine.Command{Kind: engine.CmdParam, Name: ParamClientTimeout, Value: v}, true
}
