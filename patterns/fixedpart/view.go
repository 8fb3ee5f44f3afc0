package fixedpart

import (
	"cmp"
	"slices"
	"strconv"
	"time"

	"clusterscope/engine"
)

// View is the controller's panel: the table it owns, the heartbeats it
// judges the nodes by, and what its disk holds.
func (c *Controller) View() engine.ProcessView {
	t := c.disk.Table
	badge := "no table yet"
	if t.Assigned() {
		badge = "table v" + strconv.Itoa(t.Version)
	}
	move := "none"
	if m := t.Move; m.ID != 0 {
		move = partName(m.Part) + ": " + m.From + " → " + m.To
	}
	return engine.ProcessView{Role: "controller", Badge: badge, Widgets: []engine.Widget{
		tableWidget(WTable, t, c.down),
		engine.FieldsWidget(WDisk,
			engine.Field{Label: "table", Value: badge + ", synced"},
			engine.Field{Label: "registered", Value: joinOr(c.disk.Registered, "nobody yet")},
			engine.Field{Label: "move under way", Value: move},
			engine.Field{Label: "moves done", Value: strconv.Itoa(c.disk.Moves)},
			engine.Field{Label: "keys moved", Value: strconv.Itoa(c.disk.KeysMoved)},
			engine.Field{Label: "what it is", Value: "a single controller; a real system keeps the table in a consistent core"},
		),
		c.heartbeats(),
	}}
}

// heartbeats: time since each registered node was last heard, against
// the timeout.
func (c *Controller) heartbeats() engine.Widget {
	meters := make([]engine.Meter, 0, len(c.disk.Registered))
	for _, id := range c.disk.Registered {
		since := float64(c.now-c.lastHeard[id]) / float64(time.Millisecond)
		meters = append(meters, engine.Meter{Label: id, Value: max(0, since), Max: float64(cmp.Or(c.timeout, defHeartbeatTimeout*time.Millisecond) / time.Millisecond), Alarm: c.down[id]})
	}
	return engine.MeterWidget(WMembers, meters...)
}

// tableWidget draws a table: a row per partition with its owner; a
// partition on the move is pending, one whose owner is down is bad.
func tableWidget(title string, t Table, down map[string]bool) engine.Widget {
	ranges := make([]engine.Range, len(t.Owners))
	for p, owner := range t.Owners {
		r := engine.Range{Name: partName(p), Owner: owner, State: engine.StateOK}
		switch {
		case t.Moving(p):
			r.State, r.Note = engine.StatePending, "moving to "+t.Move.To
		case down[owner]:
			r.State, r.Note = engine.StateBad, "owner down: unavailable"
		}
		ranges[p] = r
	}
	return engine.RangesWidget(title, ranges...)
}

func joinOr(ids []string, none string) string {
	if len(ids) == 0 {
		return none
	}
	out := ids[0]
	for _, id := range ids[1:] {
		out += ", " + id
	}
	return out
}

// View is a data node's panel: its partitions with their state and key
// counts, and its keys.
func (n *DataNode) View() engine.ProcessView {
	rows := make([]engine.TableRow, 0, len(n.parts))
	var kv []engine.KVPair
	serving := 0
	for _, p := range sortedParts(n.parts) {
		pt := n.parts[p]
		st, text := engine.StateOK, "serving"
		switch pt.State {
		case stateOwned:
			serving++
		case stateFrozen:
			st, text = engine.StatePending, "frozen, copying to "+pt.To
		case stateIncoming:
			st, text = engine.StatePending, "copy held, not serving"
		case stateStray:
			st, text = engine.StateBad, "not owned, took writes"
		}
		rows = append(rows, engine.Row(engine.Cell{Text: partName(p)}, engine.Cell{Text: text, State: st}, engine.Cell{Text: strconv.Itoa(len(pt.KV))}))
		for _, k := range sortedKeys(pt.KV) {
			kv = append(kv, engine.KVPair{Key: k + " (" + partName(p) + ")", Value: pt.KV[k]})
		}
	}
	return engine.ProcessView{Role: "data", Badge: "v" + strconv.Itoa(n.version) + " · " + strconv.Itoa(serving) + " parts", Widgets: []engine.Widget{
		engine.TableWidget(WParts, []string{"partition", "state", "keys"}, rows...),
		engine.KVWidget(WKeys, kv...),
	}}
}

func sortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// clusterView is what no single node knows: for each partition, its
// owner in the table (as the controller's disk holds it, drawn even
// while the controller is down) beside where its copies really are and
// what each node does with them (serving, frozen for a move, a copy
// waiting for the switch); then the move counters, each data node, and
// what each partitioning scheme would move on each join.
func clusterView(w *engine.World, schemes *schemeCache) []engine.Widget {
	d, c := controllerOf(w)
	var down map[string]bool
	if c != nil {
		down = c.down
	}
	t := d.Table
	where := make([][]engine.Cell, len(t.Owners))
	keysIn := make([]int, len(t.Owners))
	nodeRows := make([]engine.TableRow, 0, 8)
	served := 0
	for i, id := range w.Nodes() {
		if w.Role(id) != RoleData {
			continue
		}
		status, st := string(w.Status(id)), engine.StateOK
		switch {
		case w.Status(id) == engine.StatusStandby || w.Status(id) == engine.StatusLeft:
			st = engine.StateInactive
		case down[id] || w.Status(id) != engine.StatusUp:
			st = engine.StateBad
		}
		keys := 0
		if n, ok := w.NodeProcess(i).(*DataNode); ok {
			for _, p := range sortedParts(n.parts) {
				pt := n.parts[p]
				if p >= len(where) {
					continue
				}
				cell := engine.Cell{Text: id + " serves", State: engine.StateOK}
				switch pt.State {
				case stateOwned:
					keys += len(pt.KV)
				case stateFrozen:
					cell = engine.Cell{Text: id + " frozen → " + pt.To, State: engine.StatePending}
				case stateIncoming:
					cell = engine.Cell{Text: id + " copy, not served", State: engine.StatePending}
				case stateStray:
					cell = engine.Cell{Text: id + " stray copy", State: engine.StateBad}
				}
				where[p] = append(where[p], cell)
				keysIn[p] = max(keysIn[p], len(pt.KV))
			}
		}
		served += keys
		held := 0
		for _, o := range t.Owners {
			if o == id {
				held++
			}
		}
		nodeRows = append(nodeRows, engine.Row(engine.Cell{Text: id}, engine.Cell{Text: status, State: st}, engine.Cell{Text: strconv.Itoa(held)}, engine.Cell{Text: strconv.Itoa(keys)}))
	}
	rows := make([]engine.TableRow, len(t.Owners))
	for p, owner := range t.Owners {
		ownerCell := engine.Cell{Text: owner, State: engine.StateOK}
		switch {
		case t.Moving(p):
			ownerCell = engine.Cell{Text: owner + " → " + t.Move.To, State: engine.StatePending}
		case down[owner]:
			ownerCell = engine.Cell{Text: owner + " (down)", State: engine.StateBad}
		}
		at := engine.Cell{Text: "nowhere up", State: engine.StateBad}
		switch len(where[p]) {
		case 0:
		case 1:
			at = where[p][0]
		default:
			at = engine.Cell{Text: where[p][0].Text, State: engine.StatePending}
			for _, c := range where[p][1:] {
				at.Text += "; " + c.Text
				if c.State == engine.StateBad {
					at.State = engine.StateBad
				}
			}
		}
		rows[p] = engine.Row(engine.Cell{Text: partName(p)}, ownerCell, at, engine.Cell{Text: strconv.Itoa(keysIn[p])})
	}
	version := "not assigned yet"
	if t.Assigned() {
		version = "v" + strconv.Itoa(t.Version)
	}
	return []engine.Widget{
		engine.TableWidget(WCluster, []string{"partition", "owner in the table", "where it is", "keys"}, rows...),
		engine.FieldsWidget(WCounts,
			engine.Field{Label: "table", Value: version},
			engine.Field{Label: "partitions moved", Value: strconv.Itoa(d.Moves)},
			engine.Field{Label: "keys moved", Value: strconv.Itoa(d.KeysMoved)},
			engine.Field{Label: "keys served now", Value: strconv.Itoa(served)},
		),
		engine.TableWidget("data nodes", []string{"node", "status", "partitions", "keys served"}, nodeRows...),
		schemesWidget(schemes.rowsFor(w, d.Joins)),
	}
}
