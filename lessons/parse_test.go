package lessons

import (
	"strings"
	"testing"
	"time"

	"clusterscope/patterns"
)

const toyHeader = "title: t\npattern: toy\nsteps:\n"

// comingPattern is a catalog pattern without a simulation yet ("" once
// every one is live): which one changes as pages are built.
func comingPattern() string {
	for _, p := range patterns.All() {
		if !p.Live() {
			return p.ID
		}
	}
	return ""
}

// Each malformed file must be rejected with the place of the mistake and
// words that say what was expected.
func TestMalformedScenarios(t *testing.T) {
	cases := []struct {
		name, src string
		line, col int
		want      string
	}{
		{"bad yaml", "title: t\npattern: toy\nsteps:\n  - say: [unclosed\n", 4, 0, ""},
		{"tab indentation", "title: t\n\tpattern: toy\n", 2, 0, ""},
		{"unknown header", "title: t\npattern: toy\nnodez: 3\nsteps: []\n", 3, 1, `unknown field "nodez"`},
		{"no title", "pattern: toy\nsteps:\n  - run: 1s\n", 1, 1, "no title"},
		{"unknown pattern", "title: t\npattern: toyy\nsteps: []\n", 2, 10, `unknown pattern "toyy"`},
		{"not live", "title: t\npattern: " + comingPattern() + "\nsteps: []\n", 2, 10, "no simulation yet"},
		{"too many nodes", "title: t\npattern: toy\nnodes: 9\nsteps: []\n", 3, 8, "1 to 5 nodes"},
		{"unknown variant", "title: t\npattern: toy\nvariants: [selfsh]\nsteps: []\n", 3, 12, `no variant "selfsh"`},
		{"unknown param", "title: t\npattern: toy\nparams: {beat: 3}\nsteps: []\n", 3, 10, `no setting "beat"`},
		{"unknown step", toyHeader + "  - say: hi\n  - crsh: athens\n", 5, 5, `unknown step "crsh"`},
		{"two keys in a step", toyHeader + "  - say: hi\n    run: 1s\n", 5, 5, "one step per list item"},
		{"unknown node", toyHeader + "  - crash: athen\n", 4, 12, `unknown node "athen"`},
		{"unknown node in partition", toyHeader + "  - partition: [[athens], [cyrene, delphi]]\n", 4, 36, `unknown node "delphi"`},
		{"bad duration", toyHeader + "  - run: 2\n", 4, 10, `bad duration "2"`},
		{"bad duration unit", toyHeader + "  - run: 2 seconds\n", 4, 10, "expected a number with a unit"},
		{"duration finer than the clock", toyHeader + "  - run: {until: \"step > 5\", limit: 1500ns}\n", 4, 37, "finer than the simulator's microsecond"},
		{"step key without a value", toyHeader + "  - say\n", 4, 5, "say needs a value"},
		{"bad limit", toyHeader + "  - run: {until: step > 3, limit: soon}\n", 4, 35, `bad duration "soon"`},
		{"bad expression syntax", toyHeader + "  - expect: step >\n", 4, 18, "bad expression"},
		{"unknown name", toyHeader + "  - expect: lader == \"athens\"\n", 4, 13, "unknown name lader"},
		{"unknown node in expression", toyHeader + "  - expect: 'nodes.cyrne.leader == \"x\"'\n", 4, 20, `no node called "cyrne"`},
		{"unknown fact", toyHeader + "  - expect: nodes.cyrene.leadr == \"x\"\n", 4, 26, `no fact "leadr"`},
		{"type mismatch", toyHeader + "  - expect: nodes.cyrene.beats == \"many\"\n", 4, 0, "mismatched types"},
		{"not a condition", toyHeader + "  - expect: step + 1\n", 4, 0, "expected bool"},
		{"bad until", toyHeader + "  - run: {until: leader ==}\n", 4, 0, "bad expression"},
		{"answer not a choice", toyHeader + "  - pause:\n      question: q?\n      choices: [a, b]\n      answer: c\n", 7, 15, `answer "c" is not one of the choices`},
		{"answer out of range", toyHeader + "  - pause:\n      question: q?\n      choices: [a, b]\n      answer: 3\n", 7, 15, "not one of the choices"},
		{"one choice", toyHeader + "  - pause:\n      question: q?\n      choices: [a]\n      answer: a\n", 6, 16, "at least two choices"},
		{"unknown question field", toyHeader + "  - pause:\n      question: q?\n      choises: [a, b]\n", 6, 7, `no field "choises"`},
		{"client unknown op", toyHeader + "  - client: {client: alice, op: rite, key: x}\n", 4, 33, `unknown client operation "rite"`},
		{"client unknown arg", toyHeader + "  - client: {client: alice, op: write, colour: red}\n", 4, 40, `no argument "colour"`},
		{"client bad node arg", toyHeader + "  - client: {client: alice, op: write, node: rome}\n", 4, 46, `unknown node "rome"`},
		{"cut needs to", toyHeader + "  - cut: {from: athens}\n", 4, 10, "needs both from and to"},
		{"variant step unknown", toyHeader + "  - variant: {name: nope, on: true}\n", 4, 21, `no variant "nope"`},
		{"manual not bool", toyHeader + "  - manual: maybe\n", 4, 13, "true or false"},
		{"deliver nothing", toyHeader + "  - deliver: {}\n", 4, 14, "needs msg"},
		{"steps not a list", "title: t\npattern: toy\nsteps: {say: hi}\n", 3, 0, "must be a list"},
		{"no steps", "title: t\npattern: toy\n", 1, 1, "no steps"},
		{"drift needs ppm", toyHeader + "  - drift: {node: athens, by: 2s}\n", 4, 27, `no field "by"`},
		{"folder mismatch", "title: t\npattern: heartbeat\nsteps: []\n", 2, 10, "lies in the folder of toy"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.name == "not live" && comingPattern() == "" {
				t.Skip("every pattern of the catalog is live")
			}
			def := ""
			if c.name == "folder mismatch" {
				def = "toy"
			}
			_, err := parseScenario("x/bad.yaml", []byte(c.src), def, toyLookup)
			if err == nil {
				t.Fatal("accepted")
			}
			list := Errors(err)
			e := list[0]
			if e.File != "x/bad.yaml" || e.Line != c.line || (c.col != 0 && e.Col != c.col) || e.Col == 0 && c.col != 0 {
				t.Errorf("placed at %s:%d:%d, want line %d col %d: %v", e.File, e.Line, e.Col, c.line, c.col, err)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q does not say %q", err, c.want)
			}
			if !strings.HasPrefix(err.Error(), "x/bad.yaml:") {
				t.Errorf("error %q does not start with the file name", err)
			}
		})
	}
}

// Several mistakes are all reported, in line order.
func TestAllErrorsReported(t *testing.T) {
	src := toyHeader + "  - crash: rome\n  - run: 3\n  - expect: nope\n"
	_, err := parseScenario("x.yaml", []byte(src), "", toyLookup)
	list := Errors(err)
	if len(list) != 3 || list[0].Line != 4 || list[1].Line != 5 || list[2].Line != 6 {
		t.Fatalf("got %v", err)
	}
}

func TestScenarioForms(t *testing.T) {
	src := toyHeader + `  - crash: {node: athens}
  - restart: athens
  - pause: byzantium
  - resume: {node: byzantium}
  - partition: {groups: [[athens], [byzantium, cyrene]]}
  - cut: {from: athens, to: cyrene}
  - heal: {from: athens, to: cyrene}
  - heal
  - offset: {node: athens, by: 1.5s}
  - drift: {node: athens, ppm: -200}
  - jump: {node: athens, by: -2s}
  - manual: on
  - drop-next: {from: athens, kind: Beat, count: 2}
  - network: {mean: 20ms, min: 5ms, drop: 1.5, fifo: true}
  - deliver: 3
  - drop: {from: athens, to: cyrene}
  - duplicate: {msg: 4}
  - client: {client: alice, op: write, args: {key: x}, value: 7, node: cyrene}
  - variant: {name: selfish, on: false}
  - param: {name: beat-ms, value: 200}
  - run: {steps: 5}
  - run: {step: 100, time: 2s}
  - run: {until: inflight == 0}
  - pause: {question: "Who?", choices: [a, b], answer: 2}
`
	sc := parseToy(t, src)
	kinds := []string{}
	for _, st := range sc.Steps {
		k := st.Kind
		if st.Command != nil {
			k = st.Command.Kind
		}
		kinds = append(kinds, k)
	}
	want := "crash restart pause resume partition cut heal heal offset drift jump manual drop-next network deliver drop duplicate client variant param run run run question"
	if strings.Join(kinds, " ") != want {
		t.Fatalf("kinds %v", kinds)
	}
	c := sc.Steps[17].Command
	if c.Node != "alice" || c.Name != "write" || c.Args["key"] != "x" || c.Args["value"] != "7" || c.Args["node"] != "cyrene" {
		t.Errorf("client: %+v", c)
	}
	if s := sc.Steps[15].Select; s == nil || s.From != "athens" || s.To != "cyrene" {
		t.Errorf("drop selector: %+v", s)
	}
	if n := sc.Steps[13].Command.Net; time.Duration(n.MeanDelay) != 20*time.Millisecond || !n.FIFO || n.DropPct != 1.5 {
		t.Errorf("network: %+v", sc.Steps[13].Command.Net)
	}
	if q := sc.Steps[23].Question; q.Answer != 1 {
		t.Errorf("answer by number: %d", q.Answer)
	}
	if sc.Steps[22].Run.Limit == 0 {
		t.Error("until without a limit has no default limit")
	}
}
