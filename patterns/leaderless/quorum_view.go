package leaderless

import (
	"slices"
	"strconv"

	"clusterscope/engine"
)

// kvView draws a quorum KV replica: each key it holds with its version,
// the hints it keeps for other replicas, and its requests as a
// coordinator (waiting list, expiries, the last completed).
func (n *Node) kvView() engine.ProcessView {
	keys := n.keys()
	held := make([]engine.KeyVersions, 0, len(keys))
	for _, k := range keys {
		s := n.store[k]
		held = append(held, engine.KeyVersions{Key: k, Versions: []engine.Version{{Value: s.Value, Stamp: s.Version.String(), Visible: true}}})
	}
	rows := make([]engine.TableRow, 0, len(n.hints))
	for _, h := range n.hints {
		rows = append(rows, engine.Row(engine.Cell{Text: h.Key}, engine.Cell{Text: h.Version.String()}, engine.Cell{Text: h.For, State: engine.StatePending}))
	}
	return engine.ProcessView{Role: "replica", Widgets: []engine.Widget{
		engine.VersionsWidget(WReplica, held...),
		engine.TableWidget(WHints, []string{"key", "version", "for"}, rows...),
		n.waitingWidget(), n.expiryWidget(), n.doneWidget(),
		engine.FieldsWidget(WCounts,
			engine.Field{Label: "Success", Value: strconv.Itoa(n.Completed)},
			engine.Field{Label: "Timeout", Value: strconv.Itoa(n.Timeouts)},
			engine.Field{Label: "read repairs", Value: strconv.Itoa(n.Repairs)},
			engine.Field{Label: "hints handed over", Value: strconv.Itoa(n.HandedOff)}),
	}}
}

// quorumView is the cluster panel: the settings with what each gives up,
// and the replicas the last write and the last read of its key reached,
// with their overlap.
func quorumView(w *engine.World) []engine.Widget {
	s := settingsOf(w.Param)
	return []engine.Widget{givesUpWidget(s), lastSetsWidget(w)}
}

// givesUp says, for each setting, what it costs: the labels a learner
// reads while turning the knobs.
func givesUp(s quorumSettings) []engine.Field {
	f := func(label, text string) engine.Field { return engine.Field{Label: label, Value: text} }
	out := []engine.Field{f("N="+strconv.Itoa(s.N), "each key lives on "+strconv.Itoa(s.N)+" servers: more copies, more messages per request")}
	switch {
	case s.W == 1:
		out = append(out, f("W=1", "a write acknowledged by one replica can be lost to its crash"))
	case s.W == s.N:
		out = append(out, f("W="+strconv.Itoa(s.W), "a write needs every replica: one replica down and writes stop"))
	default:
		out = append(out, f("W="+strconv.Itoa(s.W), "writes go on with "+strconv.Itoa(s.N-s.W)+" of the key's replicas down; each waits for "+strconv.Itoa(s.W)+" answers"))
	}
	switch {
	case s.R == s.N:
		out = append(out, f("R="+strconv.Itoa(s.R), "a read needs every replica: one replica down and reads stop"))
	default:
		out = append(out, f("R="+strconv.Itoa(s.R), "reads go on with "+strconv.Itoa(s.N-s.R)+" of the key's replicas down; each waits for "+strconv.Itoa(s.R)+" answers"))
	}
	sum := "R+W=" + strconv.Itoa(s.R+s.W)
	if s.R+s.W > s.N {
		out = append(out, f(sum+" > N", "every read quorum shares a replica with every write quorum"))
	} else {
		out = append(out, f(sum+" ≤ N", "a read quorum can miss every replica the last write reached: stale reads (porcupine red, as expected)"))
	}
	if s.ReadRepair {
		out = append(out, f("read repair on", "a read whose answers disagree costs a second round trip"))
	} else {
		out = append(out, f("read repair off", "a write that failed half way can be seen by one read and not by the next (porcupine red, as expected)"))
	}
	if s.Sloppy {
		out = append(out, f("sloppy quorum on", "stand-ins accept writes during a partition: a read quorum of home replicas can miss them"))
		if s.Handoff {
			out = append(out, f("hinted handoff on", "stand-ins hand their writes home once they can reach it"))
		} else {
			out = append(out, f("hinted handoff off", "writes taken by stand-ins never reach their home replicas except through read repair"))
		}
	} else {
		out = append(out, f("strict quorum", "with fewer than W (or R) home replicas reachable, requests time out"))
	}
	return out
}

func answers(k int) string {
	if k == 1 {
		return "1 answer"
	}
	return strconv.Itoa(k) + " answers"
}

func givesUpWidget(s quorumSettings) engine.Widget {
	return engine.FieldsWidget(WGivesUp, givesUp(s)...)
}

// lastSetsWidget draws, for the last write and the last read of the same
// key, which servers are the key's home replicas, which answered the
// write, which answered the read, and which did both (the overlap).
func lastSetsWidget(w *engine.World) engine.Widget {
	cols := []string{"server", "home", "write", "read", "both"}
	wr, rd := lastWriteAndRead(w)
	if rd == nil && wr == nil {
		return engine.TableWidget(WQuorums, cols)
	}
	key, wrText, rdText := "", "no write remembered", "no read yet"
	var home, wrote, read []string
	if wr != nil {
		key, home, wrote, wrText = wr.Op.Key, wr.Home, answered(wr, phaseWrite), wr.Client+" "+wr.Op.String()
	}
	if rd != nil {
		key, home, read, rdText = rd.Op.Key, rd.Home, answered(rd, phaseRead), rd.Client+" "+rd.Op.String()
	}
	cols = []string{"server", "home of " + key, wrText, rdText, "both"}
	mark := func(in bool, st engine.State) engine.Cell {
		if in {
			return engine.Cell{Text: "✓", State: st}
		}
		return engine.Cell{}
	}
	rows := make([]engine.TableRow, 0, len(w.Nodes()))
	for _, id := range w.Nodes() {
		inW, inR := slices.Contains(wrote, id), slices.Contains(read, id)
		rows = append(rows, engine.Row(engine.Cell{Text: id}, mark(slices.Contains(home, id), engine.StateInactive),
			mark(inW, engine.StateOK), mark(inR, engine.StateFocus), mark(inW && inR, engine.StateWarn)))
	}
	return engine.TableWidget(WQuorums, cols, rows...)
}

// answered lists who answered a request's phase (for a read, its read
// phase); nil when it never passed it.
func answered(r *request, phase string) []string {
	for _, p := range r.Done {
		if p.Phase == phase {
			return p.From
		}
	}
	if r.Phase == phase {
		return r.From
	}
	return nil
}

// lastWriteAndRead finds the requests of the last get in the history and
// of the last set of the same key (the last set when no get was made),
// among what the coordinators remember.
func lastWriteAndRead(w *engine.World) (wr, rd *request) {
	h := w.History()
	key := ""
	for i := len(h) - 1; i >= 0 && i >= len(h)-keptDone*4; i-- {
		op, ok := h[i].Input.(Op)
		if !ok || (key != "" && op.Key != key) {
			continue
		}
		r := requestOf(w, h[i].Client, h[i].ID)
		if r == nil {
			continue
		}
		switch {
		case op.Kind == opGet && rd == nil && wr == nil:
			rd, key = r, op.Key
		case op.Kind == opSet && wr == nil:
			wr, key = r, op.Key
		}
		if wr != nil && rd != nil {
			break
		}
	}
	return wr, rd
}

// requestOf is the request a coordinator made of a client's operation, if
// an up coordinator still remembers it.
func requestOf(w *engine.World, client string, opID int) *request {
	for i := range w.Nodes() {
		n, ok := w.NodeProcess(i).(*Node)
		if !ok {
			continue
		}
		for _, r := range n.pending {
			if r.Client == client && r.OpID == opID {
				return r
			}
		}
		for _, r := range n.done {
			if r.Client == client && r.OpID == opID {
				return r
			}
		}
	}
	return nil
}
