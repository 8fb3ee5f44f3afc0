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
	meters := make([]engine.Meter, 0, len(l.channels))
	for _, ch := range l.channels {
		lw.Markers = append(lw.Markers, engine.Marker{Name: ch.peer + " acked", Index: ch.acked})
		meters = append(meters, silence(ch.peer, l.now-ch.lastHeard, l.idle))
	}
	return engine.ProcessView{Role: "leader", Badge: "log #" + itoa(len(l.log)), Widgets: []engine.Widget{
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
	trust := "trusted"
	if f.suspects {
		trust = "treated as failed"
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
			engine.Field{Label: "leader athens", Value: trust}),
		engine.MeterWidget(wSilence, silence("athens", f.now-f.lastHeard, f.idle)),
		engine.KVWidget("state", kv...),
	}}
}

// clusterView is athens's channel to each follower, beside what the link
// carries: a snapshot's head-of-line blocking shows as bytes in flight
// that do not go down while the heartbeats queue behind them.
func clusterView(w *engine.World) []engine.Widget {
	leaders := w.Members(roleLeader)
	if len(leaders) == 0 {
		return nil
	}
	lead := leaders[0]
	n, _ := w.Process(lead).(*Node)
	var rows []engine.TableRow
	for _, f := range w.Members(roleFollower) {
		conn, state, next, acked, unacked := engine.Cell{Text: "—"}, engine.Cell{Text: lead + " is down", State: engine.StateBad}, "—", "—", engine.Cell{Text: "—"}
		if n != nil {
			if ch := n.channel(f); ch != nil {
				conn, state = channelState(ch, w.Variant(VarConnPerRequest))
				acked = itoa(ch.acked)
				if ch.conn != 0 {
					next = itoa(ch.next)
				}
				k := max(0, len(n.log)-ch.acked)
				unacked = engine.Cell{Text: itoa(k), State: pendingIf(k > 0)}
			}
		}
		s := w.LinkStats(lead, f)
		rows = append(rows, engine.Row(engine.Cell{Text: lead + " → " + f}, conn, state, engine.Cell{Text: next}, engine.Cell{Text: acked}, unacked,
			engine.Cell{Text: itoa(int(s.Sent))}, engine.Cell{Text: kb(s.Bytes)},
			engine.Cell{Text: itoa(s.InFlight), State: pendingIf(s.InFlight > 0)},
			engine.Cell{Text: kb(s.BytesInFlight), State: pendingIf(s.BytesInFlight > 10_000)}))
	}
	return []engine.Widget{engine.TableWidget(wChannels,
		[]string{"channel", "connection", "state", "next seq", "acked", "unacked", "sent", "bytes sent", "in flight", "bytes in flight"}, rows...)}
}

// channelState is the connection and state cells of athens's channel.
func channelState(ch *channel, perRequest bool) (conn, state engine.Cell) {
	conn, state = engine.Cell{Text: "—"}, engine.Cell{Text: "closed", State: engine.StateWarn}
	switch {
	case perRequest:
		conn, state = engine.Cell{Text: itoa(ch.opened) + " opened"}, engine.Cell{Text: "one per message", State: engine.StateWarn}
	case ch.why != "":
		state.Text = "closed: " + ch.why
	}
	if ch.conn != 0 && !perRequest {
		conn, state = engine.Cell{Text: "#" + itoa(int(ch.conn))}, engine.Cell{Text: "open", State: engine.StateOK}
	}
	if ch.failed {
		state = engine.Cell{Text: state.Text + ", " + ch.peer + " failed", State: engine.StateBad}
	}
	return conn, state
}

func kb(b int64) string {
	if b < 10_000 {
		return itoa(int(b)) + " B"
	}
	return itoa(int(b/1000)) + " KB"
}
