package twopc

import (
	"math/rand/v2"

	"clusterscope/engine"
	"clusterscope/patterns/kit"
)

// Random crashes every few hundred milliseconds rarely land in the few
// milliseconds between a participant's yes vote and the decision reaching
// it, or between the coordinator's prepare and its decision. These draw
// exactly those moments, and bring crashed processes back soon, so that
// recovery runs often.
var faults = []kit.FaultGen{crashPrepared, crashPrepared, crashDeciding, restartCrashed, slowCoordinatorDisk}

// crashPrepared crashes a participant that has voted yes (or is about
// to) and has not yet heard the outcome. With nothing prepared anywhere,
// it pauses the coordinator while it collects votes: the participants
// that voted yes then wait, prepared, until it resumes.
var crashPrepared = kit.FaultGen{Name: "crash-a-prepared-participant", Draw: func(r *rand.Rand, w *engine.World) (engine.Command, bool) {
	parts := w.Members(RoleParticipant)
	var prepared []string
	for _, id := range parts {
		if p, ok := w.Process(id).(*Participant); ok && len(p.prepared) > 0 {
			prepared = append(prepared, id)
		}
	}
	if len(prepared) > 0 {
		return engine.Command{Kind: engine.CmdCrash, Node: prepared[r.IntN(len(prepared))]}, true
	}
	co := w.Members(RoleCoordinator)
	if len(co) == 0 || len(parts) == 0 {
		return engine.Command{}, false
	}
	return engine.Command{Kind: engine.CmdDropNext, From: co[0], To: parts[r.IntN(len(parts))], Count: 1 + r.IntN(3)}, true
}}

// crashDeciding crashes the coordinator while a transaction is between
// its prepare and the last acknowledgement of its decision.
var crashDeciding = kit.FaultGen{Name: "crash-the-coordinator-mid-transaction", Draw: func(r *rand.Rand, w *engine.World) (engine.Command, bool) {
	for _, id := range w.Members(RoleCoordinator) {
		if c, ok := w.Process(id).(*Coordinator); ok && len(c.active) > 0 {
			return engine.Command{Kind: engine.CmdCrash, Node: id}, true
		}
	}
	return engine.Command{}, false
}}

// restartCrashed brings a crashed server back, or resumes a paused one.
var restartCrashed = kit.FaultGen{Name: "restart-crashed", Draw: func(r *rand.Rand, w *engine.World) (engine.Command, bool) {
	var down []engine.Command
	for _, id := range w.Nodes() {
		switch w.Status(id) {
		case engine.StatusCrashed:
			down = append(down, engine.Command{Kind: engine.CmdRestart, Node: id})
		case engine.StatusPaused:
			down = append(down, engine.Command{Kind: engine.CmdResume, Node: id})
		}
	}
	if len(down) == 0 {
		return engine.Command{}, false
	}
	return down[r.IntN(len(down))], true
}}

// slowCoordinatorDisk slows the coordinator's fsyncs (or makes its disk
// healthy again): while its decision takes long to reach its disk, the
// participants that voted yes wait prepared, which is when a crash of
// one of them matters.
var slowCoordinatorDisk = kit.FaultGen{Name: "slow-coordinator-disk", Draw: func(r *rand.Rand, w *engine.World) (engine.Command, bool) {
	co := w.Members(RoleCoordinator)
	if len(co) == 0 {
		return engine.Command{}, false
	}
	if r.IntN(3) == 0 {
		return engine.Command{Kind: engine.CmdDisk, Node: co[0], Name: engine.DiskHealthy}, true
	}
	return engine.Command{Kind: engine.CmdDisk, Node: co[0], Name: engine.DiskSlow, Value: 5 + r.IntN(30)}, true
}}
