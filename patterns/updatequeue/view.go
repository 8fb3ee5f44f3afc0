package updatequeue

import (
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
			case st < t.stage:
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

// maxQueueShown bounds the queue drawn (an unbounded queue can hold
// thousands).
const maxQueueShown = 12

func (t *task) label() string {
	if t.beat {
		return "heartbeat " + strconv.Itoa(t.req)
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
