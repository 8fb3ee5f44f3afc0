package clockbound

import (
	"math/rand/v2"
	"slices"
	"strconv"
	"time"

	"clusterscope/engine"
	"clusterscope/patterns/kit"
)

// skewWithinBound sets one server's clock offset anywhere within half of
// maxOffset either side of true time (in ClockBound mode, within the
// error bound the server claims), and most often at an edge: then no
// two clocks are ever more than maxOffset apart, which is what the
// servers assume, and the clocks are as far apart as that allows, which
// is where a server that ignores the uncertainty stumbles.
var skewWithinBound = kit.FaultGen{Name: "skew-within-bound", Draw: func(r *rand.Rand, w *engine.World) (engine.Command, bool) {
	nodes := w.Nodes()
	node := nodes[r.IntN(len(nodes))]
	half := skewLimit(w, node)
	d := half
	switch r.IntN(4) {
	case 0:
		d = -half
	case 1:
		d = time.Duration(r.Int64N(int64(2*half)+1)) - half
	}
	d = d.Truncate(time.Microsecond)
	return engine.Command{Kind: engine.CmdOffset, Node: node, Dur: engine.Duration(d)}, true
}}

// skewLimit is how far from true time a sweep sets server id's clock: half
// of maxOffset, so no two clocks are further apart than it; in ClockBound
// mode, the error bound the server claims.
func skewLimit(w *engine.World, id string) time.Duration {
	if w.Param(ParamMode, modeCommitWait) == modeClockBound {
		return claimedBound(w.Param, id)
	}
	return time.Duration(w.Param(ParamMaxOffset, defMaxOffset)) * time.Millisecond / 2
}

// writeThenPhoneTheLaggard is the failure story drawn on purpose: philip
// writes on the server whose clock runs furthest ahead and, the moment
// the write is acknowledged, phones a reader who reads it on the server
// whose clock lags furthest behind. It first sets the stage, one command
// a draw: a crashed or paused server back, a partition that holds up a
// write healed, the two clocks apart. Only a server that waits out the
// uncertainty keeps that read from falling below the write's stamp. While
// those two clocks are less than half of maxOffset apart, it moves one of
// them to its edge of the bound instead.
var writeThenPhoneTheLaggard = kit.FaultGen{Name: "write-then-phone-the-laggard", Draw: func(r *rand.Rand, w *engine.World) (engine.Command, bool) {
	clients := w.Members(engine.RoleClient)
	writer := clientNames[0]
	if !slices.Contains(clients, writer) || len(clients) < 2 {
		return engine.Command{}, false
	}
	readers := slices.DeleteFunc(slices.Clone(clients), func(id string) bool { return id == writer })
	// The story needs a write that completes quickly: every server up,
	// and no write stuck behind a partition.
	var ahead, behind string
	for _, id := range w.Nodes() {
		switch w.Status(id) {
		case engine.StatusCrashed:
			return engine.Command{Kind: engine.CmdRestart, Node: id}, true
		case engine.StatusPaused:
			return engine.Command{Kind: engine.CmdResume, Node: id}, true
		}
		if s, ok := w.Process(id).(*Server); ok && slices.ContainsFunc(s.writes, func(x *write) bool { return !x.Done }) {
			return engine.Command{Kind: engine.CmdHeal}, true
		}
		if ahead == "" || w.Clock(id) > w.Clock(ahead) {
			ahead = id
		}
		if behind == "" || w.Clock(id) < w.Clock(behind) {
			behind = id
		}
	}
	if ahead == "" {
		return engine.Command{}, false
	}
	// While those two clocks are close, set the stage: one of them to its
	// edge of the bound.
	up, down := skewLimit(w, ahead), skewLimit(w, behind)
	if w.Clock(ahead)-w.Clock(behind) < (up+down)/2 {
		if w.Clock(ahead)-w.Now() < up {
			return engine.Command{Kind: engine.CmdOffset, Node: ahead, Dur: engine.Duration(up.Truncate(time.Microsecond))}, true
		}
		return engine.Command{Kind: engine.CmdOffset, Node: behind, Dur: engine.Duration(-down.Truncate(time.Microsecond))}, true
	}
	key := []string{"title", "date"}[r.IntN(2)]
	return engine.Command{Kind: engine.CmdClient, Node: writer, Name: opWrite, Args: map[string]string{
		"key": key, "value": strconv.Itoa(1 + r.IntN(99)), "node": ahead, "tell": readers[r.IntN(len(readers))], "tell-read": behind}}, true
}}
