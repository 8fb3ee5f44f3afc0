package engine

import (
	"testing"
	"time"
)

func causalSim(t *testing.T, cfg Config) *Sim {
	t.Helper()
	m := echoModel()
	m.Causal = true
	s, err := New(cfg, m)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// The oracle follows messages, not time: athens pings byzantium, which
// passes word on to cyrene; delphi, meanwhile, acts alone.
func TestCausalFollowsMessagesNotTime(t *testing.T) {
	cfg := quiet("athens", "byzantium", "cyrene", "delphi")
	cfg.Net = fixedNet(ms(10))
	s := causalSim(t, cfg)
	c := s.World().Causal()
	if c == nil {
		t.Fatal("a model that asks for the oracle has none")
	}
	if got := c.Events("athens"); got != 1 {
		t.Fatalf("athens has %d events after boot, want 1 (its start)", got)
	}

	act(t, s, "athens", "ping", "to", "byzantium", "n", "1") // athens's event 2, sent with it
	act(t, s, "athens", "note", "text", "later")             // event 3: after the send
	act(t, s, "delphi", "note", "text", "alone")             // concurrent with everything below
	s.RunFor(ms(5), 0)
	if got := c.Seen("byzantium", "athens"); got != 0 {
		t.Fatalf("before the ping arrives byzantium has seen %d of athens's events", got)
	}
	s.RunFor(ms(6), 0) // the ping arrives (and byzantium's pong leaves)
	if got := c.Seen("byzantium", "athens"); got != 2 {
		t.Errorf("byzantium has seen %d of athens's events, want 2: the note came after the ping left", got)
	}
	if got := c.Seen("byzantium", "delphi"); got != 0 {
		t.Errorf("byzantium has seen %d of delphi's events, want 0: delphi sent nothing", got)
	}

	act(t, s, "byzantium", "ping", "to", "cyrene", "n", "2")
	s.RunFor(ms(30), 0)
	if got := c.Seen("cyrene", "athens"); got != 2 {
		t.Errorf("cyrene has seen %d of athens's events through byzantium, want 2", got)
	}
	if got, want := c.Seen("athens", "byzantium"), 2; got != want {
		t.Errorf("athens has seen %d of byzantium's events through the pong, want %d (boot, the ping's delivery)", got, want)
	}
	if got := c.Seen("delphi", "delphi"); got != c.Events("delphi") || got != 2 {
		t.Errorf("delphi's own entry is %d, its events %d, want both 2", got, c.Events("delphi"))
	}
	names := c.Processes()
	clock := c.Clock("cyrene")
	if len(clock) != len(names) {
		t.Fatalf("cyrene's clock has %d entries for %d processes", len(clock), len(names))
	}
	for i, id := range names {
		if int(clock[i]) != c.Seen("cyrene", id) {
			t.Errorf("cyrene's clock says %d of %s's events, Seen says %d", clock[i], id, c.Seen("cyrene", id))
		}
	}
}

// A copy made later (the learner duplicates a message in flight) carries
// its original's clock, not what the sender has come to know since.
func TestCausalCopyCarriesItsOriginalsClock(t *testing.T) {
	cfg := quiet(three...)
	cfg.Net = fixedNet(ms(10))
	s := causalSim(t, cfg)
	act(t, s, "athens", "ping", "to", "byzantium", "n", "1") // athens's event 2
	sent := traceOf(s, TrSend)
	if len(sent) != 1 {
		t.Fatalf("%d sends, want the ping", len(sent))
	}
	act(t, s, "athens", "note", "text", "after") // event 3
	apply(t, s, Command{Kind: CmdDuplicate, Msg: sent[0].Msg})
	s.RunFor(ms(5), 0) // only the copy, due at once, has arrived
	if got := countDelivered(s, "athens", "byzantium"); got != 1 {
		t.Fatalf("%d pings delivered, want the copy alone", got)
	}
	if got := s.World().Causal().Seen("byzantium", "athens"); got != 2 {
		t.Errorf("byzantium has seen %d of athens's events, want 2: the copy is of a ping sent at event 2", got)
	}
}

func TestCausalOffUnlessAskedFor(t *testing.T) {
	if s := newSim(t, quiet(three...)); s.World().Causal() != nil {
		t.Error("a model that did not ask for the oracle pays for it")
	}
}

// The monotonic clock keeps the local clock's rate and ignores its steps.
func TestMonotonicClockIgnoresOffsetAndJumps(t *testing.T) {
	s := newSim(t, quiet(three...))
	env := s.byID["athens"].env
	s.RunFor(ms(10), 0)
	apply(t, s, Command{Kind: CmdOffset, Node: "athens", Dur: Duration(ms(300))})
	apply(t, s, Command{Kind: CmdJump, Node: "athens", Dur: Duration(-ms(50))})
	if got, want := env.Now(), ms(260); got != want {
		t.Fatalf("athens's clock reads %v, want %v", got, want)
	}
	if got, want := env.Monotonic(), ms(10); got != want {
		t.Errorf("monotonic clock reads %v after an offset and a jump, want %v", got, want)
	}
	apply(t, s, Command{Kind: CmdDrift, Node: "athens", PPM: 100_000}) // 10% fast
	before := env.Monotonic()
	s.RunFor(100*time.Millisecond, 0)
	if got, want := env.Monotonic()-before, 110*time.Millisecond; got != want {
		t.Errorf("100ms of true time at +10%% drift moved the monotonic clock %v, want %v", got, want)
	}
	if got := env.Now() - env.Monotonic(); got != ms(250) {
		t.Errorf("local minus monotonic is %v, want the 250ms of offset and jump", got)
	}
}
