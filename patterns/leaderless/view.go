package leaderless

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"clusterscope/engine"
)

func us(d time.Duration) int64 { return int64(d / time.Microsecond) }

// View draws the node: its waiting list (one row per message still
// waiting, with its request's count against the quorum), the expiry of
// each request it coordinates and who has answered it, the last requests
// completed, and the replica's store.
func (n *Node) View() engine.ProcessView {
	if n.kv {
		return n.kvView()
	}
	return engine.ProcessView{Role: "replica", Badge: n.badge(), Widgets: []engine.Widget{
		n.waitingWidget(), n.expiryWidget(), n.doneWidget(), n.storeWidget(),
		engine.FieldsWidget(WCounts,
			engine.Field{Label: "Success", Value: strconv.Itoa(n.Completed)},
			engine.Field{Label: "Timeout", Value: strconv.Itoa(n.Timeouts)},
			engine.Field{Label: "late responses ignored", Value: strconv.Itoa(n.Late)}),
	}}
}

// badge marks the node that takes the writes (every server is a replica,
// one structural role: the picture stays a ring).
func (n *Node) badge() string {
	if n.takesWrites {
		return "coordinator"
	}
	return ""
}

// waitingWidget is the waiting list: one row per message still waiting,
// with its request's count against the quorum.
func (n *Node) waitingWidget() engine.Widget {
	var rows []engine.TableRow
	for _, w := range n.waiting.All() {
		r := w.Value.Req
		rows = append(rows, engine.Row(
			engine.Cell{Text: w.ID.String()},
			engine.Cell{Text: w.Value.To},
			engine.Cell{Text: "r" + strconv.Itoa(r.ID)},
			engine.Cell{Text: strconv.Itoa(r.counted(n.countAll)) + "/" + strconv.Itoa(r.Quorum), State: engine.StatePending},
		))
	}
	return engine.TableWidget(WWaiting, []string{"corr. id", "to", "for", "count"}, rows...)
}

// expiryWidget is the deadline of each request it coordinates and who has
// answered it.
func (n *Node) expiryWidget() engine.Widget {
	deadlines := make([]engine.Deadline, 0, len(n.pending))
	for _, r := range n.pending {
		deadlines = append(deadlines, engine.Deadline{Label: "r" + strconv.Itoa(r.ID) + " " + r.Op.String() + " (" + r.Phase + "), answered: " + from(r.From), Holder: r.Client, Start: us(r.Created), At: us(r.Deadline)})
	}
	return engine.DeadlineWidget(WExpiry, deadlines...)
}

// doneWidget lists the last requests completed, newest first, with who
// answered each phase.
func (n *Node) doneWidget() engine.Widget {
	done := make([]engine.QueueItem, 0, len(n.done))
	for _, r := range slices.Backward(n.done) {
		st := engine.StateOK
		if r.Status != Success {
			st = engine.StateBad
		}
		var by []string
		for _, p := range r.Done {
			by = append(by, p.Phase+" "+from(p.From))
		}
		if r.Status != Success {
			by = append(by, r.Phase+" "+from(r.From))
		}
		done = append(done, engine.QueueItem{ID: "r" + strconv.Itoa(r.ID), State: st,
			Text: r.Client + " " + r.Op.String() + " → " + string(r.Status) + " (" + strings.Join(by, "; ") + ")"})
	}
	return engine.QueueWidget(WDone, done...)
}

// storeWidget is the replica's store.
func (n *Node) storeWidget() engine.Widget {
	keys := n.keys()
	kv := make([]engine.KVPair, 0, len(keys))
	for _, k := range keys {
		s := n.store[k]
		kv = append(kv, engine.KVPair{Key: k, Value: s.Value + " @" + s.Version.String()})
	}
	return engine.KVWidget(WStore, kv...)
}

// keys are the keys the replica holds, sorted.
func (n *Node) keys() []string {
	keys := make([]string, 0, len(n.store))
	for k := range n.store {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// from lists responders as the view shows them ("—" for none).
func from(ids []string) string {
	if len(ids) == 0 {
		return "—"
	}
	return strings.Join(ids, ", ")
}
