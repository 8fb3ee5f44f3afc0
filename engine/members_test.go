package engine

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// numbered makes n server names that sort in index order.
func numbered(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("n%03d", i+1)
	}
	return out
}

func TestClusterPastSixteenProcessesRunsAnd257IsRefused(t *testing.T) {
	s := newSim(t, Config{Nodes: numbered(39), Clients: []string{"alice"}, Seed: 1})
	s.RunFor(ms(25), 0)
	if got := countDelivered(s, "n039", "n001"); got == 0 {
		t.Fatal("n039 never reached n001: processes past the 16th are not looked up")
	}
	if _, err := New(Config{Nodes: numbered(MaxProcesses), Seed: 1}, echoModel()); err != nil {
		t.Fatalf("%d processes: %v", MaxProcesses, err)
	}
	if _, err := New(Config{Nodes: numbered(MaxProcesses + 1), Seed: 1}, echoModel()); err == nil || !strings.Contains(err.Error(), "at most 256") {
		t.Fatalf("257 processes: %v, want a refusal naming the limit", err)
	}
}

func TestRolesAreGivenToProcessesAndListed(t *testing.T) {
	var made []string
	m := echoModel()
	inner := m.NewProcess
	m.NewProcess = func(id string, role Role) Process {
		made = append(made, id+":"+string(role))
		return inner(id, role)
	}
	cfg := Config{Nodes: []string{"coord", "p1", "p2"}, Clients: []string{"alice"}, Seed: 1,
		Roles: map[string]Role{"coord": "coordinator", "p1": "participant", "p2": "participant"}, Params: map[string]int{"tick-ms": 0}}
	s, err := New(cfg, m)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"coord:coordinator", "p1:participant", "p2:participant", "alice:client"}; !slices.Equal(made, want) {
		t.Fatalf("built %v, want %v", made, want)
	}
	if got := s.World().Members("participant"); !slices.Equal(got, []string{"p1", "p2"}) {
		t.Fatalf("participants %v", got)
	}
	var env Env = s.procByID("coord").env
	if env.Role() != "coordinator" || !slices.Equal(env.Members(RoleClient), []string{"alice"}) {
		t.Fatalf("env role %q, clients %v", env.Role(), env.Members(RoleClient))
	}
	if _, err := New(Config{Nodes: []string{"a"}, Roles: map[string]Role{"b": "x"}}, m); err == nil {
		t.Fatal("a role for a process that does not exist was accepted")
	}
}

func TestJoinBootsAStandbyAndLeaveTakesItOut(t *testing.T) {
	s := newSim(t, Config{Nodes: three, Standby: []string{"delphi"}, Seed: 1})
	w := s.World()
	if w.Status("delphi") != StatusStandby || w.Process("delphi") != nil {
		t.Fatalf("standby delphi is %s", w.Status("delphi"))
	}
	peers := s.procByID("athens").env.Peers()
	if slices.Contains(peers, "delphi") {
		t.Fatalf("a standby is among the peers: %v", peers)
	}
	s.RunFor(ms(25), 0)
	if n := countDelivered(s, "athens", "delphi"); n != 0 {
		t.Fatalf("%d messages reached a standby", n)
	}
	if err := s.Apply(Command{Kind: CmdRestart, Node: "delphi"}); err == nil {
		t.Fatal("restart of a standby accepted")
	}
	apply(t, s, Command{Kind: CmdJoin, Node: "delphi"})
	if w.Status("delphi") != StatusUp || echo(t, s, "delphi").boots != 1 {
		t.Fatalf("after join delphi is %s", w.Status("delphi"))
	}
	s.RunFor(ms(25), 0)
	if countDelivered(s, "athens", "delphi") == 0 || !slices.Contains(s.procByID("athens").env.Peers(), "delphi") {
		t.Fatal("the joined node gets no pings")
	}
	if err := s.Apply(Command{Kind: CmdJoin, Node: "delphi"}); err == nil {
		t.Fatal("a second join accepted")
	}
	apply(t, s, Command{Kind: CmdLeave, Node: "delphi"})
	if w.Status("delphi") != StatusLeft || slices.Contains(s.procByID("athens").env.Peers(), "delphi") {
		t.Fatalf("after leave delphi is %s", w.Status("delphi"))
	}
	for _, k := range []string{CmdCrash, CmdPause, CmdLeave} {
		if err := s.Apply(Command{Kind: k, Node: "delphi"}); err == nil {
			t.Fatalf("%s of a node that left accepted", k)
		}
	}
	apply(t, s, Command{Kind: CmdJoin, Node: "delphi"})
	if b := echo(t, s, "delphi").boots; b != 2 {
		t.Fatalf("rejoined delphi booted %d times by its disk, want 2", b)
	}
	if err := s.Apply(Command{Kind: CmdJoin, Node: "alice"}); err == nil {
		t.Fatal("no alice here: want the unknown-process error")
	}
}

func TestParamsOutOfRangeOrUnknownAreRefused(t *testing.T) {
	m := echoModel()
	m.Params = []ParamRange{{Name: "tick-ms", Min: 0, Max: 1000}}
	s, err := New(Config{Nodes: three, Seed: 1}, m)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []Command{
		{Kind: CmdParam, Name: "tick-ms", Value: -9_200_000_000_000_000_000},
		{Kind: CmdParam, Name: "tick-ms", Value: 1001},
		{Kind: CmdParam, Name: "nonsense", Value: 1},
	} {
		if err := s.Apply(c); err == nil {
			t.Errorf("%s accepted", c)
		}
	}
	apply(t, s, Command{Kind: CmdParam, Name: "tick-ms", Value: 1000})
	if len(s.Log()) != 1 {
		t.Fatalf("refused commands were logged: %v", s.Log())
	}
	if _, err := New(Config{Nodes: three, Seed: 1, Params: map[string]int{"tick-ms": -1}}, m); err == nil {
		t.Fatal("a config with an out-of-range param was accepted")
	}
	if _, err := Replay(Config{Nodes: three, Seed: 1}, m, []LoggedCommand{{Command: Command{Kind: CmdParam, Name: "tick-ms", Value: -5}}}, 0); err == nil {
		t.Fatal("a replayed log with an out-of-range param was accepted")
	}
}

// A model refuses settings that do not fit together, at the start and at a
// param command, and a refused command leaves the settings as they were.
func TestParamCombinationsAreRefused(t *testing.T) {
	m := echoModel()
	m.Params = []ParamRange{{Name: "w", Min: 1, Max: 9}, {Name: "n", Min: 1, Max: 9}}
	m.CheckParams = func(p map[string]int) error {
		if p["w"] > p["n"] {
			return fmt.Errorf("w=%d is more than n=%d", p["w"], p["n"])
		}
		return nil
	}
	if _, err := New(Config{Nodes: three, Seed: 1, Params: map[string]int{"w": 4, "n": 3}}, m); err == nil {
		t.Fatal("w > n accepted at the start")
	}
	s, err := New(Config{Nodes: three, Seed: 1, Params: map[string]int{"w": 2, "n": 3}}, m)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Apply(Command{Kind: CmdParam, Name: "n", Value: 1}); err == nil || !strings.Contains(err.Error(), "w=2 is more than n=1") {
		t.Fatalf("n=1 under w=2: got %v, want the model's refusal", err)
	}
	apply(t, s, Command{Kind: CmdParam, Name: "w", Value: 3})
	if err := s.Apply(Command{Kind: CmdParam, Name: "w", Value: 4}); err == nil {
		t.Fatal("w=4 with n=3 accepted")
	}
	if len(s.Log()) != 1 {
		t.Fatalf("refused commands were logged: %v", s.Log())
	}
}

// The command table and the engine agree: every Cmd constant has an entry,
// every entry's fields are Command fields, and apply knows every kind.
func TestCommandTableCoversEveryKind(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "command.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var consts []string
	ast.Inspect(f, func(n ast.Node) bool {
		if v, ok := n.(*ast.ValueSpec); ok && strings.HasPrefix(v.Names[0].Name, "Cmd") {
			consts = append(consts, strings.Trim(v.Values[0].(*ast.BasicLit).Value, `"`))
		}
		return true
	})
	var kinds []string
	for _, c := range Commands {
		kinds = append(kinds, c.Kind)
	}
	slices.Sort(consts)
	slices.Sort(kinds)
	if !slices.Equal(consts, kinds) {
		t.Fatalf("Cmd constants %v, table %v", consts, kinds)
	}
	fields := map[string]bool{}
	ct := reflect.TypeOf(Command{})
	for i := range ct.NumField() {
		fields[strings.Split(ct.Field(i).Tag.Get("json"), ",")[0]] = true
	}
	for _, c := range Commands {
		for _, fl := range c.Fields {
			if !fields[fl] {
				t.Errorf("%s: no Command field %q", c.Kind, fl)
			}
		}
		if c.Example.Kind != c.Kind || c.Doc == "" {
			t.Errorf("%s: example of kind %q, doc %q", c.Kind, c.Example.Kind, c.Doc)
		}
		s := newSim(t, Config{Nodes: three, Seed: 1})
		if err := s.Apply(Command{Kind: c.Kind}); err != nil && strings.Contains(err.Error(), "unknown command") {
			t.Errorf("apply does not know %s", c.Kind)
		}
	}
}

// membersAtStart is a node that writes down, at each boot, the server
// members it sees.
type membersAtStart struct {
	echoNode
	seen *[][]string
}

func (m *membersAtStart) Handle(env Env, ev Event) {
	if ev.Kind == EvStart {
		*m.seen = append(*m.seen, env.Members(RoleNode))
	}
	m.echoNode.Handle(env, ev)
}

// Members lists are kept between steps: they must follow every join and
// leave, also for a process asking during its own boot.
func TestMembersFollowJoinAndLeave(t *testing.T) {
	var seen [][]string
	m := echoModel()
	m.NewProcess = func(id string, role Role) Process {
		return &membersAtStart{echoNode{id: id}, &seen}
	}
	s, err := New(Config{Nodes: []string{"athens"}, Standby: []string{"delphi"}, Seed: 1, Params: map[string]int{"tick-ms": 0}}, m)
	if err != nil {
		t.Fatal(err)
	}
	w := s.World()
	if got := w.Members(RoleNode); !slices.Equal(got, []string{"athens"}) {
		t.Fatalf("members %v before the join", got)
	}
	apply(t, s, Command{Kind: CmdJoin, Node: "delphi"})
	if got := w.Members(RoleNode); !slices.Equal(got, []string{"athens", "delphi"}) {
		t.Fatalf("members %v after the join", got)
	}
	if got := seen[len(seen)-1]; !slices.Equal(got, []string{"athens", "delphi"}) {
		t.Fatalf("delphi saw members %v while it booted", got)
	}
	apply(t, s, Command{Kind: CmdLeave, Node: "delphi"})
	if got := w.Members(RoleNode); !slices.Equal(got, []string{"athens"}) {
		t.Fatalf("members %v after the leave", got)
	}
}
