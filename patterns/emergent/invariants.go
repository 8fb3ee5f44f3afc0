package emergent

import (
	"math/bits"
	"math/rand/v2"
	"slices"
	"strconv"

	"clusterscope/engine"
	"clusterscope/patterns/kit"
)

// Invariant names (stable: scenarios and tests refer to them).
const (
	InvOneCoordinator = "one-coordinator-among-a-majority"
	InvOneOwner       = "one-owner-per-partition"
)

func invariants() []engine.Invariant {
	return []engine.Invariant{
		{Name: InvOneCoordinator, Description: "At most one node acts as coordinator at a time. With the majority check a node acts only while more than half of its members endorse it, and each member endorses one node at a time, so two coordinators would need two majorities that share no member.", Check: oneCoordinator},
		{Name: InvOneOwner, Description: "At most one running node serves a partition at a time: a member serves what the table gives it only under the acting coordinator's lease, and a new coordinator waits a timeout before it hands anything out again.", Check: oneOwner},
	}
}

// nodeAt is the running (not crashed, not paused) node at index i, or nil:
// a paused node serves nothing and coordinates nothing until it wakes, and
// its first event makes it look again.
func nodeAt(w *engine.World, ids []string, i int) *Node {
	if w.Status(ids[i]) != engine.StatusUp {
		return nil
	}
	n, _ := w.NodeProcess(i).(*Node)
	return n
}

// acts and hosts judge a node as it stands now, by its own clock: a lease
// or an endorsement that ran out since its last event counts no more.
func acts(w *engine.World, n *Node) bool {
	return n.actsAt(w.Monotonic(n.id), w.Variant(VarNoMajorityCheck))
}

func hosts(w *engine.World, n *Node) uint64 {
	return n.hostsAt(w.Monotonic(n.id), w.Variant(VarNoMajorityCheck))
}

func oneCoordinator(w *engine.World) (string, []string) {
	ids := w.Nodes()
	first := ""
	for i, id := range ids {
		if n := nodeAt(w, ids, i); n != nil && acts(w, n) {
			if first != "" {
				return first + " and " + id + " both act as coordinator: two coordinators, each changing the membership and the partition table on its own", []string{first, id}
			}
			first = id
		}
	}
	return "", nil
}

func oneOwner(w *engine.World) (string, []string) {
	ids := w.Nodes()
	var seen uint64
	for i := range ids {
		n := nodeAt(w, ids, i)
		if n == nil {
			continue
		}
		h := hosts(w, n)
		if h&seen == 0 {
			seen |= h
			continue
		}
		p := bits.TrailingZeros64(h & seen)
		for j := range i {
			if o := nodeAt(w, ids, j); o != nil && hosts(w, o)&(1<<p) != 0 {
				return "partition p" + strconv.Itoa(p) + " has two owners: " + ids[j] + " (table " + versionText(o.m) + ") and " + ids[i] + " (table " + versionText(n.m) + ") both serve it", []string{ids[j], ids[i]}
			}
		}
	}
	return "", nil
}

// Settled: once every fault is healed, every member is in, all hold one
// membership, the oldest acts as the one coordinator, and every partition
// is served by the member the table names.
func Settled(w *engine.World) kit.Verdict {
	if v, stuck := noMajorityLeft(w); stuck {
		return v
	}
	ids := w.Nodes()
	var ref *Node
	coords := 0
	var served uint64
	for i, id := range ids {
		if w.Status(id) != engine.StatusUp {
			continue
		}
		n, ok := w.NodeProcess(i).(*Node)
		if !ok {
			continue
		}
		if !n.joined {
			return kit.Verdict{Check: "joined", Text: id + " is running but not a member"}
		}
		if ref == nil {
			ref = n
		} else if n.m.Version != ref.m.Version || n.m.Publisher != ref.m.Publisher {
			return kit.Verdict{Check: "one-membership", Text: id + " holds " + versionText(n.m) + ", " + ref.id + " " + versionText(ref.m)}
		}
		if acts(w, n) {
			coords++
		}
		served |= hosts(w, n)
	}
	if ref == nil {
		return kit.Verdict{Check: "settled", OK: true, Text: "no node is running"}
	}
	m := ref.m
	for _, x := range m.Members {
		if !x.Down && w.Status(x.ID) != engine.StatusUp {
			return kit.Verdict{Check: "members-live", Text: x.ID + " is listed as a member but is not running"}
		}
		if x.Down {
			continue
		}
		if n, _ := w.Process(x.ID).(*Node); n == nil || !acts(w, n) {
			return kit.Verdict{Check: "oldest-coordinates", Text: x.ID + ", the oldest member, does not act as coordinator"}
		}
		break
	}
	if coords != 1 {
		return kit.Verdict{Check: "one-coordinator", Text: strconv.Itoa(coords) + " nodes act as coordinator"}
	}
	for _, id := range w.Members(engine.RoleNode) {
		if !m.joined(id) {
			return kit.Verdict{Check: "members-in", Text: id + " runs but is not in " + versionText(m)}
		}
	}
	if slices.Contains(m.Owners, "") {
		return kit.Verdict{Check: "assigned", Text: "a partition has no owner in " + versionText(m)}
	}
	if want := uint64(1)<<len(m.Owners) - 1; served != want {
		return kit.Verdict{Check: "served", Text: strconv.Itoa(len(m.Owners)-bits.OnesCount64(served)) + " partitions are not served by their owner"}
	}
	return kit.Verdict{Check: "settled", OK: true, Text: "every member is in, all hold " + versionText(m) + ", the oldest coordinates and every partition is served by its owner"}
}

// noMajorityLeft: when most members of the newest membership a running
// node holds have left or stopped, no one can gather a majority to mark
// them down, and the cluster waits for them by design (what the majority
// check costs). Settled then asks nothing more.
func noMajorityLeft(w *engine.World) (kit.Verdict, bool) {
	var newest Membership
	for _, id := range w.Members(engine.RoleNode) {
		if n, ok := w.Process(id).(*Node); ok && w.Status(id) == engine.StatusUp && n.m.Version > newest.Version {
			newest = n.m
		}
	}
	running := 0
	for _, x := range newest.Members {
		if !x.Down && w.Status(x.ID) == engine.StatusUp {
			running++
		}
	}
	if 2*running > newest.live() {
		return kit.Verdict{}, false
	}
	return kit.Verdict{Check: "settled", OK: true, Text: "only " + strconv.Itoa(running) + " of the " + strconv.Itoa(newest.live()) + " members of " + versionText(newest) + " run: no majority can form, and the cluster waits for the others (what the majority check costs)"}, true
}

// splitOffTheOldest cuts the network so that the oldest running member is
// on the smaller side with at most one other: the split the majority
// check is for, which random partitions seldom draw.
var splitOffTheOldest = kit.FaultGen{Name: "split off the oldest", Draw: func(r *rand.Rand, w *engine.World) (engine.Command, bool) {
	ids := w.Nodes()
	var oldest *Node
	for i := range ids {
		if n := nodeAt(w, ids, i); n != nil && acts(w, n) {
			oldest = n
		}
	}
	if oldest == nil {
		return engine.Command{}, false
	}
	small := []string{oldest.id}
	var big []string
	for _, id := range ids {
		if id != oldest.id {
			big = append(big, id)
		}
	}
	if len(big) < 2 {
		return engine.Command{}, false
	}
	if len(big) > 3 && r.IntN(2) == 0 {
		k := r.IntN(len(big))
		small = append(small, big[k])
		big = slices.Delete(big, k, k+1)
	}
	return engine.Command{Kind: engine.CmdPartition, Groups: [][]string{small, big}}, true
}}
