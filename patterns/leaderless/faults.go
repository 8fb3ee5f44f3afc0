package leaderless

import (
	"math/rand/v2"

	"clusterscope/engine"
	"clusterscope/patterns/kit"
)

// duplicateAcks makes one link to athens (the write coordinator) deliver
// most messages twice, athens's link to itself among them, or makes such a
// link clean again. Random network settings duplicate a message now and
// then; a duplicate ack matters only when it reaches the coordinator
// before the second replica's ack does, which a link that doubles most of
// what it carries makes common.
var duplicateAcks = kit.FaultGen{Name: "duplicate-acks", Draw: func(r *rand.Rand, w *engine.World) (engine.Command, bool) {
	nodes := w.Members(engine.RoleNode)
	if len(nodes) == 0 {
		return engine.Command{}, false
	}
	net := engine.DefaultNet
	if r.IntN(3) > 0 {
		net.DupPct = float64(50 + r.IntN(51))
	}
	return engine.Command{Kind: engine.CmdNetwork, From: nodes[r.IntN(len(nodes))], To: coordinator(nodes), Net: &net}, true
}}
