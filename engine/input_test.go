package engine

import (
	"math"
	"strings"
	"testing"
	"time"
)

func TestBadCommandsAreRefusedAndChangeNothing(t *testing.T) {
	net := func(n NetSettings) *NetSettings { return &n }
	cases := []struct {
		name  string
		setup []Command
		bad   Command
		says  string // part of the error text
	}{
		{"no kind", nil, Command{}, "no kind"},
		{"unknown kind", nil, Command{Kind: "explode", Node: "athens"}, `unknown command "explode"`},
		{"crash nobody", nil, Command{Kind: CmdCrash}, "node is empty"},
		{"crash unknown node", nil, Command{Kind: CmdCrash, Node: "atlantis"}, `"atlantis"`},
		{"crash twice", []Command{{Kind: CmdCrash, Node: "athens"}}, Command{Kind: CmdCrash, Node: "athens"}, "already crashed"},
		{"restart a live node", nil, Command{Kind: CmdRestart, Node: "athens"}, "not crashed"},
		{"pause a crashed node", []Command{{Kind: CmdCrash, Node: "athens"}}, Command{Kind: CmdPause, Node: "athens"}, "crashed"},
		{"pause twice", []Command{{Kind: CmdPause, Node: "athens"}}, Command{Kind: CmdPause, Node: "athens"}, "paused"},
		{"resume a running node", nil, Command{Kind: CmdResume, Node: "athens"}, "not paused"},
		{"partition of one group", nil, Command{Kind: CmdPartition, Groups: [][]string{five}}, "two groups"},
		{"partition naming a node twice", nil, Command{Kind: CmdPartition, Groups: [][]string{{"athens", "byzantium"}, {"cyrene", "athens"}}}, "athens is named twice"},
		{"partition with an empty group", nil, Command{Kind: CmdPartition, Groups: [][]string{{"athens"}, {}}}, "group 2 is empty"},
		{"partition naming an unknown node", nil, Command{Kind: CmdPartition, Groups: [][]string{{"athens"}, {"sparta"}}}, `"sparta"`},
		{"cut to itself", nil, Command{Kind: CmdCut, From: "athens", To: "athens"}, "same process"},
		{"cut from unknown", nil, Command{Kind: CmdCut, From: "sparta", To: "athens"}, `"sparta"`},
		{"cut without a target", nil, Command{Kind: CmdCut, From: "athens"}, "node is empty"},
		{"heal half a pair", nil, Command{Kind: CmdHeal, From: "athens"}, "node is empty"},
		{"absurd offset", nil, Command{Kind: CmdOffset, Node: "athens", Dur: Duration(100 * time.Hour)}, "offset"},
		{"absurd negative offset", nil, Command{Kind: CmdOffset, Node: "athens", Dur: Duration(math.MinInt64)}, "offset"},
		{"jump of nothing", nil, Command{Kind: CmdJump, Node: "athens"}, "non-zero"},
		{"absurd jump", nil, Command{Kind: CmdJump, Node: "athens", Dur: Duration(-25 * time.Hour)}, "jump"},
		{"absurd drift", nil, Command{Kind: CmdDrift, Node: "athens", PPM: -1_000_000}, "drift"},
		{"skew an unknown node", nil, Command{Kind: CmdJump, Node: "sparta", Dur: Duration(time.Second)}, `"sparta"`},
		{"deliver an unknown message", nil, Command{Kind: CmdDeliver, Msg: 999}, "no message #999"},
		{"drop message zero", nil, Command{Kind: CmdDrop}, "no message #0"},
		{"duplicate an unknown message", nil, Command{Kind: CmdDuplicate, Msg: 3}, "no message #3"},
		{"drop-next from unknown", nil, Command{Kind: CmdDropNext, From: "sparta"}, `"sparta"`},
		{"drop-next negative count", nil, Command{Kind: CmdDropNext, To: "athens", Count: -2}, "count"},
		{"drop-next absurd count", nil, Command{Kind: CmdDropNext, To: "athens", Count: math.MaxInt}, "count"},
		{"network without settings", nil, Command{Kind: CmdNetwork}, "no settings"},
		{"network negative delay", nil, Command{Kind: CmdNetwork, Net: net(NetSettings{MinDelay: -1, MeanDelay: 5})}, "delay"},
		{"network mean below min", nil, Command{Kind: CmdNetwork, Net: net(NetSettings{MinDelay: Duration(time.Second), MeanDelay: Duration(time.Millisecond)})}, "delay"},
		{"network absurd delay", nil, Command{Kind: CmdNetwork, Net: net(NetSettings{MeanDelay: Duration(48 * time.Hour)})}, "hour"},
		{"network drop over 100%", nil, Command{Kind: CmdNetwork, Net: net(NetSettings{DropPct: 150})}, "percent"},
		{"network duplicate NaN", nil, Command{Kind: CmdNetwork, Net: net(NetSettings{DupPct: math.NaN()})}, "percent"},
		{"network for an unknown link", nil, Command{Kind: CmdNetwork, To: "sparta", Net: net(NetSettings{})}, `"sparta"`},
		{"client op on a server", nil, Command{Kind: CmdClient, Node: "athens", Name: "write"}, "not a client"},
		{"action on a client", nil, Command{Kind: CmdAction, Node: "alice", Name: "note"}, "is a client"},
		{"client op of an unknown client", nil, Command{Kind: CmdClient, Node: "carol", Name: "write"}, `"carol"`},
		{"client op without a name", nil, Command{Kind: CmdClient, Node: "alice"}, "name is empty"},
		{"client op the client refuses", nil, Command{Kind: CmdClient, Node: "alice", Name: "delete"}, "clients only write"},
		{"action the node refuses", nil, Command{Kind: CmdAction, Node: "athens", Name: "ping"}, "ping whom"},
		{"action on a crashed node", []Command{{Kind: CmdCrash, Node: "athens"}}, Command{Kind: CmdAction, Node: "athens", Name: "note"}, "crashed"},
		{"variant without a name", nil, Command{Kind: CmdVariant, On: true}, "name is empty"},
		{"param without a name", nil, Command{Kind: CmdParam, Value: 3}, "name is empty"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := newSim(t, Config{Nodes: five, Clients: []string{"alice"}, Seed: 1})
			s.RunFor(ms(25), 0)
			for _, sc := range c.setup {
				apply(t, s, sc)
			}
			before := snap(t, s)
			err := s.Apply(c.bad)
			if err == nil {
				t.Fatal("accepted")
			}
			if !strings.Contains(err.Error(), c.says) {
				t.Fatalf("error %q does not say %q", err, c.says)
			}
			if after := snap(t, s); after != before {
				t.Fatalf("a refused command changed the run: trace %s→%s, log %d→%d", before.hash, after.hash, before.logN, after.logN)
			}
			// The run goes on as if nothing happened.
			s.RunFor(ms(25), 0)
		})
	}
}

func TestBadTimeRequestsDoNothing(t *testing.T) {
	s := newSim(t, Config{Nodes: three, Seed: 1})
	s.RunFor(ms(15), 0)
	before := snap(t, s)
	now := s.Now()
	if n := s.RunFor(-time.Second, 0); n != 0 || s.Now() != now {
		t.Fatal("a negative run moved the run")
	}
	if n := s.RunFor(time.Second, -1); n != 0 || s.Now() != now {
		t.Fatal("a run of -1 steps moved the run")
	}
	if s.RunUntil(func() bool { return false }, -1) || s.RunUntil(func() bool { return false }, 0) {
		t.Fatal("a run with no steps claims success")
	}
	s.AdvanceTo(-5)
	s.AdvanceTo(math.MaxInt64)
	s.AdvanceTo(micros(now) + 1_000_000) // events are due before it
	if after := snap(t, s); after != before || s.Now() != now {
		t.Fatal("bad time requests changed the run")
	}
	// An absurd run is capped, not overflowed, and still stops at maxSteps.
	if n := s.RunFor(math.MaxInt64, 50); n != 50 {
		t.Fatalf("ran %d steps, want 50", n)
	}
	if s.Now() < now {
		t.Fatal("time went backwards")
	}
}

func TestBadConfigs(t *testing.T) {
	many := make([]string, MaxProcesses+1)
	for i := range many {
		many[i] = string(rune('a' + i))
	}
	cases := map[string]Config{
		"no nodes":          {},
		"too many":          {Nodes: many},
		"empty name":        {Nodes: []string{"athens", ""}},
		"named twice":       {Nodes: []string{"athens"}, Clients: []string{"athens"}},
		"negative delay":    {Nodes: three, Net: &NetSettings{MinDelay: -1}},
		"impossible loss":   {Nodes: three, Net: &NetSettings{DropPct: -1}},
		"unknown-ish model": {Nodes: three},
	}
	for name, cfg := range cases {
		m := echoModel()
		if name == "unknown-ish model" {
			m.NewProcess = nil
		}
		if _, err := New(cfg, m); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if _, err := Replay(Config{Nodes: three}, echoModel(), nil, MaxReplaySteps+1); err == nil {
		t.Error("replay beyond the limit accepted")
	}
}

// Every command reads as a short sentence: the trace, transcripts, branch
// labels and `check` reports all show this text.
func TestCommandString(t *testing.T) {
	for _, tc := range []struct {
		c    Command
		want string
	}{
		{Command{Kind: CmdCrash, Node: "athens"}, "crash athens"},
		{Command{Kind: CmdPartition, Groups: [][]string{{"athens", "byzantium"}, {"cyrene"}}}, "partition {athens, byzantium} | {cyrene}"},
		{Command{Kind: CmdCut, From: "athens", To: "cyrene"}, "cut athens → cyrene"},
		{Command{Kind: CmdHeal}, "heal the network"},
		{Command{Kind: CmdHeal, From: "athens", To: "cyrene"}, "heal athens ↔ cyrene"},
		{Command{Kind: CmdJump, Node: "cyrene", Dur: Duration(-2 * time.Second)}, "cyrene clock jumps -2s"},
		{Command{Kind: CmdDrift, Node: "cyrene", PPM: 200}, "cyrene clock drift +200 ppm"},
		{Command{Kind: CmdDropNext, MsgKind: "Heartbeat", From: "athens"}, "drop the next 1 Heartbeat message(s) athens → any"},
		{Command{Kind: CmdClient, Node: "alice", Name: "write", Args: map[string]string{"value": "1", "key": "x"}}, "alice: write key=x value=1"},
		{Command{Kind: CmdVariant, Name: "ignore-generation", On: true}, "variant ignore-generation on"},
		{Command{Kind: CmdManual}, "manual delivery off"},
	} {
		if got := tc.c.String(); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.c.Kind, got, tc.want)
		}
	}
}

// The trace tells an outside change with the command's own words.
func TestCommandTraceUsesItsString(t *testing.T) {
	s := newSim(t, quiet(three...))
	c := Command{Kind: CmdPartition, Groups: [][]string{{"athens"}, {"byzantium", "cyrene"}}}
	apply(t, s, c)
	evs := s.Trace().Events()
	if last := evs[len(evs)-1]; last.Kind != TrCommand || last.Text != c.String() {
		t.Fatalf("trace says %q (%s), want %q", last.Text, last.Kind, c.String())
	}
}
