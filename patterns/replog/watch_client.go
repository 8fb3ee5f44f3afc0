package replog

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"clusterscope/engine"
)

// The watcher: a member of the big cluster (the controller, delphi) that
// keeps a view of /servers/ to know where to route. It connects to one
// core node, reads the prefix, and watches it from the index after the
// read. It remembers the last index it has seen; when its connection
// breaks it connects again (to the next core node) and watches from that
// index + 1, so the node replays what it missed, or tells it the history
// no longer reaches back that far: then it reads the prefix again.

// VarRewatchNow is State Watch's broken variant: after a reconnect (or a
// one-shot trigger) the watcher registers its watch again from "now",
// without its last seen index and without reading the prefix again.
const VarRewatchNow = "rewatch-without-from-index"

// RoleWatcher is the State Watch page's watcher role.
const RoleWatcher engine.Role = "watcher"

// ParamOneShot: 1 makes watches one-shot triggers (ZooKeeper style): each
// fires once and the watcher reads and registers again.
const ParamOneShot = "one-shot"

const (
	timerWatch     = "watch-tick"
	watchTickEvery = 250 * time.Millisecond
	watchDeadAfter = time.Second            // no word from the node for this long: the connection is dead
	reconnectWait  = 200 * time.Millisecond // before dialling again after a break
	watchItemsKept = 48                     // recent items, for the ribbon and the checker
	defWatchPrefix = "/servers/"
)

// Watcher states.
const (
	watcherOffline     = "offline"
	watcherReading     = "reading"
	watcherRegistering = "registering"
	watcherWatching    = "watching"
	watcherRefused     = "refused"
)

// Kinds of watchItem.
const (
	itemEvent     = "event"
	itemAck       = "ack"
	itemRead      = "read"
	itemCompacted = "compacted"
	itemLost      = "lost"
)

// watchItem is something the watcher learned, numbered in order (the
// checker reads the items it has not seen yet after each step).
type watchItem struct {
	Seq     int
	Kind    string
	Index   int // event: its index; ack: the first index delivered; read: the read's index; compacted: the oldest
	Prefix  string
	Changes []KeyChange
}

// Watcher is the watching process.
type Watcher struct {
	id     string
	cores  []string
	prefix string

	server    string
	conn      engine.ConnID
	state     string
	needsRead bool // the next registration must start with a read of the prefix
	once      bool // the watch registered last is one-shot
	lastSeen  int  // the last index it has seen (events, reads, progress)

	view     map[string]string
	viewKeys []string // sorted

	items []watchItem
	seq   int

	pingSeq      int
	lastHeard    time.Duration // monotonic
	offlineUntil time.Duration // monotonic
	mono         time.Duration

	events, reads, compactions, reconnects int
}

func newWatcher(id string) *Watcher { return &Watcher{id: id} }

// Handle is the watcher's state machine.
func (w *Watcher) Handle(env engine.Env, ev engine.Event) {
	w.mono = env.Monotonic()
	switch ev.Kind {
	case engine.EvStart:
		w.cores = env.Members(RoleCore)
		w.prefix, w.state, w.needsRead = defWatchPrefix, watcherOffline, true
		w.view, w.viewKeys = map[string]string{}, nil
		if len(w.cores) > 0 {
			w.server = w.cores[env.Rand().IntN(len(w.cores))]
		}
		w.tick(env)
	case engine.EvTimer:
		if ev.Timer == timerWatch {
			w.tick(env)
		}
	case engine.EvRequest:
		w.request(env, ev.Request)
	case engine.EvReceive:
		if m, ok := ev.Msg.(engine.ConnClosed); ok {
			if m.Conn == w.conn {
				w.lose(env, "its connection to "+m.Peer+" is gone ("+m.Reason+")", reconnectWait)
			}
			return
		}
		if ev.Conn == 0 || ev.Conn != w.conn {
			return // from a connection it has left
		}
		w.lastHeard = w.mono
		w.onMessage(env, ev.Msg)
	}
}

// tick pings the node it watches on, gives up on a silent one, and
// connects when it may.
func (w *Watcher) tick(env engine.Env) {
	env.SetTimer(timerWatch, watchTickEvery)
	switch {
	case w.conn != 0 && w.mono-w.lastHeard >= watchDeadAfter:
		env.Close(w.conn)
		w.lose(env, w.server+" has not answered for "+watchDeadAfter.String(), 0)
		w.connect(env)
	case w.conn != 0:
		w.pingSeq++
		env.SendOn(w.conn, WatchPing{Seq: w.pingSeq})
	case w.mono >= w.offlineUntil:
		w.connect(env)
	}
}

// lose notes a lost connection; it dials again after wait.
func (w *Watcher) lose(env engine.Env, why string, wait time.Duration) {
	if env.Variant(VarRewatchNow) {
		engine.Notef(env, "%s learns %s: it will watch again, from now", engine.S(w.id), engine.S(why))
	} else {
		engine.Notef(env, "%s learns %s: it will watch again from index %d", engine.S(w.id), engine.S(why), engine.D(w.lastSeen+1))
	}
	w.conn, w.state = 0, watcherOffline
	w.offlineUntil = w.mono + wait
	w.record(watchItem{Kind: itemLost})
	w.server = w.next(w.server)
}

func (w *Watcher) next(s string) string {
	i := slices.Index(w.cores, s)
	if len(w.cores) == 0 {
		return s
	}
	return w.cores[(i+1)%len(w.cores)]
}

// connect dials the next core node and registers the watch there.
func (w *Watcher) connect(env engine.Env) {
	if w.server == "" {
		return
	}
	w.conn = env.Dial(w.server)
	if w.conn == 0 {
		return
	}
	w.lastHeard = w.mono
	if w.reads > 0 || w.events > 0 {
		w.reconnects++
	}
	w.register(env)
}

// register asks for the watch: after a read of the prefix when it needs
// one, else from the index after the last it has seen (or, broken, from
// now).
func (w *Watcher) register(env engine.Env) {
	w.once = env.Param(ParamOneShot, 0) == 1
	switch {
	case w.needsRead:
		w.state = watcherReading
		env.SendOn(w.conn, ReadPrefix{Prefix: w.prefix})
	case env.Variant(VarRewatchNow):
		w.state = watcherRegistering
		env.SendOn(w.conn, Watch{Prefix: w.prefix, Once: w.once})
	default:
		w.state = watcherRegistering
		env.SendOn(w.conn, Watch{Prefix: w.prefix, FromIndex: w.lastSeen + 1, Once: w.once})
	}
}

func (w *Watcher) onMessage(env engine.Env, msg engine.Message) {
	switch m := msg.(type) {
	case PrefixState:
		if w.state != watcherReading || m.Prefix != w.prefix {
			return
		}
		clear(w.view)
		w.viewKeys = w.viewKeys[:0]
		for _, p := range m.Pairs {
			k, v, _ := strings.Cut(p, "=")
			w.set(k, v)
		}
		w.lastSeen, w.needsRead = m.Index, false
		w.reads++
		w.record(watchItem{Kind: itemRead, Index: m.Index, Prefix: m.Prefix})
		engine.Notef(env, "%s reads %s on %s as of index %d: %d keys", engine.S(w.id), engine.S(m.Prefix), engine.S(w.server), engine.D(m.Index), engine.D(len(m.Pairs)))
		w.state = watcherRegistering
		env.SendOn(w.conn, Watch{Prefix: w.prefix, FromIndex: m.Index + 1, Once: w.once})
	case WatchAck:
		if m.Prefix != w.prefix || w.state != watcherRegistering {
			return
		}
		w.state = watcherWatching
		w.record(watchItem{Kind: itemAck, Index: m.From, Prefix: m.Prefix})
	case WatchEvent:
		if w.state != watcherWatching {
			return // a read is on its way: it covers this
		}
		w.onEvent(env, m)
	case HistoryCompacted:
		if m.Prefix != w.prefix {
			return
		}
		w.compactions++
		w.record(watchItem{Kind: itemCompacted, Index: m.Oldest, Prefix: m.Prefix})
		engine.Notef(env, "%s's history starts at index %d, after %d: %s reads %s again and watches from that read",
			engine.S(w.server), engine.D(m.Oldest), engine.D(w.lastSeen+1), engine.S(w.id), engine.S(w.prefix))
		w.needsRead = true
		w.register(env)
	case WatchRefused:
		w.state = watcherRefused
		engine.Notef(env, "%s refuses %s's watch on %q: %s", engine.S(w.server), engine.S(w.id), engine.S(m.Prefix), engine.S(m.Reason))
	case WatchPong:
		if w.state == watcherWatching {
			w.lastSeen = max(w.lastSeen, m.Applied) // progress: nothing under the watch changed up to there
		}
	}
}

func (w *Watcher) onEvent(env engine.Env, m WatchEvent) {
	w.events++
	for _, c := range m.Changes {
		if c.Type == changeDelete {
			w.del(c.Key)
		} else {
			w.set(c.Key, c.Value)
		}
	}
	w.lastSeen = m.Index
	w.record(watchItem{Kind: itemEvent, Index: m.Index, Prefix: w.prefix, Changes: m.Changes})
	if !w.once {
		return
	}
	// A one-shot watch has fired and is gone: register it again. What
	// changed in between is caught by reading the prefix with it.
	if env.Variant(VarRewatchNow) {
		w.register(env)
		return
	}
	w.needsRead = true
	w.register(env)
}

func (w *Watcher) set(k, v string) {
	if _, ok := w.view[k]; !ok {
		i, _ := slices.BinarySearch(w.viewKeys, k)
		w.viewKeys = slices.Insert(w.viewKeys, i, k)
	}
	w.view[k] = v
}

func (w *Watcher) del(k string) {
	if _, ok := w.view[k]; !ok {
		return
	}
	delete(w.view, k)
	if i, ok := slices.BinarySearch(w.viewKeys, k); ok {
		w.viewKeys = slices.Delete(w.viewKeys, i, i+1)
	}
}

func (w *Watcher) record(it watchItem) {
	w.seq++
	it.Seq = w.seq
	if len(w.items) == watchItemsKept {
		copy(w.items, w.items[1:])
		w.items = w.items[:len(w.items)-1]
	}
	w.items = append(w.items, it)
}

// ValidateRequest: the watcher can drop its connection for a while and
// watch another prefix.
func (w *Watcher) ValidateRequest(req engine.Request) error {
	switch req.Name {
	case "disconnect":
		_, err := disconnectFor(req.Args)
		return err
	case "watch":
		p := req.Args["prefix"]
		if p == "" {
			return fmt.Errorf("watch: give a prefix to watch (as %s)", defWatchPrefix)
		}
		if err := checkCoreKey(p, true); err != nil {
			return fmt.Errorf("watch: %w", err)
		}
		return nil
	}
	return fmt.Errorf("unknown action %q for the watcher (use disconnect or watch)", req.Name)
}

const maxDisconnectMs = 60_000

func disconnectFor(args map[string]string) (time.Duration, error) {
	s := args["ms"]
	if s == "" {
		return 1500 * time.Millisecond, nil
	}
	v, err := strconv.Atoi(s)
	if err != nil || v < 1 || v > maxDisconnectMs {
		return 0, fmt.Errorf("disconnect: ms must be a whole number of milliseconds from 1 to %d, not %q", maxDisconnectMs, s)
	}
	return ms(v), nil
}

func (w *Watcher) request(env engine.Env, req engine.Request) {
	switch req.Name {
	case "disconnect":
		d, _ := disconnectFor(req.Args)
		if w.conn != 0 {
			env.Close(w.conn)
		}
		w.lose(env, "its connection to "+w.server+" has dropped; it is cut off for "+d.String(), d)
	case "watch":
		w.prefix, w.needsRead = req.Args["prefix"], true
		engine.Notef(env, "%s now watches %s: it reads it first", engine.S(w.id), engine.S(w.prefix))
		if w.conn != 0 {
			w.register(env)
		}
	}
}

// View: the watcher's state and its view of the prefix.
func (w *Watcher) View() engine.ProcessView {
	v := engine.ProcessView{Role: string(RoleWatcher), Badge: w.state, Widgets: make([]engine.Widget, 0, 2)}
	server := "—"
	if w.conn != 0 {
		server = w.server
	}
	mode := "persistent"
	if w.once {
		mode = "one-shot"
	}
	v.Widgets = append(v.Widgets, engine.FieldsWidget(WWatcher,
		engine.Field{Label: "state", Value: w.state},
		engine.Field{Label: "watching on", Value: server},
		engine.Field{Label: "prefix", Value: w.prefix},
		engine.Field{Label: "mode", Value: mode},
		engine.Field{Label: "last seen index", Value: itoa(w.lastSeen)},
		engine.Field{Label: "events / reads", Value: itoa(w.events) + " / " + itoa(w.reads)},
		engine.Field{Label: "history compacted", Value: itoa(w.compactions)},
	))
	rows := make([]engine.TableRow, 0, len(w.viewKeys))
	for _, k := range w.viewKeys {
		rows = append(rows, engine.Row(engine.Cell{Text: k}, engine.Cell{Text: w.view[k]}))
	}
	v.Widgets = append(v.Widgets, engine.TableWidget(WWatcherView, []string{"key", "value"}, rows...))
	return v
}
