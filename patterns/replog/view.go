package replog

import (
	"sort"
	"strings"
	"time"

	"clusterscope/engine"
)

// Widget titles; pages list some of them in their Emphasis.
const (
	WState     = "state"
	WVotes     = "votes"
	WHeartbeat = "heartbeat"
	WLog       = "log"
	WMatch     = "match indexes"
	WStore     = "store"
	WSnapshot  = "snapshot"
	WFollowers = "followers"
)

const viewLogTail = 40 // log cells shown

// View renders the node with the generic widgets.
func (n *Node) View() engine.ProcessView {
	if n.core != nil {
		return n.coreView()
	}
	// Room for every widget up front: a Widget is large, and growing the
	// slice copied them all (this view is rebuilt at every event a node
	// handles while a page plays).
	v := engine.ProcessView{Role: n.role, Badge: "gen " + itoa(n.gen), Widgets: make([]engine.Widget, 0, 12)}
	leader := n.leader
	v.Widgets = append(v.Widgets, engine.Widget{Type: "fields", Title: WState, Fields: []engine.Field{
		{Label: "role", Value: n.role},
		{Label: "generation", Value: itoa(n.gen)},
		{Label: "votedFor", Value: n.votedFor},
		{Label: "leader", Value: leader},
		{Label: "high-water mark", Value: itoa(n.hwm)},
		{Label: "applied", Value: itoa(n.applied)},
		{Label: "last index", Value: itoa(n.last()) + " (gen " + itoa(n.lastGen()) + ")"},
	}})
	if n.snapshots {
		v.Widgets[0].Fields = append(v.Widgets[0].Fields, engine.Field{Label: "low-water mark", Value: itoa(n.base)})
	}

	votes := []engine.Field{{Label: "voted for in gen " + itoa(n.gen), Value: orDash(n.votedFor)}}
	if n.role == Candidate || n.role == Leader {
		var got []string
		for i, ok := range n.votes {
			if ok {
				got = append(got, n.all[i])
			}
		}
		votes = append(votes, engine.Field{Label: "votes received", Value: strings.Join(got, ", ")})
	}
	v.Widgets = append(v.Widgets, engine.Widget{Type: "fields", Title: WVotes, Fields: votes})

	hb := engine.Widget{Type: "meter", Title: WHeartbeat}
	if n.role == Leader {
		for i, p := range n.all {
			if i != n.self {
				since := (n.now - n.lastAck[i]).Seconds() * 1000
				hb.Meters = append(hb.Meters, engine.Meter{Label: p + " last answered (ms)", Value: since, Max: float64(n.timeout.Milliseconds())})
			}
		}
	} else {
		label := "no leader known"
		if n.leader != "" {
			label = n.leader + " last heard (ms)"
		}
		since := (n.now - n.lastHeard).Seconds() * 1000
		hb.Meters = append(hb.Meters, engine.Meter{Label: label, Value: since, Max: float64(n.timeout.Milliseconds()), Alarm: n.role == Candidate})
	}
	hb.Fields = []engine.Field{{Label: "election timeout", Value: n.timeout.Round(time.Millisecond).String()}, {Label: "suspicions", Value: itoa(n.suspicions)}}
	if n.suspected != "" {
		hb.Fields = append(hb.Fields, engine.Field{Label: "last suspected", Value: n.suspected})
	}
	v.Widgets = append(v.Widgets, hb)

	lw := engine.Widget{Type: "log", Title: WLog}
	from := 0
	if len(n.log) > viewLogTail {
		from = len(n.log) - viewLogTail
	}
	lw.Entries = make([]engine.LogEntry, 0, len(n.log)-from)
	for i := from; i < len(n.log); i++ {
		lw.Entries = append(lw.Entries, engine.LogEntry{Index: n.base + i + 1, Gen: n.log[i].Gen, Text: n.log[i].Text(), Synced: true})
	}
	lw.Markers = append(lw.Markers, engine.Marker{Name: "hwm", Index: n.hwm}, engine.Marker{Name: "applied", Index: n.applied})
	if n.snapshots {
		lw.Base = n.base + 1
		lw.Markers = append(lw.Markers, engine.Marker{Name: "lwm", Index: n.base})
	}
	if n.role == Leader {
		for i, p := range n.all {
			if i != n.self {
				lw.Markers = append(lw.Markers, engine.Marker{Name: "match " + p, Index: n.match[i]})
			}
		}
	}
	v.Widgets = append(v.Widgets, lw)

	if n.role == Leader {
		mw := engine.Widget{Type: "fields", Title: WMatch}
		for i, p := range n.all {
			if i != n.self {
				mw.Fields = append(mw.Fields, engine.Field{Label: p, Value: "match " + itoa(n.match[i]) + ", next " + itoa(n.next[i])})
			}
		}
		s := append([]int(nil), n.match...)
		s[n.self] = n.last()
		sort.Ints(s)
		// The quorum position is bracketed as the mark only when the mark
		// stands there: above the mark it holds an older generation's
		// entry, which the leader may not commit by counting (figure 8).
		qpos := len(s) - n.q
		held := n.q >= 1 && qpos < len(s) && s[qpos] > n.hwm && s[qpos] <= n.last()
		parts := make([]string, len(s))
		for i, x := range s {
			parts[i] = itoa(x)
			if n.q >= 1 && i == qpos && !held {
				parts[i] = "(" + parts[i] + ")" // the quorum position: the mark
			}
		}
		mw.Fields = append(mw.Fields,
			engine.Field{Label: "sorted", Value: "[" + strings.Join(parts, " ") + "]"},
			engine.Field{Label: "quorum", Value: itoa(n.q) + " of " + itoa(len(s))})
		if held {
			mw.Fields = append(mw.Fields, engine.Field{Label: "mark held back",
				Value: "entry " + itoa(s[qpos]) + " is on a quorum but of generation " + itoa(n.entry(s[qpos]).Gen) + ", not " + itoa(n.gen) + ": the mark stays at " + itoa(n.hwm)})
		}
		v.Widgets = append(v.Widgets, mw)
	}

	if n.snapshots {
		v.Widgets = append(v.Widgets, n.snapshotWidgets()...)
	}

	kv := engine.Widget{Type: "kv", Title: WStore}
	keys := make([]string, 0, len(n.kv))
	for k := range n.kv {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		kv.KV = append(kv.KV, engine.KVPair{Key: k, Value: n.kv[k]})
	}
	if n.mv == nil { // the versions widget shows the store on its page
		v.Widgets = append(v.Widgets, kv)
	}
	v.Widgets = append(v.Widgets, n.sessionWidgets()...)
	v.Widgets = append(v.Widgets, n.versionWidgets()...)

	if n.votedFor != "" && n.votedFor != n.id {
		v.Arrows = append(v.Arrows, engine.Arrow{To: n.votedFor, Label: "vote gen " + itoa(n.gen), Kind: "vote"})
	}
	if n.leader != "" && n.leader != n.id {
		v.Arrows = append(v.Arrows, engine.Arrow{To: n.leader, Label: "leader", Kind: "leader"})
	}
	v.Widgets = append(v.Widgets, n.followerReadWidgets()...)
	return v
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}
