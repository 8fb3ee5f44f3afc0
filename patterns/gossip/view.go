package gossip

import (
	"math"
	"strconv"
	"strings"

	"clusterscope/engine"
)

// View draws a node: its own generation, version and round, and the
// members whose entry changed last, with what it holds of them and how it
// judges them (the whole map would be 200 rows a node).
func (n *Node) View() engine.ProcessView {
	itoa := strconv.Itoa
	if len(n.entries) == 0 {
		return engine.ProcessView{Role: "peer"}
	}
	me := &n.entries[n.self]
	// The counters that move every round (heartbeat, version, round) are
	// left out past 16 nodes: with 200, every panel would change at every
	// round, and the browser would redraw 1,000 panels a second to show
	// numbers nobody is looking at.
	fields := []engine.Field{{Label: "generation", Value: itoa(int(n.gen))}}
	if len(n.entries) <= 16 {
		fields = append(fields,
			engine.Field{Label: "version", Value: itoa(int(n.ver))},
			engine.Field{Label: "heartbeat", Value: itoa(int(me.hb))},
			engine.Field{Label: "round", Value: itoa(n.round)})
	}
	fields = append(fields,
		engine.Field{Label: "address", Value: me.addr.Value},
		engine.Field{Label: "members known", Value: itoa(n.known) + "/" + itoa(len(n.entries))})
	if me.rumour.Value != "" {
		fields = append(fields, engine.Field{Label: "its rumour", Value: me.rumour.Value})
	}
	if n.suspects+n.deads > 0 {
		fields = append(fields, engine.Field{Label: "suspects / dead", Value: itoa(n.suspects) + " / " + itoa(n.deads)})
	}
	rows := make([]engine.TableRow, 0, len(n.recent)+4)
	listed := 0
	row := func(j int32) {
		e := &n.entries[j]
		// The member's cell is coloured by how this node judges it.
		member := engine.Cell{Text: n.peers[j], State: engine.StateOK}
		switch {
		case j == n.self:
			member = engine.Cell{Text: n.peers[j] + " (self)", State: engine.StateFocus}
		case e.status == suspect:
			member = engine.Cell{Text: n.peers[j] + " ?", State: engine.StateWarn}
		case e.status == dead:
			member = engine.Cell{Text: n.peers[j] + " †", State: engine.StateBad}
		}
		rumour := e.rumour.Value
		if rumour == "" {
			rumour = "—"
		}
		// The member's name is in the row: its address shows as the port.
		port := e.addr.Value
		if k := strings.LastIndexByte(port, ':'); k >= 0 {
			port = port[k:]
		}
		rows = append(rows, engine.Row(member, engine.Cell{Text: itoa(int(e.gen))}, engine.Cell{Text: port}, engine.Cell{Text: rumour}))
		listed++
	}
	for k := len(n.recent) - 1; k >= 0; k-- {
		row(n.recent[k])
	}
	// The members it doubts, which the recent ones may not show.
	for j := range n.entries {
		if listed >= keptRecent+4 {
			break
		}
		if e := &n.entries[j]; e.known && e.status != alive && !contains(n.recent, int32(j)) {
			row(int32(j))
		}
	}
	role := "peer"
	return engine.ProcessView{Role: role, Badge: "gen " + itoa(int(n.gen)), Widgets: []engine.Widget{
		engine.FieldsWidget(WSelf, fields...),
		engine.TableWidget(WMembers+": latest changes (? suspect, † dead)", []string{"member", "gen", "port", "rumour"}, rows...),
	}}
}

// view is the cluster panel: who knows the cluster's latest state, the
// latest rumour's spread against the epidemic curve, and the bandwidth.
func (c *checker) view(w *engine.World) []engine.Widget {
	nodes := w.Nodes()
	procs := make([]*Node, len(nodes))
	for i := range nodes {
		procs[i], _ = w.NodeProcess(i).(*Node)
	}
	doubted := make([]uint8, len(nodes)) // the worst any up node judges it
	for _, n := range procs {
		if n == nil || n.suspects+n.deads == 0 {
			continue
		}
		for j := range n.entries {
			doubted[j] = max(doubted[j], n.entries[j].status)
		}
	}
	cells := make([]engine.GridCell, len(nodes))
	upToDate, suspected, declared := 0, 0, 0
	for i, id := range nodes {
		cell := engine.GridCell{ID: id}
		n := procs[i]
		switch {
		case n == nil:
			cell.State, cell.Text = engine.StateInactive, "✕"
		case doubted[i] == dead:
			cell.State, cell.Text = engine.StateBad, "†"
			declared++
		case doubted[i] == suspect:
			cell.State, cell.Text = engine.StateWarn, "?"
			suspected++
		default:
			if stale := staleOn(n, procs); stale > 0 {
				cell.State, cell.Text = engine.StatePending, strconv.Itoa(stale)
			} else {
				cell.State = engine.StateOK
				upToDate++
			}
		}
		cells[i] = cell
	}
	itoa := strconv.Itoa
	counts := []engine.Field{
		{Label: "up to date", Value: itoa(upToDate) + "/" + itoa(len(nodes))},
		{Label: "up, but suspected / dead", Value: itoa(suspected) + " / " + itoa(declared)},
	}
	out := []engine.Widget{engine.GridWidget(WGrid, cells...)}
	if sp := &c.spread; sp.origin >= 0 {
		measured, expected := sp.rounds(w.Now(), len(nodes))
		counts = append(counts,
			engine.Field{Label: "latest rumour", Value: sp.rumour.Value + " (" + nodes[sp.origin] + ")"},
			engine.Field{Label: "heard it", Value: itoa(len(sp.times)) + "/" + itoa(len(nodes)) + " in " + roundsText(len(measured)-1)})
		out = append(out, engine.SeriesWidget(WSpread,
			engine.Series{Name: "measured", Unit: "%", Values: percent(measured)},
			engine.Series{Name: "expected (push-pull, fanout " + itoa(sp.fanout) + ")", Unit: "%", Values: percent(expected)}))
	}
	if len(c.bytes) > 0 {
		out = append(out, engine.SeriesWidget(WBytes, engine.Series{Name: "sent", Unit: "B/s", Values: c.bytes[max(0, len(c.bytes)-keptSamples):]}))
	}
	return append(out, engine.FieldsWidget(WCounts, counts...))
}

// staleOn counts the members that are up and whose current generation,
// address or rumour n does not hold (n itself aside).
func staleOn(n *Node, procs []*Node) int {
	stale := 0
	for j, m := range procs {
		if m == nil || m == n || j >= len(n.entries) {
			continue
		}
		e, own := &n.entries[j], &m.entries[m.self]
		if !e.known || e.gen != own.gen || e.addr.Value != own.addr.Value || e.rumour.Value != own.rumour.Value {
			stale++
		}
	}
	return stale
}

func roundsText(k int) string {
	if k == 1 {
		return "1 round"
	}
	return strconv.Itoa(k) + " rounds"
}

// percent turns fractions into whole percentages, in place: the chart's
// legend shows one decimal, and 3 % reads better than 0.0.
func percent(fs []float64) []float64 {
	for i, f := range fs {
		fs[i] = math.Round(100 * f)
	}
	return fs
}
