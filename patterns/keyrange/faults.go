package keyrange

import (
	"math/rand/v2"

	"clusterscope/engine"
	"clusterscope/patterns/kit"
)

// moveFault asks the coordinator to move a random range to a random data
// node: moves beside the ones balancing makes, at any moment of a run.
var moveFault = kit.FaultGen{Name: "move", Draw: func(r *rand.Rand, w *engine.World) (engine.Command, bool) {
	t, ok := coordinatorTable(w)
	nodes := w.Members(RoleData)
	if !ok || len(t.Ranges) == 0 || len(nodes) == 0 {
		return engine.Command{}, false
	}
	rg := t.Ranges[r.IntN(len(t.Ranges))]
	return engine.Command{Kind: engine.CmdAction, Node: Coordinator, Name: actMove,
		Args: map[string]string{"range": rangeName(rg.ID), "to": nodes[r.IntN(len(nodes))]}}, true
}}

// splitFault asks the coordinator to split a random range at a random
// fruit inside it (a predefined split point).
var splitFault = kit.FaultGen{Name: "split", Draw: func(r *rand.Rand, w *engine.World) (engine.Command, bool) {
	t, ok := coordinatorTable(w)
	if !ok || len(t.Ranges) == 0 {
		return engine.Command{}, false
	}
	rg := t.Ranges[r.IntN(len(t.Ranges))]
	key := fruits[r.IntN(len(fruits))]
	return engine.Command{Kind: engine.CmdAction, Node: Coordinator, Name: actSplit,
		Args: map[string]string{"range": rangeName(rg.ID), "at": key}}, true
}}
