package engine

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestCrashLosesUnsyncedWrites(t *testing.T) {
	s := newSim(t, quiet(three...))
	act(t, s, "athens", "put", "key", "gen", "value", "2", "sync", "yes")
	act(t, s, "athens", "append", "entry", "x=1", "sync", "yes")
	act(t, s, "athens", "put", "key", "votedFor", "value", "byzantium")
	act(t, s, "athens", "put", "key", "gen", "value", "3")
	act(t, s, "athens", "append", "entry", "x=2")
	st := s.World().Storage("athens")
	if v, _ := st.Get("gen"); v != "3" || st.Len() != 2 || st.Unsynced() != 3 {
		t.Fatalf("before the crash athens should read its own writes: gen=%v len=%d unsynced=%d", v, st.Len(), st.Unsynced())
	}

	apply(t, s, Command{Kind: CmdCrash, Node: "athens"})
	if c := traceOf(s, TrCrash); len(c) != 1 || !strings.Contains(c[0].Text, "3 unsynced") {
		t.Fatalf("crash trace %+v", c)
	}
	if v, _ := st.Get("gen"); v != "2" {
		t.Fatalf("gen = %v after the crash, want the synced 2", v)
	}
	if _, ok := st.Get("votedFor"); ok {
		t.Fatal("an unsynced key survived the crash")
	}
	if !reflect.DeepEqual(st.Log(), []any{"x=1"}) || st.Unsynced() != 0 {
		t.Fatalf("log after the crash = %v", st.Log())
	}

	apply(t, s, Command{Kind: CmdRestart, Node: "athens"})
	want := []string{"boots=2", "gen=2", "log:x=1"}
	if got := echo(t, s, "athens").restored; !reflect.DeepEqual(got, want) {
		t.Fatalf("athens restarted from %v, want %v", got, want)
	}
}

func TestStorageTruncateAndSync(t *testing.T) {
	st := NewStorage()
	for _, e := range []string{"a", "b", "c"} {
		st.Append(e)
	}
	st.Sync()
	st.Truncate(1)
	st.Append("d")
	st.Delete("none")
	if !reflect.DeepEqual(st.Log(), []any{"a", "d"}) {
		t.Fatalf("log = %v", st.Log())
	}
	st.crash()
	if !reflect.DeepEqual(st.Log(), []any{"a", "b", "c"}) {
		t.Fatalf("after a crash the unsynced truncate should be undone: %v", st.Log())
	}
	st.Truncate(1)
	st.Append("d")
	st.Sync()
	st.Append("e")
	st.crash()
	if !reflect.DeepEqual(st.Log(), []any{"a", "d"}) {
		t.Fatalf("synced truncate+append lost: %v", st.Log())
	}
}

// A log cleaned at its front keeps the rest in order; the cleaning is lost
// with a crash before Sync like any write, and kept after it.
func TestStorageTruncateFront(t *testing.T) {
	st := NewStorage()
	for _, e := range []string{"a", "b", "c", "d"} {
		st.Append(e)
	}
	st.Sync()
	st.TruncateFront(2)
	if !reflect.DeepEqual(st.Log(), []any{"c", "d"}) {
		t.Fatalf("log = %v", st.Log())
	}
	st.crash()
	if !reflect.DeepEqual(st.Log(), []any{"a", "b", "c", "d"}) {
		t.Fatalf("after a crash the unsynced cleaning should be undone: %v", st.Log())
	}
	st.TruncateFront(3)
	st.Append("e")
	st.Sync()
	st.TruncateFront(9) // more than there is: empties the log
	st.crash()
	if !reflect.DeepEqual(st.Log(), []any{"d", "e"}) {
		t.Fatalf("synced cleaning + append lost: %v", st.Log())
	}
	st.TruncateFront(9)
	if st.Len() != 0 {
		t.Fatalf("log = %v, want empty", st.Log())
	}
}

func TestCrashLosesTimersAndInboundMessages(t *testing.T) {
	cfg := quiet(three...)
	cfg.Net = fixedNet(ms(20))
	s := newSim(t, cfg)
	act(t, s, "byzantium", "timer", "name", "election", "ms", "15")
	act(t, s, "athens", "ping", "to", "byzantium", "n", "1")
	s.RunFor(ms(10), 0)
	apply(t, s, Command{Kind: CmdCrash, Node: "byzantium"})
	if d := traceOf(s, TrDrop); len(d) != 1 || d[0].Text != "byzantium crashed" {
		t.Fatalf("drops at the crash: %+v", d)
	}
	act(t, s, "cyrene", "ping", "to", "byzantium", "n", "2") // sent to a dead node
	s.RunFor(ms(100), 0)
	if f := traceOf(s, TrTimer); len(f) != 0 {
		t.Fatalf("a crashed node's timer fired: %+v", f)
	}
	if d := traceOf(s, TrDrop); len(d) != 2 || d[1].Text != "byzantium is down" {
		t.Fatalf("drops: %+v", d)
	}
	if s.World().Process("byzantium") != nil || s.World().Status("byzantium") != "crashed" {
		t.Fatal("byzantium still runs")
	}
	// The old life's timer must not fire in the new one, even under the same name.
	apply(t, s, Command{Kind: CmdRestart, Node: "byzantium"})
	s.RunFor(ms(100), 0)
	if f := traceOf(s, TrTimer); len(f) != 0 {
		t.Fatalf("timer from before the crash fired after the restart: %+v", f)
	}
}

func TestRestartRebuildsFromStorage(t *testing.T) {
	s := newSim(t, Config{Nodes: three, Seed: 4})
	s.RunFor(ms(100), 0)
	before := echo(t, s, "cyrene")
	if before.boots != 1 || before.handled < 10 {
		t.Fatalf("cyrene boots=%d handled=%d", before.boots, before.handled)
	}
	for i := 2; i <= 3; i++ {
		apply(t, s, Command{Kind: CmdCrash, Node: "cyrene"})
		s.RunFor(ms(50), 0)
		apply(t, s, Command{Kind: CmdRestart, Node: "cyrene"})
		after := echo(t, s, "cyrene")
		if after == before || after.boots != i || after.handled != 1 || len(after.got) != 0 {
			t.Fatalf("restart %d: boots=%d handled=%d got=%d: want a fresh process that read boots from disk", i, after.boots, after.handled, len(after.got))
		}
		before = after
	}
	s.RunFor(ms(100), 0)
	if len(echo(t, s, "cyrene").got) == 0 {
		t.Fatal("the restarted node does not take part again")
	}
	if n := len(traceOf(s, TrRestart)); n != 2 {
		t.Fatalf("%d restart events, want 2", n)
	}
}

func TestPauseKeepsStateDelaysTimersAndQueuesMessages(t *testing.T) {
	cfg := quiet(three...)
	cfg.Net = fixedNet(ms(5))
	s := newSim(t, cfg)
	act(t, s, "byzantium", "put", "key", "k", "value", "unsynced")
	act(t, s, "byzantium", "timer", "name", "lease", "ms", "50")
	apply(t, s, Command{Kind: CmdPause, Node: "byzantium"})
	paused := echo(t, s, "byzantium")
	act(t, s, "athens", "ping", "to", "byzantium", "n", "1")
	s.RunFor(ms(60), 0)
	act(t, s, "cyrene", "ping", "to", "byzantium", "n", "2")
	s.RunFor(ms(140), 0) // until 200ms

	if len(paused.got) != 0 || len(paused.fired) != 0 {
		t.Fatalf("a paused node acted: got %v fired %v", paused.got, paused.fired)
	}
	v := s.View()
	if len(v.InFlight) != 2 || !v.InFlight[0].Held || !v.InFlight[1].Held {
		t.Fatalf("messages to a paused node should wait, held: %+v", v.InFlight)
	}
	if !s.Stabilize(10) {
		t.Fatal("messages parked at a paused node keep the network busy")
	}
	if err := s.Apply(Command{Kind: CmdAction, Node: "byzantium", Name: "note"}); err == nil {
		t.Fatal("a paused node took an action")
	}

	apply(t, s, Command{Kind: CmdResume, Node: "byzantium"})
	s.RunFor(ms(10), 0)
	after := echo(t, s, "byzantium")
	if after != paused {
		t.Fatal("pause rebuilt the process: it must keep its state")
	}
	if v, _ := s.World().Storage("byzantium").Get("k"); v != "unsynced" {
		t.Fatal("pause lost an unsynced write: pause is not crash")
	}
	// Everything waited runs at resume (200ms), in the order it arrived.
	if want := []string{"athens:Ping:1", "cyrene:Ping:2"}; !reflect.DeepEqual(after.got, want) {
		t.Fatalf("after resume byzantium got %v, want %v", after.got, want)
	}
	timers := traceOf(s, TrTimer)
	if len(timers) != 1 || timers[0].At != 200_000 {
		t.Fatalf("lease fired %+v, want once, late, at the resume (200ms)", timers)
	}
	var order []TraceKind
	for _, e := range s.Trace().Events() {
		if e.Node == "byzantium" && (e.Kind == TrTimer || e.Kind == TrDeliver) {
			order = append(order, e.Kind)
		}
	}
	if want := []TraceKind{TrDeliver, TrTimer, TrDeliver}; !reflect.DeepEqual(order, want) {
		t.Fatalf("byzantium's events after resume ran in order %v, want arrival order %v", order, want)
	}
	if echo(t, s, "athens").got[0] != "byzantium:Pong:1" {
		t.Fatal("byzantium did not answer after resuming")
	}
}

func TestCrashWhilePaused(t *testing.T) {
	cfg := quiet(three...)
	cfg.Net = fixedNet(ms(5))
	s := newSim(t, cfg)
	act(t, s, "byzantium", "timer", "name", "lease", "ms", "10")
	apply(t, s, Command{Kind: CmdPause, Node: "byzantium"})
	act(t, s, "athens", "ping", "to", "byzantium", "n", "1")
	s.RunFor(ms(50), 0)
	apply(t, s, Command{Kind: CmdCrash, Node: "byzantium"})
	if len(s.InFlight()) != 0 {
		t.Fatalf("a parked message survived the crash: %+v", s.InFlight())
	}
	if err := s.Apply(Command{Kind: CmdResume, Node: "byzantium"}); err == nil {
		t.Fatal("resumed a crashed node")
	}
	apply(t, s, Command{Kind: CmdRestart, Node: "byzantium"})
	s.RunFor(ms(50), 0)
	if got := echo(t, s, "byzantium"); len(got.got) != 0 || len(got.fired) != 0 {
		t.Fatalf("the restarted node saw what its paused life held: %+v", got)
	}
}

func TestManualOffReleasesToAPausedNodeOnResume(t *testing.T) {
	s := newSim(t, quiet(three...))
	apply(t, s, Command{Kind: CmdManual, On: true})
	act(t, s, "athens", "ping", "to", "byzantium", "n", "1")
	apply(t, s, Command{Kind: CmdPause, Node: "byzantium"})
	apply(t, s, Command{Kind: CmdManual, On: false})
	s.RunFor(ms(100), 0)
	if len(echo(t, s, "byzantium").got) != 0 {
		t.Fatal("a paused node received")
	}
	apply(t, s, Command{Kind: CmdResume, Node: "byzantium"})
	s.RunFor(ms(100), 0)
	if got := echo(t, s, "byzantium").got; !reflect.DeepEqual(got, []string{"athens:Ping:1"}) {
		t.Fatalf("byzantium got %v after resume, want the released ping", got)
	}
}

func TestSkewWhilePausedStillDelaysTimers(t *testing.T) {
	s := newSim(t, quiet(three...))
	act(t, s, "athens", "timer", "name", "t", "ms", "100")
	apply(t, s, Command{Kind: CmdPause, Node: "athens"})
	s.RunFor(ms(150), 0)
	// The timer is due and waiting; a jump back makes it not due yet, so
	// resuming must not fire it until the clock reaches 100ms again.
	apply(t, s, Command{Kind: CmdJump, Node: "athens", Dur: Duration(-ms(100))})
	apply(t, s, Command{Kind: CmdResume, Node: "athens"})
	s.RunFor(time.Second, 0)
	if f := traceOf(s, TrTimer); len(f) != 1 || f[0].At != 200_000 {
		t.Fatalf("timer fired %+v, want once at 200ms", f)
	}
}
