package durable

import (
	"math/rand/v2"

	"clusterscope/engine"
	"clusterscope/patterns/kit"
)

// The pattern's own faults: each aims at the moment a durable node is
// weakest, which random crashes every 80 ms or so rarely hit (an fsync takes
// a few milliseconds).

// server is the up server a fault acts on, or "".
func server(r *rand.Rand, w *engine.World, status engine.Status) string {
	var ids []string
	for _, id := range w.Members(engine.RoleNode) {
		if w.Status(id) == status {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return ""
	}
	return ids[r.IntN(len(ids))]
}

// crashUnsynced crashes a server while its disk holds writes a crash loses
// (right after an ack, under ack-before-fsync); when there are none, it
// slows the disk so the next writes wait long enough to be caught.
var crashUnsynced = kit.FaultGen{Name: "crash-unsynced", Draw: func(r *rand.Rand, w *engine.World) (engine.Command, bool) {
	id := server(r, w, engine.StatusUp)
	if id == "" {
		return engine.Command{}, false
	}
	if w.Disk(id).Unsynced() > 0 {
		return engine.Command{Kind: engine.CmdCrash, Node: id}, true
	}
	return engine.Command{Kind: engine.CmdDisk, Node: id, Name: engine.DiskSlow, Value: 20 + r.IntN(60)}, true
}}

// tearThenCrash arms a torn write on a server with unsynced records: the
// next crash leaves half a record that recovery must cut.
var tearThenCrash = kit.FaultGen{Name: "tear", Draw: func(r *rand.Rand, w *engine.World) (engine.Command, bool) {
	id := server(r, w, engine.StatusUp)
	if id == "" {
		return engine.Command{}, false
	}
	if w.Disk(id).Unsynced() > 0 && r.IntN(2) == 0 {
		return engine.Command{Kind: engine.CmdCrash, Node: id}, true
	}
	return engine.Command{Kind: engine.CmdDisk, Node: id, Name: engine.DiskTear}, true
}}

// snapshotThenRestart takes a snapshot (the cleaner runs when it is
// durable) or, after one, crashes the server so it must recover from the
// snapshot and what is left of the log; the sweep restarts it.
var snapshotThenRestart = kit.FaultGen{Name: "snapshot-restart", Draw: func(r *rand.Rand, w *engine.World) (engine.Command, bool) {
	id := server(r, w, engine.StatusUp)
	if id == "" {
		if id = server(r, w, engine.StatusCrashed); id != "" {
			return engine.Command{Kind: engine.CmdRestart, Node: id}, true
		}
		return engine.Command{}, false
	}
	if n, _ := w.Process(id).(*Node); n != nil && n.lwm > 0 && r.IntN(2) == 0 {
		return engine.Command{Kind: engine.CmdCrash, Node: id}, true
	}
	return engine.Command{Kind: engine.CmdAction, Node: id, Name: actionSnapshot}, true
}}

// restartCrashed brings a crashed server back soon, so recovery runs often.
var restartCrashed = kit.FaultGen{Name: "restart", Draw: func(r *rand.Rand, w *engine.World) (engine.Command, bool) {
	if id := server(r, w, engine.StatusCrashed); id != "" {
		return engine.Command{Kind: engine.CmdRestart, Node: id}, true
	}
	return engine.Command{}, false
}}
