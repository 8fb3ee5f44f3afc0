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
	parked := make([]engine.QueueItem, 0, len(s.parked)+len(s.clockWaits))
	for _, r := range s.clockWaits {
		parked = append(parked, engine.QueueItem{ID: r.From, Text: r.Key + " at " + ms(r.ReadTS) + ": until the clock passes it", State: engine.StatePending})
	}
	for _, r := range s.parked {
		parked = append(parked, engine.QueueItem{ID: r.From, Text: r.Key + " at " + ms(r.ReadTS), State: engine.StatePending})
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
		from, till := us(min(w.Stamped, w.TS)), us(w.WaitTill)
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
// beside how far the servers assume they can be; in ClockBound mode, each
// server's interval and claimed bound beside its real offset.
func clusterView(w *engine.World) []engine.Widget {
	if w.Param(ParamMode, modeCommitWait) == modeClockBound {
		return boundView(w)
	}
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

// boundView is ClockBound mode's: per server, the interval its clock
// reports, the error bound it claims and its real offset, red where the
// interval misses true time (the claim is an under-estimate).
func boundView(w *engine.World) []engine.Widget {
	rows := []engine.TableRow{engine.Row(engine.Cell{Text: "true time"}, engine.Cell{Text: ms(w.Now()) + " ms"}, engine.Cell{}, engine.Cell{})}
	var out []engine.Widget
	for _, id := range w.Nodes() {
		now, b := w.Clock(id), claimedBound(w.Param, id)
		off := now - w.Now()
		st := engine.StateOK
		if off > b || -off > b {
			st = engine.StateBad
		}
		interval := "[" + ms(now-b) + ", " + ms(now+b) + "]"
		rows = append(rows, engine.Row(engine.Cell{Text: id}, engine.Cell{Text: interval + " ms"}, engine.Cell{Text: "±" + dur(b) + " ms"},
			engine.Cell{Text: signed(off) + " ms", State: st}))
		out = append(out, engine.ClockWidget(id+"'s "+WClock, engine.ClockView{Value: ms(now) + " ms", Offset: signed(off) + " ms",
			Uncertainty: interval + " ms (±" + dur(b) + " ms claimed)"}))
	}
	head := engine.TableWidget(WClocks, []string{"server", "interval [earliest, latest]", "claimed error bound", "real offset"}, rows...)
	return append([]engine.Widget{head}, out...)
}

func signed(d time.Duration) string {
	if d >= 0 {
		return "+" + dur(d)
	}
	return dur(d)
}
