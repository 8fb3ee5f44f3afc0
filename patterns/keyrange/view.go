package keyrange

import (
	"sort"
	"strconv"

	"clusterscope/engine"
)

// View draws a data node: the ranges it holds with their epochs and key
// counts (a table rather than the ranges widget: a node panel is narrow,
// and the epoch must show), and its keys.
func (n *Node) View() engine.ProcessView {
	rows := make([]engine.TableRow, 0, len(n.ranges))
	var kv []engine.KVPair
	live := 0
	for _, r := range n.ranges {
		held := engine.Cell{Text: plural(len(r.Keys), "key"), State: engine.StateOK}
		switch r.State {
		case heldOnline:
			live++
		case heldMoving:
			held = engine.Cell{Text: "frozen → " + r.To, State: engine.StatePending}
		case heldMoved:
			held = engine.Cell{Text: "moved → " + r.To, State: engine.StateInactive}
		}
		rows = append(rows, engine.Row(engine.Cell{Text: rangeAt(r.ID, r.Epoch), State: held.State}, engine.Cell{Text: bounds(r.Start, r.End)}, held))
		for _, k := range sortedKeys(r.Keys) {
			kv = append(kv, engine.KVPair{Key: k, Value: r.Keys[k].Value + " (" + rangeName(r.ID) + ")"})
		}
	}
	sort.Slice(kv, func(i, j int) bool { return kv[i].Key < kv[j].Key })
	return engine.ProcessView{Role: string(RoleData), Badge: n.badge(live), Widgets: []engine.Widget{
		engine.TableWidget(WHeld, []string{"range", "keys", "holds"}, rows...),
		engine.KVWidget(WKeys, kv...),
	}}
}

// badge names the ranges the node serves ("r1 r5"), or counts them when
// there are more than fit above a node.
func (n *Node) badge(live int) string {
	if live == 0 || live > 3 {
		return plural(live, "range")
	}
	var b []byte
	for _, r := range n.ranges {
		if r.State == heldOnline {
			if len(b) > 0 {
				b = append(b, ' ')
			}
			b = appendRangeName(b, r.ID)
		}
	}
	return string(b)
}

// rangeAt writes a range at its epoch: r2@4.
func rangeAt(id, epoch int) string { return string(appendAt(nil, id, epoch)) }

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return strconv.Itoa(n) + " " + what + "s"
}

// View draws the coordinator: its table, and what its disk holds.
func (c *CoordinatorProc) View() engine.ProcessView {
	rows := make([]engine.TableRow, 0, len(c.t.Ranges))
	for _, r := range c.t.Ranges {
		owner := r.Owner
		switch r.State {
		case stateMoving:
			owner += " → " + r.To
		case stateSplitting, stateCreating:
			owner += " (" + r.State + ")"
		}
		rows = append(rows, engine.Row(engine.Cell{Text: rangeAt(r.ID, r.Epoch), State: tableState(r.State)}, engine.Cell{Text: bounds(r.Start, r.End)},
			engine.Cell{Text: owner, State: tableState(r.State)}))
	}
	op := "none"
	switch c.t.Op.Kind {
	case opKindSplit:
		op = "split " + rangeName(c.t.Op.Range) + " at " + c.t.Op.Key
	case opKindMove:
		op = "move " + rangeName(c.t.Op.Range) + " " + c.t.Op.From + " → " + c.t.Op.To
	case opKindCreate:
		op = "create " + rangeName(c.t.Op.Range) + " on " + c.t.Op.To
	}
	return engine.ProcessView{Role: string(RoleCoordinator), Badge: "table v" + strconv.Itoa(c.t.Version), Widgets: []engine.Widget{
		engine.TableWidget(WCoord, []string{"range", "keys", "owner"}, rows...),
		engine.FieldsWidget(WCoordDisk,
			engine.Field{Label: "table version (synced)", Value: strconv.Itoa(c.t.Version)},
			engine.Field{Label: "under way", Value: op},
			engine.Field{Label: "splits", Value: strconv.Itoa(c.t.Splits)},
			engine.Field{Label: "moves", Value: strconv.Itoa(c.t.Moves)}),
	}}
}

// maxWhereRows keeps the key table short on the page.
const maxWhereRows = 40

// clusterView is what no single node knows: the table as an alphabet bar,
// and for every stored key the range the table routes it to against the
// node and range that hold it (a stray key is red).
func clusterView(w *engine.World) []engine.Widget {
	t, ok := coordinatorTable(w)
	if !ok {
		return nil
	}
	bar := make([]engine.Range, 0, len(t.Ranges))
	for _, r := range t.Ranges {
		note := ""
		if r.State == stateMoving {
			note = "moving to " + r.To
		}
		bar = append(bar, engine.Range{Name: rangeName(r.ID), Start: r.Start, End: r.End, Owner: r.Owner, Epoch: r.Epoch, State: tableState(r.State), Note: note})
	}
	var rows []engine.TableRow
	type stored struct{ key, at, note string }
	var all []stored
	for _, id := range w.Nodes() {
		if w.Role(id) != RoleData {
			continue
		}
		for _, r := range rangesOf(w, id) {
			for k := range r.Keys {
				s := stored{key: k, at: id + " " + rangeName(r.ID)}
				if r.State == heldMoving {
					s.note = "frozen"
				}
				all = append(all, s)
			}
		}
	}
	sort.Slice(all, func(i, j int) bool {
		return all[i].key < all[j].key || (all[i].key == all[j].key && all[i].at < all[j].at)
	})
	for i, s := range all {
		if i == maxWhereRows {
			rows = append(rows, engine.Row(engine.Cell{Text: "…"}, engine.Cell{Text: strconv.Itoa(len(all)-i) + " more"}, engine.Cell{}))
			break
		}
		route := "—"
		st := engine.StateBad
		if tr := tableRange(t.Ranges, s.key); tr != nil {
			route = tr.Owner + " " + rangeName(tr.ID)
			if route == s.at {
				st = engine.StateOK
			}
		}
		at := s.at
		if s.note != "" {
			at += " (" + s.note + ")"
			st = engine.StatePending
		}
		rows = append(rows, engine.Row(engine.Cell{Text: s.key}, engine.Cell{Text: route}, engine.Cell{Text: at, State: st}))
	}
	return []engine.Widget{
		engine.RangesWidget(WKeyspace, bar...),
		engine.TableWidget(WWhere, []string{"key", "reads go to", "stored on"}, rows...),
	}
}
