package lessons

import (
	"bytes"
	"strings"
	"testing"

	"clusterscope/patterns"
)

// The traffic counters are names every scenario has: totals, by kind and
// by sender, and the last second; a kind never sent reads as zero.
func TestMessagesCountTheRunsTraffic(t *testing.T) {
	sc := parseToy(t, toyHeader+`  - expect: messages.total == 0 && messages.kind.Beat == 0
  - run: 2s
  - expect: messages.total > 0 && messages.total == messages.kind.Beat && messages.kind.Put == 0
  - expect: messages.total == messages.from.athens + messages.from.byzantium + messages.from.cyrene
  - expect: messages.bytes == 64 * messages.total && messages.lastSecond > 0 && messages.lastSecond < messages.total
  - client: {client: alice, op: write, key: x, value: "1", node: cyrene}
  - run: 100ms
  - expect: messages.kind.Put == 1 && messages.from.alice == 1 && messages.kind.PutOK == 1
`)
	var out bytes.Buffer
	res, err := Run(sc, &out)
	if err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if res.Expects != 5 {
		t.Fatalf("%d expectations held, want 5", res.Expects)
	}
	sc = parseToy(t, toyHeader+"  - run: 2s\n  - expect: messages.total < 3\n")
	if _, err := Run(sc, &out); err == nil || !strings.Contains(err.Error(), "messages.total = ") {
		t.Fatalf("a count too high should fail and say what it was: %v", err)
	}
}

// A find-failure step is the page's search, headless: the transcript names
// the invariant and the step that broke, or says nothing did; the same file
// gives the same words, and the scenario's own run is untouched.
func TestFindFailureStep(t *testing.T) {
	src := toyHeader + `  - find-failure: {seeds: 5}
  - expect: step == 0 && violations == 0
`
	var out bytes.Buffer
	if _, err := Run(parseToy(t, src), &out); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	got := out.String()
	if !strings.Contains(got, "one-leader broke in schedule 1 on the correct pattern, at step ") || !strings.Contains(got, "shrunk from ") {
		t.Errorf("the toy's search (any partition makes two leaders):\n%s", got)
	}
	var again bytes.Buffer
	if _, err := Run(parseToy(t, src), &again); err != nil || again.String() != got {
		t.Errorf("a second play differs:\n%s", again.String())
	}

	sc, err := parseScenario("leader-and-followers/test.yaml", []byte("title: t\nsteps:\n  - find-failure: {seeds: 2}\n"), "leader-and-followers", patterns.ByID)
	if err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if _, err := Run(sc, &out); err != nil || !strings.Contains(out.String(), "nothing broke in 2 schedules on the correct pattern") {
		t.Errorf("the correct pattern's search: %v\n%s", err, out.String())
	}

	for _, bad := range []struct{ src, want string }{
		{"  - find-failure: {seeds: 201}\n", "it takes 1 to 200"},
		{"  - find-failure: {seeds: 0}\n", "it takes 1 to 200"},
		{"  - find-failure: {}\n", "needs seeds"},
		{"  - find-failure: {seeds: 1, variants: [x]}\n", `no field "variants"`},
		{"  - find-failure: {seeds: 1}\n  - find-failure: {seeds: 1}\n  - find-failure: {seeds: 1}\n", "at most 2 per scenario"},
	} {
		if _, err := parseScenario("toy/test.yaml", []byte(toyHeader+bad.src), "", toyLookup); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("%q: %v, want %q", bad.src, err, bad.want)
		}
	}
}
