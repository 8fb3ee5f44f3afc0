package vvector

import (
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"clusterscope/engine"
)

// View draws the replica: its siblings per key, each with its dot and
// version vector, and its counters. A read returns every sibling; the
// widget marks a lone version as what a read returns and concurrent
// siblings dashed, which is the difference a learner looks for.
func (n *Node) View() engine.ProcessView {
	keys := slices.Sorted(maps.Keys(n.store))
	kv := make([]engine.KeyVersions, 0, len(keys))
	for _, k := range keys {
		sibs := n.store[k].Siblings
		vs := make([]engine.Version, len(sibs))
		for i, s := range sibs {
			stamp := s.Dot.String()
			if n.rule == byStamp {
				stamp += " t=" + s.Stamp.Round(time.Millisecond).String()
			}
			vs[i] = engine.Version{Value: s.Value, Stamp: stamp, Vector: s.Vector().pairs(), Sibling: len(sibs) > 1, Visible: len(sibs) == 1}
		}
		kv = append(kv, engine.KeyVersions{Key: k, Versions: vs})
	}
	return engine.ProcessView{Role: "replica", Widgets: []engine.Widget{
		engine.VersionsWidget(WVersions, kv...),
		engine.FieldsWidget(WCounts,
			engine.Field{Label: "writes coordinated", Value: strconv.Itoa(n.Writes)},
			engine.Field{Label: "reads coordinated", Value: strconv.Itoa(n.Reads)},
			engine.Field{Label: "read repairs", Value: strconv.Itoa(n.Repaired)},
			engine.Field{Label: "Timeout", Value: strconv.Itoa(n.Timeouts)},
			engine.Field{Label: "waiting", Value: strconv.Itoa(n.waiting.Len())}),
	}}
}

// allKeys are the keys any replica holds, sorted.
func allKeys(w *engine.World) []string {
	keys := map[string]bool{}
	for _, id := range w.Members(engine.RoleNode) {
		if n, ok := w.Process(id).(*Node); ok {
			for k := range n.store {
				keys[k] = true
			}
		}
	}
	return slices.Sorted(maps.Keys(keys))
}

// clusterView is what no replica knows alone: every version of every key
// the replicas hold between them, who holds it, and how it stands to the
// others (replaced by one whose writer read it, or concurrent with them),
// and every acknowledged write that is gone.
func clusterView(w *engine.World) []engine.Widget {
	var rows []engine.TableRow
	lost, _ := lostWrites(w)
	for _, key := range allKeys(w) {
		kv := viewKey(w, key)
		for _, s := range kv.sibs {
			rel, st := relation(s, kv.sibs)
			rows = append(rows, engine.Row(
				engine.Cell{Text: key},
				engine.Cell{Text: s.Value + " (" + s.Dot.String() + ")"},
				engine.Cell{Text: s.Vector().String()},
				engine.Cell{Text: strings.Join(kv.holders[s.Dot], ", ")},
				engine.Cell{Text: rel, State: st}))
		}
	}
	for _, l := range lost {
		rows = append(rows, engine.Row(
			engine.Cell{Text: l.In.Key},
			engine.Cell{Text: l.In.Item + " (" + l.Dot.String() + ")"},
			engine.Cell{Text: l.Vector},
			engine.Cell{Text: "nobody", State: engine.StateBad},
			engine.Cell{Text: "LOST: " + l.Op.Client + " was told it succeeded; no later write had read it", State: engine.StateBad}))
	}
	return []engine.Widget{engine.TableWidget(WAcross, []string{"key", "version", "vector", "held by", "compared with the others"}, rows...)}
}

// relation says how a version stands to the other versions of its key,
// by what their writers had read: replaced (a stale copy read repair or
// anti-entropy will remove), concurrent (siblings), or the only one.
func relation(s Sibling, all []Sibling) (string, engine.State) {
	var by, beside, over []string
	for _, t := range all {
		switch {
		case t.Dot == s.Dot:
		case t.Ctx.Covers(s.Dot):
			by = append(by, t.Dot.String())
		case s.Ctx.Covers(t.Dot):
			over = append(over, t.Dot.String())
		default:
			beside = append(beside, t.Dot.String())
		}
	}
	switch {
	case len(by) > 0:
		return "replaced by " + strings.Join(by, ", ") + " (its writer read it)", engine.StateInactive
	case len(beside) > 0:
		return "concurrent with " + strings.Join(beside, ", "), engine.StateWarn
	case len(over) > 0:
		return "newest: dominates " + strings.Join(over, ", "), engine.StateOK
	}
	return "the only version", engine.StateOK
}
