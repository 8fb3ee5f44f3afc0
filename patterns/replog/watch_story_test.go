package replog

import (
	"strings"
	"testing"
	"time"

	"clusterscope/engine"
	"clusterscope/patterns/kit/kittest"
)

// watchStory is a run of the State Watch page: delphi watching /servers/
// on the core athens, byzantium and cyrene; ephesus and funchal
// registering under leases; alice adding entries by hand.
type watchStory struct {
	t *testing.T
	s *engine.Sim
}

func newWatchStory(t *testing.T, params map[string]int, variants ...string) *watchStory {
	t.Helper()
	st := &watchStory{t: t, s: kittest.Sim(t, StateWatch(), 2, 1, params, variants...)}
	st.runUntil("delphi watches both servers", 3*time.Second, func() bool {
		return st.delphi().state == watcherWatching && len(st.delphi().view) == 2
	})
	return st
}

func (st *watchStory) delphi() *Watcher {
	st.t.Helper()
	w, ok := st.s.World().Process("delphi").(*Watcher)
	if !ok {
		st.t.Fatal("delphi is not running")
	}
	return w
}

func (st *watchStory) core(id string) *Node { return nodeOf(st.s.World(), id) }

// runUntil runs in 10 ms slices until cond holds, failing after limit.
func (st *watchStory) runUntil(what string, limit time.Duration, cond func() bool) {
	st.t.Helper()
	for end := st.s.Now() + limit; !cond(); {
		if st.s.Now() >= end {
			st.t.Fatalf("after %v: not yet %s", limit, what)
		}
		st.s.RunFor(10*time.Millisecond, 1_000_000)
	}
}

func (st *watchStory) alice(op, key string) {
	st.t.Helper()
	args := map[string]string{"key": key}
	if op == "write" {
		args["value"] = "up"
	}
	kittest.Apply(st.t, st.s, engine.Command{Kind: engine.CmdClient, Node: "alice", Name: op, Args: args})
}

func (st *watchStory) drop(ms string) {
	st.t.Helper()
	kittest.Apply(st.t, st.s, engine.Command{Kind: engine.CmdAction, Node: "delphi", Name: "disconnect", Args: map[string]string{"ms": ms}})
}

func (st *watchStory) facts() WatchClusterFacts {
	v, _ := watchClusterFacts.Of(st.s.World(), "")
	return v.Interface().(WatchClusterFacts)
}

func (st *watchStory) violated(name string) bool {
	for _, v := range st.s.Violations() {
		if v.Invariant == name {
			return true
		}
	}
	return false
}

func (st *watchStory) notes(sub string) int {
	n := 0
	for _, e := range st.s.Trace().Events() {
		if e.Kind == engine.TrNote && strings.Contains(e.Text, sub) {
			n++
		}
	}
	return n
}

// The story of the book, correct: delphi's connection drops; funchal
// crashes and its lease expires (a DELETE), alice adds /servers/hatra (a
// SET). delphi reconnects to the next core node with its last seen index
// + 1 and that node replays both from its history, in index order: its
// view equals the core's, and no invariant breaks. The node it left has
// removed its watch.
func TestWatchStoryReconnectReplays(t *testing.T) {
	st := newWatchStory(t, nil)
	first := st.delphi().server
	seen := st.delphi().lastSeen
	st.drop("2500")
	kittest.Apply(t, st.s, engine.Command{Kind: engine.CmdCrash, Node: "funchal"})
	st.alice("write", "/servers/hatra")
	st.runUntil("funchal's lease expired", 3*time.Second, func() bool { return !strings.Contains(st.facts().Core, "funchal") })
	if n := st.core(first); n.core.watch == nil || len(n.core.watch.regs) != 0 {
		t.Fatalf("%s still keeps delphi's watch after the connection closed", first)
	}
	if _, ok := st.delphi().view["/servers/funchal"]; !ok {
		t.Fatal("delphi, cut off, learned of funchal's expiry")
	}
	st.runUntil("delphi watches again", 3*time.Second, func() bool { return st.delphi().state == watcherWatching })
	st.runUntil("delphi's view matches", time.Second, func() bool { return st.facts().ViewMatches })
	d := st.delphi()
	if d.server == first || d.reads != 1 || d.compactions != 0 {
		t.Fatalf("delphi watches on %s (was %s) after %d reads and %d compactions; want another node, no new read", d.server, first, d.reads, d.compactions)
	}
	if d.lastSeen <= seen || d.view["/servers/hatra"] != "up" {
		t.Fatalf("delphi's view %v, last seen %d (was %d)", d.view, d.lastSeen, seen)
	}
	if st.notes("replays 2 missed indexes") != 1 {
		t.Fatal("no node told of replaying the two missed indexes")
	}
	if v := st.s.Violations(); len(v) > 0 {
		t.Fatalf("violations: %+v", v)
	}
}

// Away too long: with two indexes of history and four changes during the
// outage, the node refuses the watch with HistoryCompacted; delphi reads
// /servers/ again and watches from that read. No gap is reported: the
// read is an explicit resync.
func TestWatchStoryHistoryCompacted(t *testing.T) {
	st := newWatchStory(t, map[string]int{ParamHistorySize: 2})
	st.drop("2000")
	for _, k := range []string{"/servers/gades", "/servers/hatra", "/servers/ithaca"} {
		st.alice("write", k)
	}
	st.s.RunFor(300*time.Millisecond, 1_000_000)
	st.alice("delete", "/servers/gades")
	st.runUntil("delphi resynced", 4*time.Second, func() bool {
		return st.delphi().compactions == 1 && st.delphi().state == watcherWatching
	})
	st.runUntil("delphi's view matches", time.Second, func() bool { return st.facts().ViewMatches })
	if d := st.delphi(); d.reads != 2 {
		t.Fatalf("delphi read %d times, want 2 (the first, and after HistoryCompacted)", d.reads)
	}
	if v := st.s.Violations(); len(v) > 0 {
		t.Fatalf("violations: %+v", v)
	}
}

// One-shot mode, ZooKeeper style: each event ends the watch; delphi reads
// again and registers anew. A change made between the trigger and the new
// registration is caught by the read, so the view stays right.
func TestWatchStoryOneShot(t *testing.T) {
	st := newWatchStory(t, map[string]int{ParamOneShot: 1})
	reads, events := st.delphi().reads, st.delphi().events
	st.alice("write", "/servers/gades")
	st.alice("write", "/servers/hatra")
	st.alice("write", "/servers/ithaca")
	st.runUntil("delphi sees all three", 2*time.Second, func() bool { return len(st.delphi().view) == 5 && st.delphi().state == watcherWatching })
	d := st.delphi()
	if d.events == events || d.reads-reads != d.events-events {
		t.Fatalf("%d events and %d reads: each one-shot event must be followed by a read", d.events-events, d.reads-reads)
	}
	if n := st.core(d.server); len(n.core.watch.regs) != 1 || !n.core.watch.regs[0].once {
		t.Fatalf("%s keeps %+v, want one one-shot watch", d.server, n.core.watch.regs)
	}
	if v := st.s.Violations(); len(v) > 0 {
		t.Fatalf("violations: %+v", v)
	}
}

// The broken variant, to the harm: delphi re-watches from now after the
// outage, the DELETE of /servers/funchal falls in the hole, watch-gap-free
// breaks when the new watch is acknowledged, and delphi's view keeps a
// server the core has deleted, for good.
func TestWatchStoryRewatchFromNowMissesTheDelete(t *testing.T) {
	st := newWatchStory(t, nil, VarRewatchNow)
	st.drop("2500")
	kittest.Apply(t, st.s, engine.Command{Kind: engine.CmdCrash, Node: "funchal"})
	st.runUntil("delphi watches again", 4*time.Second, func() bool {
		return st.delphi().state == watcherWatching && st.delphi().reconnects > 0
	})
	st.s.RunFor(2*time.Second, 1_000_000)
	if !st.violated(InvWatchGapFree) {
		t.Fatalf("no %s violation: %+v", InvWatchGapFree, st.s.Violations())
	}
	if v := st.s.Violations()[0]; v.Invariant != InvWatchGapFree || !strings.Contains(v.Text, "DELETE /servers/funchal") {
		t.Fatalf("first violation %+v, want %s naming the DELETE of /servers/funchal", v, InvWatchGapFree)
	}
	if st.delphi().view["/servers/funchal"] != "up" || st.facts().ViewMatches {
		t.Fatalf("delphi's view %v: it should still hold funchal", st.delphi().view)
	}
}

// Watches of a closed connection are removed even when the watcher never
// says so: delphi crashes, and the node it watched on forgets its watch
// once it has heard nothing for two seconds. A crashed serving node is
// noticed by delphi's unanswered pings: it watches on another node from
// its last seen index + 1.
func TestWatchStoryCrashes(t *testing.T) {
	st := newWatchStory(t, nil)
	server := st.delphi().server
	kittest.Apply(t, st.s, engine.Command{Kind: engine.CmdCrash, Node: server})
	st.alice("write", "/servers/gades")
	st.runUntil("delphi watches on another node", 4*time.Second, func() bool {
		return st.delphi().state == watcherWatching && st.delphi().server != server
	})
	st.runUntil("delphi sees gades", 2*time.Second, func() bool { return st.delphi().view["/servers/gades"] == "up" })
	if st.delphi().reads != 1 {
		t.Fatalf("delphi read %d times; a reconnect within the history needs no read", st.delphi().reads)
	}
	now := st.delphi().server
	kittest.Apply(t, st.s, engine.Command{Kind: engine.CmdCrash, Node: "delphi"})
	st.runUntil("the node forgets the crashed watcher's watch", 3*time.Second, func() bool { return len(st.core(now).core.watch.regs) == 0 })
	if st.notes("has heard nothing from delphi") != 1 {
		t.Fatal("the node did not say why it dropped the watch")
	}
	if v := st.s.Violations(); len(v) > 0 {
		t.Fatalf("violations: %+v", v)
	}
}
