package lessons

import (
	"bytes"
	"strings"
	"testing"
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
