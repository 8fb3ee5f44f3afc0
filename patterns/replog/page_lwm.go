package replog

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"

	"clusterscope/engine"
	"clusterscope/patterns/kit"
)

// defSnapshotEvery: the page snapshots often enough that a follower down
// for a few seconds of traffic falls below the low-water mark.
const defSnapshotEvery = 10

var snapshotSetting = kit.Param{Name: ParamSnapshotEvery, Label: "snapshot every N applied entries (0 = only when asked)", Type: kit.ParamInt, Default: strconv.Itoa(defSnapshotEvery), Min: 0, Max: 100_000}

// LowWaterMark: snapshots, the log cleaned up to them, and a follower that
// fell below the mark brought back by InstallSnapshot.
func LowWaterMark() *kit.Cluster {
	c := page(3, 3, []string{WLog, WSnapshot, WFollowers},
		[]kit.Variant{
			{Name: VarDiscardWithoutSnapshot, Label: "discard without a snapshot",
				Description: "A node moves its low-water mark to its commit index and cleans its log up to there without writing a snapshot first. After a restart it rebuilds its state from the log alone, and the writes that were cleaned are gone; a follower that needs cleaned entries can never get them."},
			{Name: VarNoInstallSnapshot, Label: "no InstallSnapshot",
				Description: "The leader never sends its snapshot. A follower that was down while the leader cleaned its log needs entries that no longer exist, and stays behind for good."},
		},
		append([]string{InvLowWaterOrder, InvStateMatchesLog}, safety...),
		[]kit.Param{snapshotSetting})
	c.Settings = append(slices.Clone(c.Settings), snapshotSetting)
	c.Params[ParamSnapshotEvery] = defSnapshotEvery
	c.Actions = append(slices.Clone(actions), kit.Action{Name: actionSnapshot, Label: "take a snapshot", Target: kit.TargetNode})
	c.NodeFacts = lwmFactSource
	c.Settled = settledLWM
	c.Faults = lwmFaults
	return c
}

// LWMNodeFacts are a server's facts on the Low-Water Mark page: the
// replicated log's, and the mark and the snapshot.
type LWMNodeFacts struct {
	Generation    int    `fact:"generation" doc:"its generation (term)"`
	Leader        string `fact:"leader" doc:"whom it believes leads its generation (\"\" if unknown)"`
	HWM           int    `fact:"hwm" doc:"its high-water mark (commit index)"`
	LastIndex     int    `fact:"lastIndex" doc:"index of its last log entry"`
	Applied       int    `fact:"applied" doc:"entries applied to its key-value store (or covered by its snapshot)"`
	LWM           int    `fact:"lwm" doc:"its low-water mark: the log was cleaned up to this index"`
	SnapshotIndex int    `fact:"snapshotIndex" doc:"the last index its snapshot includes (0 without one)"`
}

var lwmFactSource = kit.ProcessFacts(func(w *engine.World, id string) (LWMNodeFacts, bool) {
	n := nodeOf(w, id)
	if n == nil {
		return LWMNodeFacts{}, false
	}
	return LWMNodeFacts{Generation: n.gen, Leader: n.leader, HWM: n.hwm, LastIndex: n.last(), Applied: n.applied,
		LWM: n.base, SnapshotIndex: n.snapIndex()}, true
})

// settledLWM: every follower has caught up with the leader's committed
// log (none left below the low-water mark), then all that replog's Settled
// asks.
func settledLWM(w *engine.World) kit.Verdict {
	var leader *Node
	for _, id := range w.Members(engine.RoleNode) {
		if n := nodeOf(w, id); n != nil && n.role == Leader && w.Status(id) == engine.StatusUp && (leader == nil || n.gen > leader.gen) {
			leader = n
		}
	}
	if leader != nil {
		for _, id := range w.Members(engine.RoleNode) {
			n := nodeOf(w, id)
			if n == nil || n == leader {
				continue
			}
			if d := firstDifferentEntry(n, leader, leader.hwm); n.last() >= leader.hwm && d > 0 && d <= leader.base {
				return kit.Verdict{Check: "caught-up", Text: fmt.Sprintf("%s's log differs from %s's at index %d, which %s cleaned from its log (up to %d): only its snapshot can repair %s.", id, leader.id, d, leader.id, leader.base, id)}
			}
			if n.last() >= leader.hwm {
				continue
			}
			why := "it is still catching up"
			if n.last() < leader.base {
				why = fmt.Sprintf("%s cleaned its log up to %d, so the entries %s lacks (%d..%d) exist only in %s's snapshot", leader.id, leader.base, id, n.last()+1, leader.base, leader.id)
			}
			return kit.Verdict{Check: "caught-up", Text: fmt.Sprintf("%s's log ends at %d, below %s's high-water mark %d: %s.", id, n.last(), leader.id, leader.hwm, why)}
		}
	}
	return Settled(w)
}

// lwmFaults keep a follower down while the leader snapshots past it: a
// random crash is healed too soon for that, most of the time.
var lwmFaults = []kit.FaultGen{{Name: "crash-follower", Draw: crashFollower}}

// crashFollower crashes a server that follows (the restart comes when the
// schedule heals).
func crashFollower(r *rand.Rand, w *engine.World) (engine.Command, bool) {
	var up []string
	for _, id := range w.Members(engine.RoleNode) {
		if n := nodeOf(w, id); n != nil && n.role == Follower && w.Status(id) == engine.StatusUp {
			up = append(up, id)
		}
	}
	if len(up) == 0 {
		return engine.Command{}, false
	}
	return engine.Command{Kind: engine.CmdCrash, Node: up[r.IntN(len(up))]}, true
}
