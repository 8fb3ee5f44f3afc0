package wire

import (
	"sort"
	"strconv"

	"clusterscope/engine"
)

// Widget titles (Emphasis and tests refer to them).
const (
	wWindow     = "window"
	wThroughput = "throughput"
	wPipeLat    = "latency"
	wRates      = "requests vs messages"
	wLatency    = "latency p50 / p99"
	wBatch      = "batch being built"
	wReceive    = "receive queue"
)

// View shows athens's receive queue filling (the overflow the unbounded
// window causes), its store and, for the pipeline, what it expects next.
func (s *Server) View() engine.ProcessView {
	store := make([]engine.KVPair, 0, len(s.store))
	for k, v := range s.store {
		store = append(store, engine.KVPair{Key: k, Value: v})
	}
	sort.Slice(store, func(i, j int) bool { return store[i].Key < store[j].Key })
	fields := []engine.Field{
		{Label: "messages served", Value: itoa(s.Messages)},
		{Label: "requests applied", Value: itoa(s.Applied)},
		{Label: "dropped (queue full)", Value: itoa(s.Dropped)},
	}
	for _, id := range sortedKeys(s.sessions) {
		ss := s.sessions[id]
		fields = append(fields,
			engine.Field{Label: id + ": expects", Value: "#" + itoa(ss.next)},
			engine.Field{Label: "rejected / duplicates", Value: itoa(s.Rejected) + " / " + itoa(s.Duplicates)})
	}
	items := make([]engine.QueueItem, 0, len(s.queue))
	for i, a := range s.queue {
		st := engine.StatePending
		if i == 0 && s.serving {
			st = engine.StateFocus
		}
		items = append(items, engine.QueueItem{ID: a.from, Text: summary(a.msg), State: st})
	}
	return engine.ProcessView{Role: "server", Badge: "queue " + itoa(len(s.queue)) + "/" + itoa(s.cap), Widgets: []engine.Widget{
		engine.MeterWidget(wReceive, engine.Meter{Label: "waiting messages", Value: float64(len(s.queue)), Max: float64(s.cap), Alarm: len(s.queue) >= s.cap}),
		engine.QueueWidget("serving", items...),
		engine.KVWidget("store", store...),
		engine.FieldsWidget("athens", fields...),
		engine.SeriesWidget("queue depth", engine.Series{Name: "peak per 100 ms", Values: clone(s.depths)}),
	}}
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func clone(v []float64) []float64 { return append([]float64(nil), v...) }

// View shows alice's window as a gauge (full = she is blocked), what is in
// flight and what waits for a slot, and the live charts.
func (c *Sender) View() engine.ProcessView {
	items := make([]engine.QueueItem, 0, len(c.flight)+len(c.outbox))
	for _, p := range c.flight {
		items = append(items, engine.QueueItem{ID: "#" + itoa(p.op.Seq), Text: p.op.String() + " in flight", State: engine.StatePending})
	}
	for _, p := range c.outbox {
		items = append(items, engine.QueueItem{ID: "#" + itoa(p.op.Seq), Text: p.op.String() + " blocked", State: engine.StateWarn})
	}
	window := float64(max(c.lastWindow, 1))
	badge := itoa(len(c.flight)) + " in flight"
	if len(c.outbox) > 0 {
		badge = "blocked: window full"
	}
	return engine.ProcessView{Role: "client", Badge: badge, Widgets: []engine.Widget{
		engine.MeterWidget(wWindow,
			engine.Meter{Label: "in flight (of the window)", Value: float64(len(c.flight)), Max: window, Alarm: float64(len(c.flight)) > window},
			engine.Meter{Label: "blocked (waiting for a slot)", Value: float64(len(c.outbox)), Max: window}),
		engine.SeriesWidget(wThroughput, engine.Series{Name: "completed", Unit: "req/s", Values: clone(c.throughput)}),
		engine.SeriesWidget(wPipeLat, engine.Series{Name: "mean over the last second", Unit: "ms", Values: clone(c.latencyMs)}),
		engine.QueueWidget("requests", items...),
		engine.FieldsWidget("alice",
			engine.Field{Label: "completed", Value: itoa(c.Completed)},
			engine.Field{Label: "messages sent", Value: itoa(c.Messages)},
			engine.Field{Label: "resent", Value: itoa(c.Resent)},
			engine.Field{Label: "rejections heard", Value: itoa(c.Rejections)}),
	}}
}

// View shows the batch being built (with each request's linger deadline),
// the batches in flight, the rates and the latency chart.
func (c *Batcher) View() engine.ProcessView {
	items := make([]engine.QueueItem, 0, len(c.queue))
	for _, q := range c.queue {
		items = append(items, engine.QueueItem{ID: itoa(q.id), Text: q.op.String(), State: engine.StatePending, Expiry: int64(q.due / 1000)})
	}
	flight := make([]engine.QueueItem, 0, len(c.order))
	for _, id := range c.order {
		flight = append(flight, engine.QueueItem{ID: "batch " + itoa(id), Text: itoa(len(c.sent[id].entries)) + " requests", State: engine.StatePending})
	}
	perMsg := "–"
	if c.Messages > 0 {
		perMsg = strconv.FormatFloat(float64(c.Requests)/float64(c.Messages), 'f', 1, 64)
	}
	return engine.ProcessView{Role: "client", Badge: itoa(len(c.queue)) + " queued", Widgets: []engine.Widget{
		engine.QueueWidget(wBatch, items...),
		engine.SeriesWidget(wRates,
			engine.Series{Name: "requests/s", Unit: "/s", Values: clone(c.reqRate)},
			engine.Series{Name: "messages/s", Unit: "/s", Values: clone(c.msgRate)}),
		engine.SeriesWidget(wLatency,
			engine.Series{Name: "p50", Unit: "ms", Values: clone(c.p50)},
			engine.Series{Name: "p99", Unit: "ms", Values: clone(c.p99)}),
		engine.FieldsWidget(c.id,
			engine.Field{Label: "requests / messages", Value: itoa(c.Requests) + " / " + itoa(c.Messages)},
			engine.Field{Label: "requests per message", Value: perMsg},
			engine.Field{Label: "completed / refused", Value: itoa(c.Completed) + " / " + itoa(c.Refused)},
			engine.Field{Label: "batches resent", Value: itoa(c.Resent)},
			engine.Field{Label: "last answer", Value: c.last.String()}),
		engine.QueueWidget("batches in flight", flight...),
	}}
}
