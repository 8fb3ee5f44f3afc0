package clocks

import (
	"math/rand/v2"
	"strconv"
	"time"

	"clusterscope/engine"
	"clusterscope/patterns/kit"
)

// clockAhead sets one server's Lamport clock well ahead of the others, as
// the learner's action does: the gap a server that ignores incoming
// stamps stumbles on.
var clockAhead = kit.FaultGen{Name: "clock-ahead", Draw: func(r *rand.Rand, w *engine.World) (engine.Command, bool) {
	nodes := w.Nodes()
	i := r.IntN(len(nodes))
	s, ok := w.NodeProcess(i).(*Server)
	if !ok {
		return engine.Command{}, false
	}
	to := s.clock.N + 5 + r.Int64N(30)
	return engine.Command{Kind: engine.CmdAction, Node: nodes[i], Name: actSetClock, Args: map[string]string{"value": strconv.FormatInt(to, 10)}}, true
}}

// clockSkew puts one server's physical clock out: a lag or a lead of up
// to half a second, or a step back (an NTP correction). The built-in
// clock faults are rare among the others; these come often enough that a
// sweep finds a stamp that follows a skewed clock.
var clockSkew = kit.FaultGen{Name: "clock-skew", Draw: func(r *rand.Rand, w *engine.World) (engine.Command, bool) {
	nodes := w.Nodes()
	node := nodes[r.IntN(len(nodes))]
	if r.IntN(2) == 0 {
		d := time.Duration(r.Int64N(1000)-500) * time.Millisecond
		return engine.Command{Kind: engine.CmdOffset, Node: node, Dur: engine.Duration(d)}, true
	}
	d := -time.Duration(1+r.Int64N(300)) * time.Millisecond
	return engine.Command{Kind: engine.CmdJump, Node: node, Dur: engine.Duration(d)}, true
}}
