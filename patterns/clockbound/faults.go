package clockbound

import (
	"math/rand/v2"
	"time"

	"clusterscope/engine"
	"clusterscope/patterns/kit"
)

// skewWithinBound sets one server's clock offset anywhere within half of
// maxOffset either side of true time, and most often at an edge: then no
// two clocks are ever more than maxOffset apart, which is what the
// servers assume, and the clocks are as far apart as that allows, which
// is where a server that ignores the uncertainty stumbles.
var skewWithinBound = kit.FaultGen{Name: "skew-within-bound", Draw: func(r *rand.Rand, w *engine.World) (engine.Command, bool) {
	nodes := w.Nodes()
	half := time.Duration(w.Param(ParamMaxOffset, defMaxOffset)) * time.Millisecond / 2
	d := half
	switch r.IntN(4) {
	case 0:
		d = -half
	case 1:
		d = time.Duration(r.Int64N(int64(2*half)+1)) - half
	}
	d = d.Truncate(time.Microsecond)
	return engine.Command{Kind: engine.CmdOffset, Node: nodes[r.IntN(len(nodes))], Dur: engine.Duration(d)}, true
}}
