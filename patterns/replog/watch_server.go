package replog

import (
	"strings"
	"time"

	"clusterscope/engine"
)

// A core node's side of State Watch. Every core node applies the same
// committed entries in the same order, so any of them can serve a watch:
// it numbers each change by the index of the entry that made it, keeps the
// last N indexes' changes (the history, N = the history-size setting), and
// sends each watcher the changes under its prefix as it applies them. A
// watch from an index still in the history is replayed from there; one
// from an older index is refused with HistoryCompacted. A watch lives on
// its connection: when the connection closes the node forgets it.

// ParamHistorySize is how many indexes' changes a core node keeps to
// replay; on pages without it (0) core nodes keep no history and serve no
// watches.
const (
	ParamHistorySize = "history-size"
	defHistorySize   = 10
	maxHistorySize   = 1000
)

// watchReg is one registered watch.
type watchReg struct {
	conn    engine.ConnID
	watcher string
	prefix  string
	from    int
	once    bool
	heard   time.Duration // monotonic: the last message on its connection
}

// A watcher pings every watchTickEvery; a node that has heard nothing on a
// watch's connection for watchForgetAfter closes it and forgets the watch
// (a crashed watcher never says goodbye).
const (
	timerWatchCheck  = "watch-check"
	watchForgetAfter = 2 * watchDeadAfter
)

// watchServer is a core node's watches and history (volatile: a restarted
// node rebuilds the history as it applies its log again).
type watchServer struct {
	regs    []watchReg
	history []watchRecord // in index order
	dropped int           // the newest index pushed out of the history (0: none)
	served  int           // events sent
}

// watches is the node's watch state, made on first use on a page that has
// a history; nil elsewhere.
func (n *Node) watches(env engine.Env) *watchServer {
	if n.core == nil {
		return nil
	}
	if n.core.watch == nil && env.Param(ParamHistorySize, 0) > 0 {
		n.core.watch = &watchServer{}
	}
	return n.core.watch
}

// watchApplied is applyCore's hook: the entry at n.applied made these
// changes; keep them and send them to the watches they match.
func (n *Node) watchApplied(env engine.Env, e Entry, r CoreReply, dup bool) {
	cs := changesOf(e, r, dup)
	if len(cs) == 0 {
		return
	}
	ws := n.watches(env)
	if ws == nil {
		return
	}
	rec := watchRecord{Index: n.applied, Changes: cs}
	ws.history = append(ws.history, rec)
	if size := env.Param(ParamHistorySize, defHistorySize); len(ws.history) > size {
		cut := len(ws.history) - size
		ws.dropped = ws.history[cut-1].Index
		ws.history = append(ws.history[:0], ws.history[cut:]...)
	}
	kept := ws.regs[:0]
	for _, w := range ws.regs {
		if n.sendRecord(env, ws, w, rec) && w.once {
			engine.Notef(env, "%s's one-shot watch on %s fired at index %d: %s must register it again", engine.S(n.id), engine.S(w.prefix), engine.D(rec.Index), engine.S(w.watcher))
			continue
		}
		kept = append(kept, w)
	}
	clear(ws.regs[len(kept):])
	ws.regs = kept
}

// sendRecord sends w the part of rec under its prefix, if any, and reports
// whether it sent something.
func (n *Node) sendRecord(env engine.Env, ws *watchServer, w watchReg, rec watchRecord) bool {
	if rec.Index < w.from {
		return false
	}
	cs := rec.under(w.prefix)
	if cs == nil {
		return false
	}
	ws.served++
	env.SendOn(w.conn, WatchEvent{Index: rec.Index, Changes: cs})
	return true
}

// onWatchMsg handles the watch messages (it reports whether msg was one).
func (n *Node) onWatchMsg(env engine.Env, ev engine.Event) bool {
	switch m := ev.Msg.(type) {
	case ReadPrefix, Watch, WatchPing:
	case engine.ConnClosed:
		if ws := n.core.watch; ws != nil {
			n.dropWatches(env, ws, m)
		}
		return true
	default:
		return false
	}
	ws := n.watches(env)
	if ws == nil || ev.Conn == 0 {
		return true // this page serves no watches; they come on a connection
	}
	now := env.Monotonic()
	for i := range ws.regs {
		if ws.regs[i].conn == ev.Conn {
			ws.regs[i].heard = now
		}
	}
	switch m := ev.Msg.(type) {
	case ReadPrefix:
		env.SendOn(ev.Conn, PrefixState{Prefix: m.Prefix, Index: n.applied, Pairs: n.core.tree.pairs(m.Prefix)})
	case Watch:
		n.onWatch(env, ws, ev.From, ev.Conn, m)
	case WatchPing:
		env.SendOn(ev.Conn, WatchPong{Seq: m.Seq, Applied: n.applied})
	}
	return true
}

// onWatch registers a watch (replacing the connection's earlier one) and
// replays what the history holds from its index on.
func (n *Node) onWatch(env engine.Env, ws *watchServer, from string, conn engine.ConnID, m Watch) {
	if err := checkCoreKey(m.Prefix, true); err != nil {
		env.SendOn(conn, WatchRefused{Prefix: m.Prefix, Reason: err.Error()})
		return
	}
	n.unregister(ws, conn)
	start := m.FromIndex
	if start == 0 {
		start = n.applied + 1
	}
	if start <= ws.dropped {
		engine.Notef(env, "%s cannot replay %s's watch from index %d: its history starts at %d. It answers HistoryCompacted",
			engine.S(n.id), engine.S(from), engine.D(start), engine.D(ws.dropped+1))
		env.SendOn(conn, HistoryCompacted{Prefix: m.Prefix, Oldest: ws.dropped + 1})
		return
	}
	w := watchReg{conn: conn, watcher: from, prefix: m.Prefix, from: start, once: m.Once, heard: env.Monotonic()}
	env.SendOn(conn, WatchAck{Prefix: m.Prefix, From: start})
	replayed := 0
	for _, rec := range ws.history {
		if n.sendRecord(env, ws, w, rec) {
			replayed++
			if w.once {
				return
			}
		}
	}
	switch {
	case m.FromIndex == 0:
		engine.Notef(env, "%s watches %s on %s from now: index %d on", engine.S(from), engine.S(m.Prefix), engine.S(n.id), engine.D(start))
	case replayed > 0:
		engine.Notef(env, "%s watches %s on %s from index %d: %s replays %d missed indexes from its history",
			engine.S(from), engine.S(m.Prefix), engine.S(n.id), engine.D(start), engine.S(n.id), engine.D(replayed))
	default:
		engine.Notef(env, "%s watches %s on %s from index %d", engine.S(from), engine.S(m.Prefix), engine.S(n.id), engine.D(start))
	}
	if len(ws.regs) == 0 {
		env.SetTimer(timerWatchCheck, watchForgetAfter)
	}
	ws.regs = append(ws.regs, w)
}

// watchCheck forgets the watches whose connection has gone quiet.
func (n *Node) watchCheck(env engine.Env) {
	ws := n.watches(env)
	if ws == nil {
		return
	}
	now := env.Monotonic()
	kept := ws.regs[:0]
	for _, w := range ws.regs {
		if now-w.heard < watchForgetAfter {
			kept = append(kept, w)
			continue
		}
		engine.Notef(env, "%s has heard nothing from %s for %v: it closes the connection and removes the watch", engine.S(n.id), engine.S(w.watcher), engine.S(watchForgetAfter.String()))
		env.Close(w.conn)
	}
	clear(ws.regs[len(kept):])
	ws.regs = kept
	if len(kept) > 0 {
		env.SetTimer(timerWatchCheck, watchForgetAfter/4)
	}
}

func (n *Node) unregister(ws *watchServer, conn engine.ConnID) {
	kept := ws.regs[:0]
	for _, w := range ws.regs {
		if w.conn != conn {
			kept = append(kept, w)
		}
	}
	clear(ws.regs[len(kept):])
	ws.regs = kept
}

// dropWatches forgets the watches of a closed connection.
func (n *Node) dropWatches(env engine.Env, ws *watchServer, m engine.ConnClosed) {
	before := len(ws.regs)
	n.unregister(ws, m.Conn)
	if len(ws.regs) < before {
		engine.Notef(env, "%s's connection from %s is gone (%s): it removes the watch", engine.S(n.id), engine.S(m.Peer), engine.S(m.Reason))
	}
}

// pairs lists "key=value" for every key under p, in key order.
func (t *coreTree) pairs(p string) []string {
	var out []string
	for _, k := range t.keys {
		if strings.HasPrefix(k, p) {
			out = append(out, k+"="+t.kv[k].value)
		}
	}
	return out
}

// watchWidgets: a serving node's history window and its watches.
func (n *Node) watchWidgets() []engine.Widget {
	if n.core == nil || n.core.watch == nil {
		return nil
	}
	ws := n.core.watch
	lw := engine.LogWidget(WHistory)
	lw.Entries = make([]engine.LogEntry, 0, len(ws.history))
	for _, r := range ws.history {
		lw.Entries = append(lw.Entries, engine.LogEntry{Index: r.Index, Text: changesText(r.Changes), Synced: true, Applied: true})
	}
	if ws.dropped > 0 {
		lw.Base = ws.dropped + 1 // the widget's Base is the first index still held
	}
	out := []engine.Widget{lw}
	if len(ws.regs) > 0 {
		rows := make([]engine.TableRow, 0, len(ws.regs))
		for _, w := range ws.regs {
			mode := "persistent"
			if w.once {
				mode = "one-shot"
			}
			rows = append(rows, engine.Row(engine.Cell{Text: w.watcher}, engine.Cell{Text: w.prefix}, engine.Cell{Text: itoa(w.from)}, engine.Cell{Text: mode}))
		}
		out = append(out, engine.TableWidget(WWatches, []string{"watcher", "prefix", "from", "mode"}, rows...))
	}
	return out
}
