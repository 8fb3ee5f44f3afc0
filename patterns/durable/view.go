package durable

import (
	"fmt"
	"sort"
	"strconv"

	"clusterscope/engine"
)

// Widget titles (a page's Emphasis names them).
const (
	WState = "state"
	WLog   = "log"
	WDisk  = "disk"
	WKV    = "key-value store"
	// WCleaning compares what cleaning freed with what it had to copy.
	WCleaning = "cleaning (bytes since start)"
)

// maxLogView is how many of the newest entries the log strip shows.
const maxLogView = 40

// View draws the server: its counters, the key-value state, the log strip
// (durable, applied, segment boundaries, the low-water mark) and the disk's
// files as a crash would find them.
func (n *Node) View() engine.ProcessView {
	if n.log == nil {
		return engine.ProcessView{Role: "server"}
	}
	dur := n.log.durableIndex()
	fields := engine.FieldsWidget(WState,
		engine.Field{Label: "written up to", Value: strconv.Itoa(n.log.lastIndex())},
		engine.Field{Label: "durable up to", Value: strconv.Itoa(dur)},
		engine.Field{Label: "applied up to", Value: strconv.Itoa(n.appliedIdx)},
		engine.Field{Label: "waiting for fsync", Value: strconv.Itoa(len(n.waiting))},
		engine.Field{Label: "low-water mark", Value: strconv.Itoa(n.lwm)},
		engine.Field{Label: "snapshot through", Value: strconv.Itoa(n.snapIdx)},
	)
	for _, s := range n.recovery {
		fields.Fields = append(fields.Fields, engine.Field{Label: "last recovery", Value: s})
	}
	keys := make([]string, 0, len(n.kv))
	for k := range n.kv {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	pairs := make([]engine.KVPair, 0, len(keys))
	for _, k := range keys {
		pairs = append(pairs, engine.KVPair{Key: k, Value: n.kv[k]})
	}
	return engine.ProcessView{
		Role:    "server",
		Badge:   fmt.Sprintf("applied %d", n.appliedIdx),
		Widgets: []engine.Widget{fields, engine.KVWidget(WKV, pairs...), n.logWidget(dur), n.diskWidget(), n.cleaningWidget()},
	}
}

func (n *Node) logWidget(dur int) engine.Widget {
	last := n.log.lastIndex()
	from := max(last-maxLogView+1, 1)
	if len(n.log.segs) > 0 {
		from = max(from, n.log.segs[0].base)
	}
	var entries []engine.LogEntry
	for i := from; i <= last; i++ {
		e, ok := n.log.read(i)
		if !ok {
			continue
		}
		entries = append(entries, engine.LogEntry{Index: i, Text: e.Key + "=" + e.Value, Synced: i <= dur, Applied: i <= n.appliedIdx})
	}
	w := engine.LogWidget(WLog, entries...)
	w.Base = from
	for _, s := range n.log.segs {
		w.Segments = append(w.Segments, s.base)
	}
	if n.lwm > 0 {
		w.Markers = append(w.Markers, engine.Marker{Name: "low-water", Index: n.lwm})
	}
	return w
}

func (n *Node) diskWidget() engine.Widget {
	d := n.log.disk
	files := d.FileViews(recordText)
	for i := range files {
		f := &files[i]
		if base, ok := segmentBase(f.Name); ok {
			f.Label = entriesText(base, d.File(f.Name).Len())
			if a := n.log.active(); a != nil && a.name == f.Name {
				f.Active, f.Note = true, "active"
			} else {
				f.Note = "sealed"
			}
			continue
		}
		switch {
		case n.rw != nil && f.Name == n.rw.tmp:
			f.Label = "copy of " + entriesText(n.rw.base, d.File(f.Name).Len())
			f.Note = "cleaner's copy, renamed in once durable"
			f.State = engine.StatePending
		case f.Name == snapshotFile:
			f.Label = fmt.Sprintf("through %d", n.snapIdx)
		case f.Name == snapshotTmp:
			f.Note = "being written"
			f.State = engine.StatePending
		}
	}
	return engine.DiskWidget(WDisk, files...)
}

func entriesText(base, count int) string {
	if count == 0 {
		return fmt.Sprintf("empty (next entry %d)", base)
	}
	return fmt.Sprintf("entries %d–%d", base, base+count-1)
}

// cleaningWidget puts the bytes cleaning deleted and the bytes it copied
// to keep them beside the bytes puts logged, on one scale: whole segments
// cost no copying, one file costs its tail at every cleaning.
func (n *Node) cleaningWidget() engine.Widget {
	c := n.cleaned
	scale := float64(max(c.logged, c.deleted, c.rewritten))
	return engine.MeterWidget(WCleaning,
		engine.Meter{Label: "logged by puts", Value: float64(c.logged), Max: scale},
		engine.Meter{Label: "deleted by cleaning", Value: float64(c.deleted), Max: scale},
		engine.Meter{Label: "rewritten by cleaning", Value: float64(c.rewritten), Max: scale},
	)
}

func recordText(_ string, r engine.Record) string {
	switch x := r.Data.(type) {
	case Entry:
		return strconv.Itoa(x.Index) + " " + x.Key + "=" + x.Value
	case Snapshot:
		return fmt.Sprintf("snapshot ≤%d (%d keys)", x.Index, len(x.KV))
	}
	return fmt.Sprint(r.Data)
}
