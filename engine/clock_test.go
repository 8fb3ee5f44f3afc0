package engine

import (
	"fmt"
	"testing"
	"time"
)

// timerAt sets athens's timer "t" for 100ms of its own clock at time 0, runs
// skew at 10ms, and returns the true time (µs) the timer fired and athens's
// clock reading then.
func timerAt(t *testing.T, skew ...Command) (int64, time.Duration) {
	t.Helper()
	s := newSim(t, quiet(three...))
	act(t, s, "athens", "timer", "name", "t", "ms", "100")
	s.RunFor(ms(10), 0)
	for _, c := range skew {
		c.Node = "athens"
		apply(t, s, c)
	}
	s.RunFor(time.Second, 0)
	fired := traceOf(s, TrTimer)
	if len(fired) != 1 {
		t.Fatalf("timer fired %d times", len(fired))
	}
	return fired[0].At, echo(t, s, "athens").fired[0].local
}

func TestClockSkewMovesTimers(t *testing.T) {
	cases := []struct {
		name   string
		skew   []Command
		wantAt int64 // µs of true time
	}{
		{"no skew", nil, 100_000},
		{"jump forward fires early", []Command{{Kind: CmdJump, Dur: Duration(ms(50))}}, 50_000},
		{"jump backward fires late", []Command{{Kind: CmdJump, Dur: Duration(-ms(50))}}, 150_000},
		{"jump past the deadline fires at once", []Command{{Kind: CmdJump, Dur: Duration(ms(500))}}, 10_000},
		{"offset acts as a jump", []Command{{Kind: CmdOffset, Dur: Duration(ms(30))}}, 70_000},
		// At 10ms the clock reads 10ms; the remaining 90ms of local time take
		// 90/1.5 = 60ms at +50% and 90/0.5 = 180ms at -50%.
		{"fast clock fires early", []Command{{Kind: CmdDrift, PPM: 500_000}}, 70_000},
		{"slow clock fires late", []Command{{Kind: CmdDrift, PPM: -500_000}}, 190_000},
		// 90ms/1.1 = 81.818..ms: rounded up to the next whole µs.
		{"drift rounds up to a µs", []Command{{Kind: CmdDrift, PPM: 100_000}}, 91_819},
		{"offset keeps jumps", []Command{{Kind: CmdJump, Dur: Duration(ms(20))}, {Kind: CmdOffset, Dur: Duration(ms(10))}}, 70_000},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			at, local := timerAt(t, c.skew...)
			if at != c.wantAt {
				t.Fatalf("fired at %dµs, want %dµs", at, c.wantAt)
			}
			if c.wantAt > 10_000 && (local < ms(100) || local > ms(100)+time.Microsecond) {
				t.Fatalf("athens's clock read %v when it fired, want 100ms", local)
			}
		})
	}
}

func TestDriftChangesTheRateNotTheReading(t *testing.T) {
	s := newSim(t, quiet(three...))
	s.RunFor(time.Second, 0)
	apply(t, s, Command{Kind: CmdDrift, Node: "byzantium", PPM: 200_000})
	if c, _ := s.NodeView("byzantium"); c.Clock != "1.000s" {
		t.Fatalf("setting the drift moved the clock to %s", c.Clock)
	}
	s.RunFor(time.Second, 0)
	if c, _ := s.NodeView("byzantium"); c.Clock != "2.200s" {
		t.Fatalf("after one more second at +20%% the clock reads %s, want 2.200s", c.Clock)
	}
	apply(t, s, Command{Kind: CmdDrift, Node: "byzantium", PPM: 0})
	s.RunFor(time.Second, 0)
	if c, _ := s.NodeView("byzantium"); c.Clock != "3.200s" {
		t.Fatalf("back at true rate the clock reads %s, want 3.200s", c.Clock)
	}
	if c, _ := s.NodeView("athens"); c.Clock != "3.000s" {
		t.Fatalf("athens's clock moved with byzantium's: %s", c.Clock)
	}
}

func TestJumpBackMakesLocalTimeGoBackwards(t *testing.T) {
	s := newSim(t, quiet(three...))
	s.RunFor(ms(500), 0)
	apply(t, s, Command{Kind: CmdJump, Node: "cyrene", Dur: Duration(-ms(200))})
	if c, _ := s.NodeView("cyrene"); c.Clock != "0.300s" || c.Skew != "-200ms, +0 ppm" {
		t.Fatalf("cyrene after a jump back: %+v", c)
	}
	// A timer set now still waits its full length of local time.
	act(t, s, "cyrene", "timer", "name", "t", "ms", "100")
	s.RunFor(time.Second, 0)
	if f := traceOf(s, TrTimer); len(f) != 1 || f[0].At != 600_000 {
		t.Fatalf("timer fired %+v, want once at 600ms", f)
	}
}

func TestCancelledAndRearmedTimers(t *testing.T) {
	s := newSim(t, quiet(three...))
	act(t, s, "athens", "timer", "name", "a", "ms", "10")
	act(t, s, "athens", "timer", "name", "b", "ms", "20")
	act(t, s, "athens", "timer", "name", "b", "ms", "50") // re-armed: only the second counts
	act(t, s, "athens", "cancel", "name", "a")
	s.RunFor(time.Second, 0)
	f := traceOf(s, TrTimer)
	if len(f) != 1 || f[0].Text != "b" || f[0].At != 50_000 {
		t.Fatalf("timers fired %+v, want b once at 50ms", f)
	}
	if s.StepCount() != 1 {
		t.Fatalf("%d steps, want 1: void events must not count", s.StepCount())
	}
}

// A process's timers sit in a list up to maxScan and in a map past it:
// lookups, removals and the listing must agree in both.
func TestTimerSetFindsWhatItHolds(t *testing.T) {
	var ts timerSet
	held := map[string]*timer{}
	for i := 0; i < 3*maxScan; i++ {
		tm := &timer{name: fmt.Sprintf("retry#%d", i)}
		ts.put(tm)
		held[tm.name] = tm
		if i%3 == 1 { // drop an earlier one as a client does
			old := held[fmt.Sprintf("retry#%d", i-1)]
			ts.del(old)
			delete(held, old.name)
		}
		for name, want := range held {
			if got := ts.get(name); got != want {
				t.Fatalf("after %d puts, %s found %v", i+1, name, got)
			}
			if got := ts.getBytes([]byte(name)); got != want {
				t.Fatalf("after %d puts, %s found %v by bytes", i+1, name, got)
			}
		}
		if ts.get(fmt.Sprintf("retry#%d", i-1)) != held[fmt.Sprintf("retry#%d", i-1)] {
			t.Fatal("a removed timer is still found")
		}
		if all := ts.all(); len(all) != len(held) {
			t.Fatalf("all lists %d timers, %d held", len(all), len(held))
		}
	}
}

// A timer armed, re-armed and cancelled by a name in a buffer is the timer
// of that name: SetTimerNamed and SetTimer reach the same one.
func TestTimersNamedInABufferAreTheTimersOfThatName(t *testing.T) {
	for _, named := range [][2]string{{"yes", "yes"}, {"yes", "no"}, {"no", "yes"}} {
		s := newSim(t, quiet(three...))
		act(t, s, "athens", "timer", "name", "a", "ms", "20", "named", named[0])
		act(t, s, "athens", "timer", "name", "b", "ms", "20", "named", named[0])
		act(t, s, "athens", "timer", "name", "b", "ms", "50", "named", named[1]) // re-armed
		act(t, s, "athens", "cancel", "name", "a", "named", named[1])
		s.RunFor(time.Second, 0)
		if f := traceOf(s, TrTimer); len(f) != 1 || f[0].Text != "b" || f[0].At != 50_000 {
			t.Fatalf("set/re-arm named %v: timers fired %+v, want b once at 50ms", named, f)
		}
	}
	// Re-arming and cancelling by buffer make no string of the name.
	s := newSim(t, quiet("athens"))
	env := s.procByID("athens").env
	name := []byte("retry#12")
	SetTimerNamed(env, name, time.Second)
	if allocs := testing.AllocsPerRun(100, func() {
		SetTimerNamed(env, name, time.Second)
		CancelTimerNamed(env, []byte("retry#13"))
	}); allocs > 0 {
		t.Fatalf("%v allocations per re-arm", allocs)
	}
}

// World.Monotonic reads a process's monotonic clock from outside, as a
// checker must for a paused process: drift counts, offsets and jumps do
// not, and an unknown id reads 0.
func TestWorldMonotonicIgnoresOffsetsAndJumps(t *testing.T) {
	s := newSim(t, quiet(three...))
	apply(t, s, Command{Kind: CmdOffset, Node: "athens", Dur: Duration(ms(300))})
	apply(t, s, Command{Kind: CmdJump, Node: "athens", Dur: Duration(-ms(50))})
	apply(t, s, Command{Kind: CmdDrift, Node: "byzantium", PPM: 100_000})
	s.RunFor(ms(100), 0)
	w := s.World()
	if got := w.Monotonic("athens"); got != w.Now() {
		t.Errorf("athens's monotonic clock %v, want the true time %v (offsets and jumps do not count)", got, w.Now())
	}
	if got := w.Clock("athens"); got == w.Monotonic("athens") {
		t.Errorf("athens's local clock %v should differ from its monotonic one", got)
	}
	if got, want := w.Monotonic("byzantium"), w.Now()+w.Now()/10; got < want-time.Millisecond || got > want+time.Millisecond {
		t.Errorf("byzantium's monotonic clock %v, want about %v (10%% fast)", got, want)
	}
	if got := w.Monotonic("rome"); got != 0 {
		t.Errorf("an unknown process reads %v", got)
	}
}
