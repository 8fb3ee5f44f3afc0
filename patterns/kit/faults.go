package kit

import (
	"math/rand/v2"

	"clusterscope/engine"
)

// FaultGen is a fault a pattern adds to sweeps beside the built-in ones
// (partitions, crashes, clock skews...): a disk that loses its unsynced
// writes, a node joining, a lease holder paused at the worst moment.
type FaultGen struct {
	Name string // shown in test failures: "disk-loss"
	// Draw picks one command from the run as it stands, drawing only from
	// r (never from the world's own randomness, so a schedule stays the
	// same seed after seed); ok is false when nothing sensible can be done
	// now (no node to act on), and the sweep then draws nothing.
	Draw func(r *rand.Rand, w *engine.World) (cmd engine.Command, ok bool)
}

// DiskFaults draws disk faults on a random server, for patterns that keep
// their state on the engine's Disk: a slow disk, failing fsyncs, a tear
// armed for the next crash, a nearly full disk, or a healthy disk again.
// Sweeps heal every disk at the end, as they heal the network.
var DiskFaults = FaultGen{Name: "disk", Draw: func(r *rand.Rand, w *engine.World) (engine.Command, bool) {
	nodes := w.Members(engine.RoleNode)
	if len(nodes) == 0 {
		return engine.Command{}, false
	}
	c := engine.Command{Kind: engine.CmdDisk, Node: nodes[r.IntN(len(nodes))]}
	switch r.IntN(5) {
	case 0:
		c.Name, c.Value = engine.DiskSlow, 2+r.IntN(30)
	case 1:
		c.Name, c.Value = engine.DiskFailFsync, 1+r.IntN(2)
	case 2:
		c.Name = engine.DiskTear
	case 3:
		c.Name, c.Value = engine.DiskFull, 200+r.IntN(2000)
	default:
		c.Name = engine.DiskHealthy
	}
	return c, true
}}

// ConnResets draws a reset of an open connection, for patterns whose
// processes talk over connections (env.Dial): both ends are told and what
// was in flight on it is lost.
var ConnResets = FaultGen{Name: "reset", Draw: func(r *rand.Rand, w *engine.World) (engine.Command, bool) {
	var open []engine.ConnView
	for _, c := range w.Conns() {
		if c.Open {
			open = append(open, c)
		}
	}
	if len(open) == 0 {
		return engine.Command{}, false
	}
	c := open[r.IntN(len(open))]
	return engine.Command{Kind: engine.CmdReset, From: c.From, To: c.To}, true
}}
