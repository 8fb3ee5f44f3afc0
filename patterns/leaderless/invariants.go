package leaderless

import (
	"fmt"
	"slices"
	"strings"

	"clusterscope/engine"
	"clusterscope/patterns/kit"
)

// Invariant names (stable: scenarios and tests refer to them).
const (
	// InvDistinctQuorum is the pattern's promise, and what the lesson
	// names as the broken variant's first failure.
	InvDistinctQuorum = "success-needs-distinct-quorum"
	InvOnce           = "completes-exactly-once"
	InvByDeadline     = "completes-by-deadline"
	InvNoOrphans      = "no-orphaned-entries"
)

func invariants() []engine.Invariant {
	return []engine.Invariant{
		{Name: InvDistinctQuorum, Description: "A request reports Success only after a quorum of distinct replicas (a majority; W or R in the quorum KV) answered each of its phases.", Check: distinctQuorum},
		{Name: InvOnce, Description: "Each request completes once (Success or Timeout): a response after that changes nothing.", Check: once},
		{Name: InvByDeadline, Description: "No request is still waiting once its coordinator has run past its deadline.", Check: byDeadline},
		{Name: InvNoOrphans, Description: "Every message on a waiting list belongs to a request still waiting, and a request still waiting has its messages there.", Check: noOrphans},
	}
}

// eachNode runs check on the server that just handled an event: a node's
// state changes only when it handles one (a crash discards it whole), so
// the others were judged already, on the step that last changed them.
func eachNode(w *engine.World, check func(n *Node) string) (string, []string) {
	i := w.HandledNode()
	if i < 0 {
		return "", nil
	}
	if n, ok := w.NodeProcess(i).(*Node); ok {
		if text := check(n); text != "" {
			return text, []string{n.id}
		}
	}
	return "", nil
}

func distinctQuorum(w *engine.World) (string, []string) {
	return eachNode(w, func(n *Node) string {
		// A request is judged when it completes: it is then the newest
		// of the done list, and nothing changes it afterwards.
		if len(n.done) == 0 {
			return ""
		}
		if r := n.done[len(n.done)-1]; r.Status == Success {
			for _, p := range r.Done {
				if d := distinct(p.From); d < p.Quorum {
					need := "a majority is"
					if n.kv {
						need = "it needs"
					}
					return fmt.Sprintf("%s told %s Success for %s with %d responses to its %s from only %d distinct replica(s) (%s); %s %d",
						n.id, r.Client, r.Op, len(p.From), p.Phase, d, strings.Join(p.From, ", "), need, p.Quorum)
				}
			}
		}
		return ""
	})
}

func once(w *engine.World) (string, []string) {
	return eachNode(w, func(n *Node) string {
		// A second completion puts the request at the end of the done
		// list again.
		if len(n.done) > 0 {
			if r := n.done[len(n.done)-1]; r.Completions > 1 {
				return fmt.Sprintf("%s completed r%d (%s's %s) %d times", n.id, r.ID, r.Client, r.Op, r.Completions)
			}
		}
		return ""
	})
}

// byDeadline looks at the node that just handled an event: it expires what
// is due before anything else, so nothing of its may wait past the local
// time it saw. (A paused or busy node handles nothing and is not judged.)
func byDeadline(w *engine.World) (string, []string) {
	i := w.HandledNode()
	if i < 0 {
		return "", nil
	}
	n, ok := w.NodeProcess(i).(*Node)
	if !ok {
		return "", nil
	}
	for _, r := range n.pending {
		if r.Deadline <= n.now {
			return fmt.Sprintf("%s's r%d (%s's %s) is still waiting at %v, past its deadline %v", n.id, r.ID, r.Client, r.Op, n.now, r.Deadline), []string{n.id}
		}
	}
	return "", nil
}

func noOrphans(w *engine.World) (string, []string) {
	return eachNode(w, func(n *Node) string {
		// One walk of the list, keeping whose each message is (on the
		// stack for the usual few): each pending request is then looked
		// up there, not by walking the list again.
		var buf [32]*request
		owners := buf[:0]
		for e := range n.waiting.Each() {
			r := e.Value.Req
			if r.Status != "" {
				return fmt.Sprintf("%s's waiting list still holds %s for r%d, which completed (%s)", n.id, e.ID, r.ID, r.Status)
			}
			if len(owners) == 0 || owners[len(owners)-1] != r {
				owners = append(owners, r)
			}
		}
		for _, r := range n.pending {
			if !slices.Contains(owners, r) {
				return fmt.Sprintf("%s's r%d (%s's %s) waits with nothing on the waiting list to complete it", n.id, r.ID, r.Client, r.Op)
			}
		}
		return ""
	})
}

// storedAt is replica id's value of key, read from its disk (a crashed
// replica's too).
func storedAt(w *engine.World, id, key string) stored {
	s, _ := (kit.Record[stored]{Key: storeKey(key)}).Get(w.Storage(id))
	return s
}

// Settled: once every fault is healed and the cluster ran on, every server
// is up with nothing waiting, and every write a client was told succeeded
// is held (at its version or a newer one) by a majority of replicas, so
// any read quorum finds it.
func Settled(w *engine.World) kit.Verdict {
	return settled(w, false)
}

// SettledKV is Settled for the quorum KV: every acknowledged write is held
// by W of its key's home replicas (stand-ins have handed their hints
// over).
func SettledKV(w *engine.World) kit.Verdict {
	return settled(w, true)
}

func settled(w *engine.World, kv bool) kit.Verdict {
	role := engine.RoleNode
	if kv {
		role = roleReplica
	}
	nodes := w.Members(role)
	s := settingsOf(w.Param)
	for _, id := range nodes {
		n, ok := w.Process(id).(*Node)
		if !ok {
			return kit.Verdict{Check: "up", Text: id + " is not up"}
		}
		if len(n.pending) > 0 {
			return kit.Verdict{Check: "drained", Text: fmt.Sprintf("%s still has %d request(s) waiting", id, len(n.pending))}
		}
	}
	for _, op := range w.History() {
		in, _ := op.Input.(Op)
		res, ok := op.Output.(Result)
		if op.Status != engine.OpOK || !ok || in.Kind != opSet {
			continue
		}
		replicas, need, check := nodes, quorum(len(nodes)), "acked-on-majority"
		if kv {
			replicas, _ = home(in.Key, nodes, s.N)
			need, check = s.W, "acked-on-w-home-replicas"
		}
		var holders []string
		for _, id := range replicas {
			if !storedAt(w, id, in.Key).Version.Less(res.Version) {
				holders = append(holders, id)
			}
		}
		if len(holders) < need {
			return kit.Verdict{Check: check, Ops: []int{op.ID},
				Text: fmt.Sprintf("%s's %s (%s) was acknowledged but only %d replica(s) hold it: %s", op.Client, in, res.Version, len(holders), strings.Join(holders, ", "))}
		}
	}
	if kv {
		return kit.Verdict{Check: "settled", OK: true, Text: "every server is idle and every acknowledged write is on W of its home replicas"}
	}
	return kit.Verdict{Check: "settled", OK: true, Text: "every server is idle and every acknowledged write is on a majority"}
}
