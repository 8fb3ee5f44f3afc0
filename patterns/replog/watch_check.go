package replog

import (
	"fmt"
	"sort"
	"strings"

	"clusterscope/engine"
	"clusterscope/patterns/kit"
)

// The State Watch checker keeps its own copy of the tree, built from the
// committed log (the entries up to the highest high-water mark, which
// never change), and with it every change numbered by its index: the
// truth a watcher's events are compared with. After each step it reads the
// items each watcher has learned since the last step: a read puts the
// watcher at the read's index; an acknowledged watch must start right
// after the last index it accounts for, unless nothing under its prefix
// changed in between; an event must be the next change under its prefix.

// InvWatchGapFree is State Watch's invariant.
const InvWatchGapFree = "watch-gap-free"

// Widget titles of the State Watch page.
const (
	WHistory     = "watch history"
	WWatches     = "watches"
	WWatcher     = "watcher"
	WWatcherView = "its view"
	WRibbon      = "events to the watcher"
	WViewDiff    = "the watcher's view vs the core"
)

const chipsKept = 40

// watchTruth is the checker's memory, one per run.
type watchTruth struct {
	upTo     int
	tree     *coreTree
	records  []watchRecord  // every index that changed a key, in order
	changed  map[string]int // key → index of its last change (deletes included)
	watchers map[string]*watcherTrack
}

// watcherTrack is where the checker has followed one watcher to.
type watcherTrack struct {
	proc   *Watcher // the life it follows (a restart starts over)
	done   int      // items checked
	pos    int      // every change under prefix up to pos is accounted for
	prefix string
	chips  []engine.GridCell
}

func newWatchTruth() *watchTruth {
	return &watchTruth{tree: newCoreTree(), changed: map[string]int{}, watchers: map[string]*watcherTrack{}}
}

// catchUp applies the committed entries it has not applied yet.
func (t *watchTruth) catchUp(w *engine.World) {
	var best *Node
	for _, id := range w.Members(RoleCore) {
		if n := nodeOf(w, id); n != nil && (best == nil || n.hwm > best.hwm) {
			best = n
		}
	}
	if best == nil {
		return
	}
	for t.upTo < best.hwm && t.upTo < best.last() {
		if t.upTo < best.base {
			t.upTo = best.base // cleaned by a snapshot: the page has none
			continue
		}
		t.upTo++
		e := best.entry(t.upTo)
		r, dup := t.tree.apply(e, t.upTo)
		if cs := changesOf(e, r, dup); len(cs) > 0 {
			t.records = append(t.records, watchRecord{Index: t.upTo, Changes: cs})
			for _, c := range cs {
				t.changed[c.Key] = t.upTo
			}
		}
	}
}

// after is the position in records of the first index above i.
func (t *watchTruth) after(i int) int {
	return sort.Search(len(t.records), func(k int) bool { return t.records[k].Index > i })
}

// between lists the records with changes under prefix with index in
// (lo, hi).
func (t *watchTruth) between(lo, hi int, prefix string) []watchRecord {
	var out []watchRecord
	for k := t.after(lo); k < len(t.records) && t.records[k].Index < hi; k++ {
		if cs := t.records[k].under(prefix); cs != nil {
			out = append(out, watchRecord{Index: t.records[k].Index, Changes: cs})
		}
	}
	return out
}

// check follows every watcher through its new items; it returns the first
// breach found.
func (t *watchTruth) check(w *engine.World) (string, []string) {
	t.catchUp(w)
	var bad string
	var who []string
	for _, id := range w.Members(RoleWatcher) {
		p, ok := w.Process(id).(*Watcher)
		if !ok {
			continue
		}
		tr := t.watchers[id]
		if tr == nil || tr.proc != p {
			tr = &watcherTrack{proc: p, chips: tr.keepChips()}
			t.watchers[id] = tr
		}
		for _, it := range p.items {
			if it.Seq <= tr.done {
				continue
			}
			tr.done = it.Seq
			if msg := t.follow(id, tr, it); msg != "" && bad == "" {
				bad, who = msg, []string{id}
			}
		}
	}
	return bad, who
}

func (tr *watcherTrack) keepChips() []engine.GridCell {
	if tr == nil {
		return nil
	}
	return tr.chips
}

// follow checks one item; a breach is worded for the event log.
func (t *watchTruth) follow(id string, tr *watcherTrack, it watchItem) string {
	switch it.Kind {
	case itemRead:
		if it.Prefix == tr.prefix {
			for _, r := range t.between(tr.pos, it.Index+1, tr.prefix) {
				tr.chip(r, "caught by a read", engine.StatePending)
			}
		}
		tr.pos, tr.prefix = it.Index, it.Prefix
	case itemAck:
		missed := t.between(tr.pos, it.Index, tr.prefix)
		if it.Prefix != tr.prefix || tr.prefix == "" {
			return "" // a watch on a prefix it never read: nothing to follow from
		}
		if len(missed) > 0 {
			for _, r := range missed {
				tr.chip(r, "missed", engine.StateBad)
			}
			tr.pos = it.Index - 1
			return fmt.Sprintf("%s watches %s again from index %d, but it has only seen up to index %d: %s at index %d will never reach it.",
				id, it.Prefix, it.Index, missed[0].Index-1, changesText(missed[0].Changes), missed[0].Index)
		}
		tr.pos = max(tr.pos, it.Index-1)
	case itemEvent:
		if tr.prefix == "" {
			return ""
		}
		k := t.after(tr.pos)
		for k < len(t.records) && t.records[k].under(tr.prefix) == nil {
			k++
		}
		switch {
		case it.Index <= tr.pos:
			tr.chip(watchRecord{Index: it.Index, Changes: it.Changes}, "delivered twice", engine.StateBad)
			return fmt.Sprintf("%s gets index %d again (or out of order): it had already accounted for everything up to %d.", id, it.Index, tr.pos)
		case k < len(t.records) && t.records[k].Index < it.Index:
			missed := t.between(tr.pos, it.Index, tr.prefix)
			for _, r := range missed {
				tr.chip(r, "missed", engine.StateBad)
			}
			tr.chip(watchRecord{Index: it.Index, Changes: it.Changes}, "delivered", engine.StateOK)
			tr.pos = it.Index
			return fmt.Sprintf("%s gets index %d, but it never got %s at index %d: a gap in its events.", id, it.Index, changesText(missed[0].Changes), missed[0].Index)
		case k >= len(t.records) || t.records[k].Index > it.Index:
			tr.pos = it.Index
			return fmt.Sprintf("%s gets %s at index %d, which the committed log did not make.", id, changesText(it.Changes), it.Index)
		}
		want := changesText(t.records[k].under(tr.prefix))
		tr.pos = it.Index
		if got := changesText(it.Changes); got != want {
			tr.chip(watchRecord{Index: it.Index, Changes: it.Changes}, "wrong", engine.StateBad)
			return fmt.Sprintf("%s gets %s at index %d; the committed log made %s.", id, got, it.Index, want)
		}
		tr.chip(watchRecord{Index: it.Index, Changes: it.Changes}, "delivered", engine.StateOK)
	}
	return ""
}

// chip adds one index to the watcher's ribbon.
func (tr *watcherTrack) chip(r watchRecord, how string, st engine.State) {
	if len(tr.chips) == chipsKept {
		copy(tr.chips, tr.chips[1:])
		tr.chips = tr.chips[:len(tr.chips)-1]
	}
	tr.chips = append(tr.chips, engine.GridCell{ID: "index " + itoa(r.Index) + " " + changesText(r.Changes) + ": " + how, Text: itoa(r.Index), State: st})
}

// watchGapFree is the invariant, with the ribbon and the view table as
// its widgets (the truth they need lives with it).
func watchGapFree() engine.Invariant {
	t := newWatchTruth()
	return engine.Invariant{Name: InvWatchGapFree,
		Description: "A watcher gets the changes under its prefix in index order, each once, with no index left out, except where it reads the prefix again (an explicit resync).",
		Check:       t.check,
		View:        t.view,
	}
}

// view: per watcher, the ribbon of indexes that reached it (green), were
// covered by a read (yellow) or were missed (red), and its view beside the
// committed state of its prefix.
func (t *watchTruth) view(w *engine.World) []engine.Widget {
	var out []engine.Widget
	for _, id := range w.Members(RoleWatcher) {
		tr := t.watchers[id]
		p, _ := w.Process(id).(*Watcher)
		if tr != nil {
			out = append(out, engine.GridWidget(WRibbon, tr.chips...))
		}
		if p != nil {
			out = append(out, t.diff(p))
		}
	}
	return out
}

// diff is the watcher's view beside the committed tree under its prefix:
// a row differs while the watcher is behind (yellow) or, once it has seen
// the index that made the change, because it missed it (red).
func (t *watchTruth) diff(p *Watcher) engine.Widget {
	keys := append([]string(nil), p.viewKeys...)
	for _, k := range t.tree.keys {
		if strings.HasPrefix(k, p.prefix) {
			if _, ok := p.view[k]; !ok {
				keys = append(keys, k)
			}
		}
	}
	sort.Strings(keys)
	rows := make([]engine.TableRow, 0, len(keys))
	for _, k := range keys {
		mine, has := p.view[k]
		core, inCore := t.tree.kv[k]
		a, b := "—", "—"
		if has {
			a = mine
		}
		if inCore {
			b = core.value
		}
		st, note := engine.StateOK, "same"
		if a != b {
			st, note = engine.StateWarn, "not seen yet"
			if t.changed[k] <= p.lastSeen {
				st, note = engine.StateBad, "stale: it has seen index "+itoa(p.lastSeen)
			}
		}
		rows = append(rows, engine.Row(engine.Cell{Text: k}, engine.Cell{Text: a}, engine.Cell{Text: b, State: st}, engine.Cell{Text: note, State: st}))
	}
	return engine.TableWidget(WViewDiff, []string{"key", p.id + " sees", "core (committed)", "diff"}, rows...)
}

// settledWatch: the core settled as on its own page, the watcher watching
// with a view equal to the core's, and no core node keeping a watch of a
// closed connection.
func settledWatch(w *engine.World) kit.Verdict {
	if v := settledCore(w); !v.OK {
		return v
	}
	leader := coreLeader(w)
	open := map[engine.ConnID]bool{}
	for _, c := range w.Conns() {
		if c.Open {
			open[c.ID] = true
		}
	}
	for _, id := range w.Members(RoleCore) {
		n := nodeOf(w, id)
		if n == nil || n.core.watch == nil {
			continue
		}
		for _, r := range n.core.watch.regs {
			if !open[r.conn] {
				return kit.Verdict{Check: "watches-removed", Text: fmt.Sprintf("%s still keeps %s's watch on %s for connection #%d, which is closed.", id, r.watcher, r.prefix, r.conn)}
			}
		}
	}
	for _, id := range w.Members(RoleWatcher) {
		p, ok := w.Process(id).(*Watcher)
		if !ok || w.Status(id) != engine.StatusUp {
			return kit.Verdict{Check: "all-up", Text: fmt.Sprintf("%s is %s after healing.", id, w.Status(id))}
		}
		if p.state != watcherWatching {
			return kit.Verdict{Check: "watching", Text: fmt.Sprintf("%s is %s after healing, not watching.", id, p.state)}
		}
		want := leader.core.tree.pairs(p.prefix)
		got := make([]string, 0, len(p.viewKeys))
		for _, k := range p.viewKeys {
			got = append(got, k+"="+p.view[k])
		}
		if strings.Join(got, ", ") != strings.Join(want, ", ") {
			return kit.Verdict{Check: "view-matches", Text: fmt.Sprintf("%s's view of %s is {%s}; the core leader %s holds {%s}.", id, p.prefix, strings.Join(got, ", "), leader.id, strings.Join(want, ", "))}
		}
	}
	return kit.Verdict{Check: "settled", OK: true, Text: "the core settled; every watcher watches, and its view equals the core's state."}
}
