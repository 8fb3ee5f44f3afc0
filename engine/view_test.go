package engine

import (
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
)

func viewJSON(t testing.TB, s *Sim) string {
	t.Helper()
	b, err := json.Marshal(s.View())
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestViewJSONIsStable(t *testing.T) {
	s := storyRun(t, 3)
	apply(t, s, Command{Kind: CmdVariant, Name: "zeta", On: true})
	apply(t, s, Command{Kind: CmdVariant, Name: "alpha", On: true})
	first := viewJSON(t, s)
	for i := 0; i < 5; i++ {
		if viewJSON(t, s) != first {
			t.Fatal("marshalling the same view twice gives different bytes")
		}
	}
	if !strings.Contains(first, `"variants":{"alpha":true,"zeta":true}`) {
		t.Fatalf("variants not in sorted order: %s", first)
	}
}

func TestViewListsCutLinksMessagesAndTimers(t *testing.T) {
	cfg := quiet(three...)
	cfg.Net = fixedNet(ms(20))
	s := newSim(t, cfg)
	apply(t, s, Command{Kind: CmdCut, From: "athens", To: "byzantium"})
	s.RunFor(ms(5), 0)
	act(t, s, "cyrene", "ping", "to", "athens", "n", "1")
	act(t, s, "athens", "timer", "name", "lease", "ms", "30")

	v := s.View()
	if want := []LinkView{{From: "athens", To: "byzantium"}}; !reflect.DeepEqual(v.Cut, want) {
		t.Fatalf("cut links = %+v, want %+v", v.Cut, want)
	}
	if len(v.InFlight) != 1 {
		t.Fatalf("in flight = %+v, want the one ping", v.InFlight)
	}
	m := v.InFlight[0]
	if m.From != "cyrene" || m.To != "athens" || m.Kind != "Ping" || m.Summary != "n=1" || m.SentAt != 5000 || m.DueAt != 25000 || m.Held {
		t.Fatalf("message view = %+v, want cyrene→athens sent at 5ms due at 25ms", m)
	}
	if want := []TimerView{{Node: "athens", Name: "lease", DueAt: 35000}}; !reflect.DeepEqual(v.Timers, want) {
		t.Fatalf("timers = %+v, want %+v", v.Timers, want)
	}

	apply(t, s, Command{Kind: CmdManual, On: true})
	act(t, s, "byzantium", "ping", "to", "cyrene", "n", "2")
	v = s.View()
	if !v.Manual || len(v.InFlight) != 2 || !v.InFlight[1].Held || v.InFlight[1].DueAt != 0 {
		t.Fatalf("held message not shown as held: %+v", v.InFlight)
	}

	// Delivered and timed-out things leave the view.
	apply(t, s, Command{Kind: CmdManual, On: false})
	s.RunFor(time.Second, 0)
	v = s.View()
	if len(v.InFlight) != 0 || len(v.Timers) != 0 {
		t.Fatalf("after a quiet second: in flight %+v, timers %+v", v.InFlight, v.Timers)
	}
	if v.Time != micros(s.Now()) || v.Step != s.StepCount() || v.Seed != 1 {
		t.Fatalf("view header %d/%d/%d does not match the run", v.Step, v.Time, v.Seed)
	}
}

func TestNodeViewShowsEngineFacts(t *testing.T) {
	s := newSim(t, quiet(three...))
	apply(t, s, Command{Kind: CmdOffset, Node: "byzantium", Dur: Duration(2 * time.Second)})
	apply(t, s, Command{Kind: CmdCrash, Node: "cyrene"})
	s.RunFor(1500*time.Millisecond, 0)
	b, _ := s.NodeView("byzantium")
	if b.Clock != "3.500s" || b.Skew != "2s, +0 ppm" || b.Status != "up" || b.Role != "echo" {
		t.Fatalf("byzantium's view = %+v", b)
	}
	c, _ := s.NodeView("cyrene")
	if c.Status != "crashed" || c.Role != "" {
		t.Fatalf("a crashed node still shows its process: %+v", c)
	}
	if _, ok := s.NodeView("atlantis"); ok {
		t.Fatal("a view of an unknown node")
	}
}

func TestCommandJSONRoundTrip(t *testing.T) {
	cmds := []LoggedCommand{
		{Step: 3, At: 1500, Command: Command{Kind: CmdJump, Node: "athens", Dur: Duration(-150 * time.Millisecond)}},
		{Step: 4, At: 2000, Command: Command{Kind: CmdPartition, Groups: [][]string{{"athens"}, {"byzantium", "cyrene"}}}},
		{Step: 5, Command: Command{Kind: CmdNetwork, From: "athens", Net: &NetSettings{MinDelay: Duration(time.Millisecond), MeanDelay: Duration(1500 * time.Microsecond), DropPct: 2.5, FIFO: true}}},
		{Step: 6, Command: Command{Kind: CmdDropNext, From: "athens", To: "byzantium", MsgKind: "Ping", Count: 2}},
		{Step: 7, Command: Command{Kind: CmdClient, Node: "alice", Name: "write", Args: map[string]string{"to": "cyrene"}}},
		{Step: 8, Command: Command{Kind: CmdDrift, Node: "delphi", PPM: -300}},
		{Step: 9, Command: Command{Kind: CmdDeliver, Msg: 42}},
		{Step: 10, Command: Command{Kind: CmdParam, Name: "quorum", Value: 2}},
		{Step: 11, Command: Command{Kind: CmdVariant, Name: "no-sync", On: true}},
	}
	b, err := json.Marshal(cmds)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"dur":"-150ms"`) || !strings.Contains(string(b), `"meanDelay":"1.5ms"`) {
		t.Fatalf("durations are not written as text: %s", b)
	}
	var back []LoggedCommand
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, cmds) {
		t.Fatalf("round trip changed the log:\n%+v\n%+v", cmds, back)
	}
	b2, _ := json.Marshal(back)
	if string(b2) != string(b) {
		t.Fatal("second marshal differs from the first")
	}
}

func TestDurationJSON(t *testing.T) {
	for in, want := range map[string]time.Duration{`"150ms"`: 150 * time.Millisecond, `"1.5s"`: 1500 * time.Millisecond, `"-2s"`: -2 * time.Second, `2000`: 2000} {
		var d Duration
		if err := json.Unmarshal([]byte(in), &d); err != nil || time.Duration(d) != want {
			t.Errorf("%s reads as %v (%v), want %v", in, time.Duration(d), err, want)
		}
	}
	for _, bad := range []string{`"soon"`, `"15 parsecs"`, `true`, `{}`} {
		var d Duration
		if err := json.Unmarshal([]byte(bad), &d); err == nil {
			t.Errorf("%s reads as %v, want an error", bad, time.Duration(d))
		}
	}
}

func TestReplayFromJSONLog(t *testing.T) {
	s := storyRun(t, 11)
	b, err := json.Marshal(s.Log())
	if err != nil {
		t.Fatal(err)
	}
	var log []LoggedCommand
	if err := json.Unmarshal(b, &log); err != nil {
		t.Fatal(err)
	}
	r, err := Replay(s.Config(), echoModel(), log, s.StepCount())
	if err != nil {
		t.Fatal(err)
	}
	if r.Trace().Hash() != s.Trace().Hash() {
		t.Fatal("a log that went through JSON replays differently")
	}
}

// A frame asks only the processes that moved for their view: the view the
// engine keeps is always the one the process would give now (through
// messages, timers, crashes, a partition and a drift), and a process that
// had no event since keeps its generation.
func TestViewAsksOnlyProcessesThatMoved(t *testing.T) {
	s := storyRun(t, 7)
	gens := map[string]uint64{}
	kept, asked := 0, 0
	check := func(what string) {
		t.Helper()
		for _, n := range s.View().Nodes {
			p := s.procByID(n.ID)
			if p.p == nil { // down: no process to ask
				continue
			}
			fresh, _ := json.Marshal(p.p.View())
			kept2, _ := json.Marshal(n.ProcessView)
			if string(fresh) != string(kept2) {
				t.Fatalf("%s: %s's view is stale:\n kept %s\n now  %s", what, n.ID, kept2, fresh)
			}
			if n.Gen == gens[n.ID] {
				kept++
			} else {
				asked++
			}
			gens[n.ID] = n.Gen
		}
	}
	check("start")
	for i := 0; i < 300; i++ {
		info, ok := s.Step()
		if !ok {
			break
		}
		before := maps.Clone(gens)
		check("step")
		for id, g := range gens {
			if g != before[id] && id != info.Node {
				t.Fatalf("step %d (%s at %s) asked %s for its view", info.Step, info.Kind, info.Node, id)
			}
		}
		switch i {
		case 30:
			apply(t, s, Command{Kind: CmdCrash, Node: "cyrene"})
		case 90:
			apply(t, s, Command{Kind: CmdRestart, Node: "cyrene"})
		case 150:
			apply(t, s, Command{Kind: CmdHeal})
		default:
			continue
		}
		check("command")
	}
	if kept == 0 || asked == 0 {
		t.Fatalf("views kept %d times, asked %d times: want both", kept, asked)
	}
}

// The view says what the network's links are set to, so a page can show
// and edit them: the settings every link has, and the links set apart.
func TestViewShowsTheNetworkSettings(t *testing.T) {
	cfg := quiet(three...)
	cfg.Net = fixedNet(ms(20))
	s := newSim(t, cfg)
	if v := s.View().Net; v == nil || v.All != *cfg.Net || len(v.Links) != 0 {
		t.Fatalf("at the start the network is %+v, want all links %+v", v, *cfg.Net)
	}
	slow := NetSettings{MinDelay: Duration(ms(50)), MeanDelay: Duration(ms(100)), FIFO: true}
	apply(t, s, Command{Kind: CmdNetwork, From: "athens", To: "byzantium", Net: &slow})
	want := []LinkNetView{{From: "athens", To: "byzantium", Net: slow}}
	if v := s.View().Net; v.All != *cfg.Net || !reflect.DeepEqual(v.Links, want) {
		t.Fatalf("after one link is slowed the network is %+v, want %+v apart", v, want)
	}
	jittery := NetSettings{MinDelay: Duration(ms(1)), MeanDelay: Duration(ms(30))}
	apply(t, s, Command{Kind: CmdNetwork, Net: &jittery})
	if v := s.View().Net; v.All != jittery || len(v.Links) != 0 {
		t.Fatalf("after a setting for every link the network is %+v, want all %+v", v, jittery)
	}
}

// A checker's own widgets (Invariant.View) come after the model's, and
// show the state of this run's checker, which the engine made fresh.
func TestInvariantViewFollowsTheModelView(t *testing.T) {
	m := echoModel()
	m.View = func(*World) []Widget { return []Widget{FieldsWidget("model")} }
	m.Invariants = func() []Invariant {
		checks := 0
		return []Invariant{{Name: "counting", Check: func(*World) (string, []string) { checks++; return "", nil },
			View: func(*World) []Widget {
				return []Widget{FieldsWidget("checker", Field{Label: "checks", Value: strconv.Itoa(checks)})}
			}}}
	}
	s, err := New(quiet(three...), m)
	if err != nil {
		t.Fatal(err)
	}
	act(t, s, "athens", "ping", "to", "byzantium", "n", "1")
	s.Stabilize(100)
	v := s.View()
	if len(v.Widgets) != 2 || v.Widgets[0].Title != "model" || v.Widgets[1].Title != "checker" {
		t.Fatalf("widgets %+v, want the model's then the checker's", v.Widgets)
	}
	if got := v.Widgets[1].Fields[0].Value; got == "0" {
		t.Fatal("the checker's view does not show its checks")
	}
}

// fmtClock writes what "%.3fs" writes, for clocks behind and ahead.
func TestFmtClockMatchesPrintf(t *testing.T) {
	for _, d := range []time.Duration{0, 1, 499_999, 500_000, 1_234_567_891, -1, -1_500_000, 86_400 * time.Second, 3*time.Millisecond + 500*time.Microsecond} {
		if got, want := fmtClock(d), fmt.Sprintf("%.3fs", d.Seconds()); got != want {
			t.Errorf("fmtClock(%v) = %q, want %q", d, got, want)
		}
	}
}
