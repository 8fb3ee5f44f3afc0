package updatequeue

import (
	"math"
	"strconv"
	"strings"

	"clusterscope/engine"
)

// Widget titles (Emphasis refers to them).
const (
	wQueue  = "queue"
	wWorker = "update thread"
	wDepth  = "queue depth"
	wDisk   = "disk"
	wGantt  = "requests over time"
)

// pipeline is the update thread's stages in order, as the worker table
// draws them.
var pipeline = []stage{stRead, stValidate, stWAL, stApply, stRespond}

// View draws athens: its queue, the task on its update thread and the
// stage it is in, the balance, the queue depth over time, and the WAL.
func (s *Server) View() engine.ProcessView {
	items := make([]engine.QueueItem, 0, min(len(s.queue), maxQueueShown))
	for _, t := range s.queue[:min(len(s.queue), maxQueueShown)] {
		items = append(items, engine.QueueItem{ID: t.from, Text: t.label(), State: engine.StatePending})
	}
	if n := len(s.queue) - maxQueueShown; n > 0 {
		items = append(items, engine.QueueItem{ID: "…", Text: strconv.Itoa(n) + " more", State: engine.StatePending})
	}
	crowded := s.criticalCount() > 1
	rows := make([]engine.TableRow, 0, len(s.active))
	for _, t := range s.active {
		cells := []engine.Cell{{Text: t.from + " " + t.label()}}
		for _, st := range pipeline {
			c := engine.Cell{Text: "·"}
			switch {
			case st == t.stage && crowded && st.critical() && !t.beat:
				c = engine.Cell{Text: "●", State: engine.StateBad}
			case st == t.stage:
				c = engine.Cell{Text: "●", State: engine.StateFocus}
			case t.passed(st):
				c = engine.Cell{Text: "✓", State: engine.StateOK}
			}
			cells = append(cells, c)
		}
		read := ""
		if t.stage > stRead && !t.beat {
			read = strconv.Itoa(t.read)
		}
		rows = append(rows, engine.Row(append(cells, engine.Cell{Text: read})...))
	}
	if len(s.calls) > 0 {
		n := len(s.calls)
		rows = append(rows, engine.Row(engine.Cell{Text: strconv.Itoa(n) + " awaiting the fraud check (off the thread)", State: engine.StatePending}))
	}
	cols := []string{"task"}
	for _, st := range pipeline {
		cols = append(cols, st.String())
	}
	cols = append(cols, "read")
	capacity := "unbounded"
	if s.cap < hardCap {
		capacity = strconv.Itoa(s.cap)
	}
	var files []engine.FileView
	if s.disk != nil {
		files = s.disk.FileViews(func(_ string, r engine.Record) string { return r.Data.(walRecord).String() })
	}
	return engine.ProcessView{
		Role:  "account",
		Badge: "balance " + strconv.Itoa(s.balance),
		Widgets: []engine.Widget{
			engine.QueueWidget(wQueue, items...),
			engine.TableWidget(wWorker, cols, rows...),
			engine.FieldsWidget("account",
				engine.Field{Label: "balance", Value: strconv.Itoa(s.balance)},
				engine.Field{Label: "waiting / capacity", Value: strconv.Itoa(len(s.queue)) + " / " + capacity},
				engine.Field{Label: "applied", Value: strconv.Itoa(s.applied)},
				engine.Field{Label: "refused (QUEUE_FULL)", Value: strconv.Itoa(s.rejectedFull)}),
			engine.SeriesWidget(wDepth, engine.Series{Name: "waiting (peak per 50 ms)", Values: append([]float64(nil), s.depths...)}),
			engine.DiskWidget(wDisk, files...),
		},
	}
}

// passed reports whether t went through stage st before the one it is in.
func (t *task) passed(st stage) bool {
	for _, m := range t.marks[:max(len(t.marks)-1, 0)] {
		if m.stage == st {
			return true
		}
	}
	return false
}

// ganttLegend colours the stages: queued first, the fraud check last.
var ganttLegend = []string{stQueued.String(), stRead.String(), stValidate.String(), stWAL.String(), stApply.String(), stRespond.String(), stCall.String(), stAwait.String()}

// clusterView puts each account server's gantt chart in the cluster panel,
// which is wide enough for a time axis.
func clusterView(w *engine.World) []engine.Widget {
	var out []engine.Widget
	for i := range w.Nodes() {
		if s, ok := w.NodeProcess(i).(*Server); ok {
			out = append(out, s.gantt())
		}
	}
	return out
}

// gantt draws the recent tasks' stages on one time axis. A mutating
// task's read-to-apply stretch that overlaps another's is red: the two
// read-modify-writes interleaved, and one of them will be lost.
func (s *Server) gantt() engine.Widget {
	type crit struct {
		row, span int
		from, to  int64
	}
	rows := make([]engine.GanttRow, len(s.recent))
	var crits []crit
	for i, t := range s.recent {
		r := engine.GanttRow{Label: t.name()}
		for k, m := range t.marks {
			var to int64
			switch {
			case k+1 < len(t.marks):
				to = t.marks[k+1].at
			case t.finished:
				to = t.ended
			}
			if to == m.at && (to != 0 || t.finished) {
				continue // a stage passed through at once (no queue in parallel-handlers)
			}
			sp := engine.Span{Name: m.stage.String(), From: m.at, To: to, Wait: m.stage == stQueued || m.stage == stAwait}
			if !t.beat && t.op.mutates() && m.stage.critical() {
				end := to
				if end == 0 {
					end = math.MaxInt64 // still going: it overlaps whatever else runs now
				}
				crits = append(crits, crit{i, len(r.Spans), m.at, end})
			}
			r.Spans = append(r.Spans, sp)
		}
		if t.finished {
			r.Note, r.State = outcomeNote(t)
		}
		rows[i] = r
	}
	for a := range crits {
		for b := range crits {
			x, y := crits[a], crits[b]
			if x.row != y.row && x.from < y.to && y.from < x.to {
				rows[x.row].Spans[x.span].State = engine.StateBad
			}
		}
	}
	legend := ganttLegend
	if !s.anyCalled() {
		legend = legend[:len(legend)-2] // no fraud check on the chart: no need to explain it
	}
	return engine.GanttWidget(s.id+": "+wGantt+" (last "+strconv.Itoa(ganttRows)+")", engine.GanttView{Now: s.now, Legend: legend, Rows: rows})
}

// anyCalled reports whether a task on the chart asked the fraud check.
func (s *Server) anyCalled() bool {
	for _, t := range s.recent {
		if len(t.marks) > 1 && t.marks[1].stage == stCall {
			return true
		}
	}
	return false
}

func outcomeNote(t *task) (string, engine.State) {
	switch {
	case t.beat:
		return "ack", engine.StateOK
	case t.reason == "":
		return "ok", engine.StateOK
	case t.reason == ReasonInsufficient:
		return "refused", engine.StateWarn
	}
	return t.reason, engine.StateBad
}

// maxQueueShown bounds the queue drawn (an unbounded queue can hold
// thousands).
const maxQueueShown = 12

func (t *task) label() string {
	if t.beat {
		return "heartbeat " + strconv.Itoa(t.req)
	}
	if t.checked {
		return t.op.String() + " (checked)"
	}
	return t.op.String()
}

func (r walRecord) String() string {
	var b strings.Builder
	b.WriteString(r.Client)
	if r.Op.Kind == opWithdraw {
		b.WriteString(" −")
	} else {
		b.WriteString(" +")
	}
	b.WriteString(strconv.Itoa(r.Op.Amount))
	b.WriteString(" → ")
	b.WriteString(strconv.Itoa(r.After))
	return b.String()
}
