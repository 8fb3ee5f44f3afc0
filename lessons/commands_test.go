package lessons

import (
	"io"
	"reflect"
	"strings"
	"testing"

	"clusterscope/engine"

	"github.com/goccy/go-yaml"
)

// Every command of the engine's table is a scenario step that export writes
// and the parser reads back as the same command: a new engine command
// that lacks either fails here.
func TestEveryCommandRoundTrips(t *testing.T) {
	for _, spec := range engine.Commands {
		t.Run(spec.Kind, func(t *testing.T) {
			st, err := commandYAML(spec.Example)
			if err != nil {
				t.Fatal(err)
			}
			body, err := yaml.MarshalWithOptions(map[string]any{"steps": []any{st}}, yaml.IndentSequence(true))
			if err != nil {
				t.Fatal(err)
			}
			src := "title: round trip\npattern: leader-and-followers\n" + string(body)
			sc, err := ParseScenario("round-trip.yaml", []byte(src))
			if err != nil {
				t.Fatalf("%v\n%s", err, src)
			}
			if len(sc.Steps) != 1 || sc.Steps[0].Command == nil {
				t.Fatalf("parsed %+v\n%s", sc.Steps, src)
			}
			if got := *sc.Steps[0].Command; !reflect.DeepEqual(got, spec.Example) {
				t.Fatalf("wrote %+v\nread back %+v\n%s", spec.Example, got, src)
			}
		})
	}
}

// A setting out of its declared range is refused where the scenario says
// it, in the header and in a param step (issue 21: election-min-ms =
// -9.2e18 made the simulation panic).
func TestParamsOutOfRangeAreRefusedAtTheirLine(t *testing.T) {
	for name, src := range map[string]string{
		"header": "title: t\npattern: heartbeat\nparams:\n  election-min-ms: -9200000000000000000\nsteps:\n  - run: 1s\n",
		"step":   "title: t\npattern: heartbeat\nsteps:\n  - param: {name: election-min-ms, value: -9200000000000000000}\n",
		"quorum": "title: t\npattern: majority-quorum\nsteps:\n  - param: {name: quorum, value: 99}\n",
	} {
		_, err := ParseScenario(name+".yaml", []byte(src))
		if err == nil || !strings.Contains(err.Error(), "must be") {
			t.Errorf("%s: %v, want a range error", name, err)
		}
	}
}

func TestSetupKeyPicksASetupOrNamesTheChoices(t *testing.T) {
	_, err := ParseScenario("s.yaml", []byte("title: t\npattern: heartbeat\nsetup: leaderless\nsteps:\n  - run: 1s\n"))
	if err == nil || !strings.Contains(err.Error(), "setup") {
		t.Fatalf("unknown setup: %v", err)
	}
	sc, err := ParseScenario("s.yaml", []byte("title: t\npattern: heartbeat\nsetup: \"\"\nsteps:\n  - run: 1s\n"))
	if err != nil {
		t.Fatal(err)
	}
	if cfg, err := sc.Config(); err != nil || len(cfg.Nodes) != 3 {
		t.Fatalf("default setup: %v, %v", cfg.Nodes, err)
	}
}

// A scenario on a page's second setup reads that setup's facts: the
// Low-Water Mark page's single-node cluster shows athens's key-value state
// (kv), which the replicated setup does not declare.
func TestConditionsReadTheChosenSetupsFacts(t *testing.T) {
	sc, err := ParseScenario("s.yaml", []byte(`title: t
pattern: low-water-mark
setup: single-node
steps:
  - run: {until: nodes.athens.up, limit: 1s}
  - client: {client: alice, op: write, key: title, value: Microservices}
  - run: {until: nodes.alice.ok == 1, limit: 1s}
  - expect: nodes.athens.kv.title == "Microservices" && nodes.athens.segments == 1
`))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Run(sc, io.Discard); err != nil {
		t.Fatal(err)
	}
}
