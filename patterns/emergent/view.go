package emergent

import (
	"math/bits"
	"strconv"
	"time"

	"clusterscope/engine"
)

func partName(p int) string { return "p" + strconv.Itoa(p) }

// View draws the node: its membership list in join order (the coordinator
// it follows crowned), what it believes, and what it serves.
func (n *Node) View() engine.ProcessView {
	role, badge := "follower", ""
	switch {
	case !n.joined:
		role, badge = "joining", "joining"
	case n.acting:
		role = "coordinator" // styled as a leader; the lesson never calls it one
	case n.coordinator == n.id:
		role = "candidate" // the oldest it hears from, but no majority endorses it
	}
	if i := n.m.find(n.id); i >= 0 && n.joined {
		badge = "age " + strconv.Itoa(n.m.Members[i].Age)
	}
	rows := make([]engine.TableRow, 0, len(n.m.Members))
	for _, x := range n.m.Members {
		name, status, st := x.ID, "joined", engine.StateOK
		if x.ID == n.coordinator {
			name = "♛ " + x.ID
		}
		heard := "—"
		switch {
		case x.Down:
			status, st = "down", engine.StateInactive
		case x.ID == n.id:
			status, st = "me", engine.StateFocus
		default:
			ago := n.now - n.heard[x.ID]
			heard = (ago / time.Millisecond * time.Millisecond).String()
			if ago >= n.timeout {
				status, st = "unreachable", engine.StateWarn
			}
		}
		rows = append(rows, engine.Row(engine.Cell{Text: name, State: st}, engine.Cell{Text: strconv.Itoa(x.Age)},
			engine.Cell{Text: status, State: st}, engine.Cell{Text: heard}))
	}
	state := "follows " + n.coordinator
	switch {
	case !n.joined:
		state = "not a member: asking to join"
	case n.acting:
		state = "acts as coordinator"
	case n.coordinator == n.id:
		state = "oldest it hears from, but no majority: does not act"
	}
	fields := []engine.Field{
		{Label: "state", Value: state},
		{Label: "membership", Value: versionText(n.m)},
		endorsement(n),
		{Label: "hosts", Value: strconv.Itoa(bits.OnesCount64(n.hosting)) + " partitions"},
	}
	if n.coordinator != n.id && n.lease.Until > n.now {
		fields = append(fields, engine.Field{Label: "lease", Value: ((n.lease.Until - n.now) / time.Millisecond * time.Millisecond).String() + " left"})
	}
	return engine.ProcessView{Role: role, Badge: badge, Widgets: []engine.Widget{
		engine.TableWidget(WMembers, []string{"member", "age", "status", "silent"}, rows...),
		engine.FieldsWidget(WState, fields...),
		engine.RangesWidget(WTable, tableRanges(n.m, n.hosting, n.id)...),
	}}
}

// endorsement is, for the node that takes itself for coordinator, how many
// members endorse it; for the others, whom they endorse.
func endorsement(n *Node) engine.Field {
	if n.coordinator == n.id {
		return engine.Field{Label: "endorsed by", Value: strconv.Itoa(n.majority) + " of " + strconv.Itoa(n.m.live()) + " members"}
	}
	if n.endorsed == "" || n.now-n.endorsAt >= n.timeout {
		return engine.Field{Label: "endorses", Value: "no one"}
	}
	return engine.Field{Label: "endorses", Value: n.endorsed + " (promised for " + ((n.endorsAt + n.timeout - n.now) / time.Millisecond * time.Millisecond).String() + ")"}
}

// tableRanges is a table's short form: partition → owner; the partitions
// the viewing node serves now are marked.
func tableRanges(m Membership, hosting uint64, self string) []engine.Range {
	out := make([]engine.Range, len(m.Owners))
	for p, o := range m.Owners {
		st := engine.StateInactive
		switch {
		case o == "":
			o = "—"
		case hosting&(1<<p) != 0:
			st = engine.StateOK
		case o == self:
			st = engine.StatePending // its own, but no lease to serve it now
		default:
			st = ""
		}
		out[p] = engine.Range{Name: partName(p), Owner: o, State: st}
	}
	return out
}

// clusterView shows what no node knows alone: who each node takes for
// coordinator, the table of every acting coordinator (two in a split
// brain), and who really serves each partition.
func clusterView(w *engine.World) []engine.Widget {
	ids := w.Nodes()
	rows := make([]engine.TableRow, 0, len(ids))
	var out []engine.Widget
	var once, twice uint64
	for i, id := range ids {
		st := w.Status(id)
		if st == engine.StatusStandby || st == engine.StatusLeft {
			continue
		}
		n, ok := w.NodeProcess(i).(*Node)
		if !ok || st != engine.StatusUp {
			rows = append(rows, engine.Row(engine.Cell{Text: id}, engine.Cell{Text: string(st), State: engine.StateInactive}, engine.Cell{}, engine.Cell{}))
			continue
		}
		believes, cs := n.coordinator, engine.State("")
		if acts(w, n) {
			believes, cs = "♛ itself (acting)", engine.StateOK
		} else if !n.joined {
			believes = "— (joining)"
		}
		rows = append(rows, engine.Row(engine.Cell{Text: id}, engine.Cell{Text: believes, State: cs},
			engine.Cell{Text: versionText(n.m)}, engine.Cell{Text: strconv.Itoa(bits.OnesCount64(hosts(w, n)))}))
		hosting := hosts(w, n)
		twice |= once & hosting
		once |= hosting
	}
	out = append(out, engine.TableWidget(WBeliefs, []string{"node", "coordinator", "membership", "serves"}, rows...))
	for i := range ids {
		if n := nodeAt(w, ids, i); n != nil && acts(w, n) {
			out = append(out, engine.RangesWidget(WTable+" of "+n.id+" ("+versionText(n.m)+")", tableRanges(n.m, 0, "")...))
		}
	}
	serving := make([]engine.Range, 0, 12)
	for p := range 64 {
		if once&(1<<p) == 0 {
			continue
		}
		owners, st := "", engine.StateOK
		for i := range ids {
			if n := nodeAt(w, ids, i); n != nil && hosts(w, n)&(1<<p) != 0 {
				if owners != "" {
					owners += " + "
				}
				owners += n.id
			}
		}
		if twice&(1<<p) != 0 {
			st = engine.StateBad
		}
		serving = append(serving, engine.Range{Name: partName(p), Owner: owners, State: st})
	}
	return append(out, engine.RangesWidget(WOwnersLive, serving...))
}
