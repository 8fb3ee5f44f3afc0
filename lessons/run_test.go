package lessons

import (
	"bytes"
	"io"
	"strings"
	"testing"
)

const toyScenario = `title: The toy leader
pattern: toy
nodes: 3
seed: 7
description: A *toy* cluster.
steps:
  - say: |
      Three nodes beat to each other.
      The **smallest** name leads.
  - run: 1s
  - expect: leader == "athens" && nodes.byzantium.leader == "athens"
  - pause:
      question: Who leads when athens crashes?
      choices: [byzantium, cyrene, nobody]
      answer: byzantium
      explain: The next smallest name.
  - crash: athens
  - run: {until: 'nodes.cyrene.leader == "byzantium"', limit: 2s}
  - expect:
      condition: leader == "byzantium" && nodes.athens.status == "crashed"
      message: byzantium takes over
  - client: {client: alice, op: write, key: x, value: "1", node: cyrene}
  - run: 100ms
  - expect: history.acked == 1 && nodes.cyrene.keys == 1
  - variant: {name: selfish, on: true}
  - run: 500ms
  - expect: violations > 0 && "one-leader" in violated
`

func parseToy(t *testing.T, src string) *Scenario {
	t.Helper()
	sc, err := parseScenario("toy/test.yaml", []byte(src), "", toyLookup)
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	return sc
}

func TestRunToyScenario(t *testing.T) {
	sc := parseToy(t, toyScenario)
	var out bytes.Buffer
	res, err := Run(sc, &out)
	t.Log("\n" + out.String())
	if err != nil {
		t.Fatal(err)
	}
	if res.Expects != 4 || res.Questions != 1 || len(res.Violations) == 0 {
		t.Fatalf("result %+v", res)
	}
	for _, want := range []string{"The toy leader", "answer: 1) byzantium", "✓", "crash athens", "violation"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("transcript lacks %q", want)
		}
	}
}

// Conditions are checked against the pattern's declared facts, not against
// what a run happens to show early on: a fact that appears only after a
// client's write, long after the start, is usable, and reads as zero until
// then.
func TestFactShownOnlyLater(t *testing.T) {
	sc := parseToy(t, toyHeader+`  - expect: nodes.cyrene.lastKey == "" && nodes.alice.lastKey == ""
  - run: 8s
  - client: {client: alice, op: write, key: x, value: "1", node: cyrene}
  - run: 100ms
  - expect: nodes.cyrene.lastKey == "x" && nodes.athens.lastKey == ""
`)
	if _, err := Run(sc, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	_, err := parseScenario("toy/test.yaml", []byte(toyHeader+"  - expect: nodes.cyrene.lastkey == \"x\"\n"), "", toyLookup)
	if err == nil || !strings.Contains(err.Error(), `nodes have no fact "lastkey"`) {
		t.Fatalf("a fact that is not declared should be refused: %v", err)
	}
}

// A recording's run: {step, time} must land exactly: idle time cannot pass
// over an event that is due, so a time the run cannot reach is an error at
// its line, not a silent stop short of it.
func TestRunToStepRefusesUnreachableTime(t *testing.T) {
	sc := parseToy(t, toyHeader+"  - run: {step: 1, time: 10s}\n")
	_, err := Run(sc, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "cannot let time pass to 10s") || !strings.Contains(err.Error(), "test.yaml:4") {
		t.Fatalf("err = %v", err)
	}
}

// A disk fault a scenario cannot mean is an error that names its line: an
// unknown fault when the file loads, a tear on a client (which has no
// disk) when the step runs; the steps before it ran and nothing after.
func TestDiskStepErrorsNameTheLine(t *testing.T) {
	bad := `title: t
pattern: toy
nodes: 3
steps:
  - run: 10ms
  - disk: {node: athens, fault: melt}
`
	if _, err := parseScenario("toy/bad.yaml", []byte(bad), "", toyLookup); err == nil || !strings.Contains(err.Error(), `no fault "melt"`) || !strings.Contains(err.Error(), ":6:") {
		t.Fatalf("unknown fault: %v", err)
	}
	sc := parseToy(t, `title: t
pattern: toy
nodes: 3
steps:
  - disk: {node: athens, fault: slow, value: 4}
  - disk: {node: alice, fault: tear}
  - crash: athens
`)
	_, err := Run(sc, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "alice is a client and has no disk") || !strings.Contains(err.Error(), "test.yaml:6:") {
		t.Fatalf("tear on a client: %v", err)
	}
}
