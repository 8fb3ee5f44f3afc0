package clockbound

import (
	"strconv"
	"time"

	"clusterscope/engine"
)

// View shows the server's clock reading, its versions (held ones marked),
// its commit-waits on its own clock, and the reads it holds.
func (s *Server) View() engine.ProcessView {
	keys := s.keys()
	kv := make([]engine.KeyVersions, 0, len(keys))
	for _, k := range keys {
		vs := s.store[k]
		out := make([]engine.Version, len(vs))
		top := -1
		for i, v := range vs {
			stamp := ms(v.TS)
			if !v.Committed {
				stamp += " held"
			} else {
				top = i
			}
			out[i] = engine.Version{Value: v.Value, Stamp: stamp}
		}
		if top >= 0 {
			out[top].Visible = true
		}
		kv = append(kv, engine.KeyVersions{Key: k, Versions: out})
	}
	parked := make([]engine.QueueItem, len(s.parked))
	for i, r := range s.parked {
		parked[i] = engine.QueueItem{ID: r.From, Text: r.Key + " at " + ms(r.ReadTS), State: engine.StatePending}
	}
	return engine.ProcessView{Role: "replica", Badge: strconv.Itoa(s.Writes) + " writes", Widgets: []engine.Widget{
		engine.VersionsWidget(WStore, kv...),
		engine.GanttWidget(WWaits, s.waits()),
		engine.QueueWidget(WParked, parked...),
		engine.FieldsWidget("counters",
			engine.Field{Label: "writes stamped", Value: strconv.Itoa(s.Writes)},
			engine.Field{Label: "commit-waits", Value: strconv.Itoa(s.Waited)},
			engine.Field{Label: "reads served", Value: strconv.Itoa(s.Reads)},
			engine.Field{Label: "read restarts", Value: strconv.Itoa(s.Restarts)}),
	}}
}

// waits draws its recent writes on its own clock: from the stamp, the
// commit-wait to stamp + maxOffset, and the commit.
func (s *Server) waits() engine.GanttView {
	g := engine.GanttView{Legend: []string{"commit-wait", "replicate", "visible"}}
	var now int64
	// Only the writes close to the latest: one stamped long before would
	// squeeze every bar to a sliver.
	var since time.Duration
	if n := len(s.recent); n > 0 {
		last := s.recent[n-1]
		since = last.TS - max(3*(last.WaitTill-last.TS), 50*time.Millisecond)
	}
	for _, w := range s.recent {
		if w.TS < since {
			continue
		}
		from, till := us(w.TS), us(w.WaitTill)
		row := engine.GanttRow{Label: w.Value + " " + stampText(w.TS), Note: "waiting", State: engine.StatePending}
		if till > from {
			row.Spans = append(row.Spans, engine.Span{Name: "commit-wait", From: from, To: till})
		}
		if w.Done {
			done := max(us(w.DoneAt), from+1)
			row.Spans = append(row.Spans, engine.Span{Name: "replicate", From: from, To: done, Wait: true},
				engine.Span{Name: "visible", From: done, To: done + max(1, (till-from)/4)})
			row.Note, row.State = "+"+dur((w.DoneAt-w.TS).Round(100*time.Microsecond))+" ms", engine.StateOK
			now = max(now, done)
		}
		now = max(now, till)
		g.Rows = append(g.Rows, row)
	}
	g.Now = now
	return g
}

func us(d time.Duration) int64 { return int64(d / time.Microsecond) }

// clusterView: each server's clock against true time, what no server can
// see of itself (its offset), and how far apart the clocks really are
// beside how far the servers assume they can be.
func clusterView(w *engine.World) []engine.Widget {
	bound := time.Duration(w.Param(ParamMaxOffset, defMaxOffset)) * time.Millisecond
	var lo, hi time.Duration
	var out []engine.Widget
	for i, id := range w.Nodes() {
		off := w.Clock(id) - w.Now()
		if i == 0 || off < lo {
			lo = off
		}
		if i == 0 || off > hi {
			hi = off
		}
		out = append(out, engine.ClockWidget(id+"'s "+WClock, engine.ClockView{Value: ms(w.Clock(id)) + " ms", Offset: signed(off) + " ms",
			Uncertainty: dur(bound) + " ms of every other clock, assumed"}))
	}
	st := engine.StateOK
	if hi-lo > bound {
		st = engine.StateBad
	}
	return append([]engine.Widget{engine.TableWidget(WClocks, []string{"true time", "real skew (fastest − slowest)", "assumed maxOffset"},
		engine.Row(engine.Cell{Text: ms(w.Now()) + " ms"}, engine.Cell{Text: dur(hi-lo) + " ms", State: st}, engine.Cell{Text: dur(bound) + " ms"}))}, out...)
}

func signed(d time.Duration) string {
	if d >= 0 {
		return "+" + dur(d)
	}
	return dur(d)
}
