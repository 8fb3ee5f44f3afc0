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
