package channel

import (
	"sort"
	"time"

	"clusterscope/engine"
)

// Widget titles.
const (
	wChannels = "channels"
	wLog      = "log"
	wSilence  = "silence (vs idle timeout)"
	wWire     = "the wire (athens ↔ followers)"
)

// shownEntries is how much of a log a panel draws (the newest).
const shownEntries = 16

func (l *leader) view() engine.ProcessView {
	from := max(0, len(l.log)-shownEntries)
	entries := make([]engine.LogEntry, 0, len(l.log)-from)
	for i := from; i < len(l.log); i++ {
		entries = append(entries, engine.LogEntry{Index: i + 1, Text: l.log[i].String(), Synced: true})
	}
	lw := engine.LogWidget(wLog, entries...)
	lw.Base = from + 1
	rows := make([]engine.TableRow, 0, len(l.channels))
	meters := make([]engine.Meter, 0, len(l.channels))
	for _, ch := range l.channels {
		lw.Markers = append(lw.Markers, engine.Marker{Name: ch.peer + " acked", Index: ch.acked})
		conn, state, st := "—", "closed: "+ch.why, engine.StateWarn
		switch {
		case ch.conn != 0:
			conn, state, st = "#"+itoa(int(ch.conn)), "open", engine.StateOK
		case ch.why == "":
			state = "closed"
		}
		if ch.failed {
			state, st = state+", peer failed", engine.StateBad
		}
		unacked := max(0, len(l.log)-ch.acked)
		next := itoa(ch.next)
		if ch.conn == 0 {
			next = "—"
		}
		rows = append(rows, engine.Row(
			engine.Cell{Text: ch.peer}, engine.Cell{Text: conn}, engine.Cell{Text: state, State: st},
			engine.Cell{Text: next}, engine.Cell{Text: itoa(ch.acked)}, engine.Cell{Text: itoa(unacked), State: pendingIf(unacked > 0)},
			engine.Cell{Text: itoa(ch.opened)}))
		meters = append(meters, silence(ch.peer, l.now-ch.lastHeard, l.idle))
	}
	return engine.ProcessView{Role: "leader", Badge: "log #" + itoa(len(l.log)), Widgets: []engine.Widget{
		engine.TableWidget(wChannels, []string{"follower", "connection", "state", "next seq", "acked", "unacked", "opened"}, rows...),
		engine.MeterWidget(wSilence, meters...),
		lw,
	}}
}

func pendingIf(b bool) engine.State {
	if b {
		return engine.StatePending
	}
	return ""
}

func silence(label string, d, idle time.Duration) engine.Meter {
	return engine.Meter{Label: label, Value: float64(d.Milliseconds()), Max: float64(idle.Milliseconds()), Alarm: d > idle}
}

func (f *follower) view() engine.ProcessView {
	conn := "—"
	if f.conn != 0 {
		conn = "#" + itoa(int(f.conn))
	}
	trust := "trusts athens"
	if f.suspects {
		trust = "treats athens as failed"
	}
	keys := make([]string, 0, len(f.kv))
	for k := range f.kv {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	kv := make([]engine.KVPair, 0, len(keys))
	for _, k := range keys {
		kv = append(kv, engine.KVPair{Key: k, Value: f.kv[k]})
	}
	last := "—"
	if n := len(f.applied); n > 0 {
		last = "#" + itoa(f.applied[n-1])
	}
	return engine.ProcessView{Role: "follower", Badge: "applied " + itoa(len(f.applied)), Widgets: []engine.Widget{
		engine.FieldsWidget(wChannels,
			engine.Field{Label: "connection from athens", Value: conn},
			engine.Field{Label: "last applied", Value: last},
			engine.Field{Label: "next expected", Value: "#" + itoa(len(f.applied)+1)},
			engine.Field{Label: "duplicates skipped", Value: itoa(f.Skipped)},
			engine.Field{Label: "reads waiting", Value: itoa(len(f.reads))},
			engine.Field{Label: "athens", Value: trust}),
		engine.MeterWidget(wSilence, silence("athens", f.now-f.lastHeard, f.idle)),
		engine.KVWidget("state", kv...),
	}}
}

// clusterView counts what each link between athens and a follower
// carried: the head-of-line blocking of a snapshot shows as bytes in
// flight that do not go down.
func clusterView(w *engine.World) []engine.Widget {
	leaders := w.Members(roleLeader)
	if len(leaders) == 0 {
		return nil
	}
	lead := leaders[0]
	var rows []engine.TableRow
	for _, f := range w.Members(roleFollower) {
		for _, pair := range [2][2]string{{lead, f}, {f, lead}} {
			s := w.Link(pair[0], pair[1])
			rows = append(rows, engine.Row(engine.Cell{Text: pair[0] + " → " + pair[1]},
				engine.Cell{Text: itoa(int(s.Sent))}, engine.Cell{Text: itoa(int(s.Delivered))},
				engine.Cell{Text: kb(s.Bytes)}, engine.Cell{Text: itoa(s.InFlight), State: pendingIf(s.InFlight > 0)},
				engine.Cell{Text: kb(s.BytesInFlight), State: pendingIf(s.BytesInFlight > 10_000)}))
		}
	}
	return []engine.Widget{engine.TableWidget(wWire, []string{"link", "sent", "delivered", "bytes", "in flight", "bytes in flight"}, rows...)}
}

func kb(b int64) string {
	if b < 10_000 {
		return itoa(int(b)) + " B"
	}
	return itoa(int(b/1000)) + " KB"
}
