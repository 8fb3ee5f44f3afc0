package lessons

import (
	"io"
	"strings"
	"sync/atomic"
	"testing"
)

// toyViews counts the toy nodes' views rendered, to show which conditions
// render them.
var toyViews atomic.Int64

// A map-valued fact is read by key in a condition and type-checked like
// any other: a key the map lacks reads as the zero value, and comparing its
// values with the wrong type is refused when the file loads.
func TestMapFactInCondition(t *testing.T) {
	sc := parseToy(t, toyHeader+`  - expect: nodes.cyrene.data.x == "" && len(nodes.cyrene.data) == 0
  - run: 1s
  - client: {client: alice, op: write, key: x, value: "1", node: cyrene}
  - run: 100ms
  - expect: nodes.cyrene.data.x == "1" && nodes.cyrene.data.y == "" && nodes.athens.data.x == ""
`)
	if _, err := Run(sc, io.Discard); err != nil {
		t.Fatal(err)
	}
	_, err := parseScenario("toy/test.yaml", []byte(toyHeader+"  - expect: nodes.cyrene.data.x > 2\n"), "", toyLookup)
	if err == nil || !strings.Contains(err.Error(), "test.yaml:4") {
		t.Fatalf("comparing a map of text with a number should be refused at its line: %v", err)
	}
}

// Facts come from the pattern's fact functions: a condition over facts
// renders no view as a run waits for it; one that reads a node's role
// renders that node's view only.
func TestConditionsRenderOnlyTheViewsTheyRead(t *testing.T) {
	for _, tc := range []struct {
		cond      string
		wantViews func(n int64) bool
	}{
		{`nodes.cyrene.beats > 20 && leader == "athens"`, func(n int64) bool { return n == 0 }},
		{`nodes.cyrene.role == "follower" && nodes.cyrene.beats > 20`, func(n int64) bool { return n > 20 && n < 200 }},
	} {
		sc := parseToy(t, toyHeader+"  - run: {until: '"+tc.cond+"', limit: 5s}\n")
		toyViews.Store(0)
		if _, err := Run(sc, io.Discard); err != nil {
			t.Fatal(err)
		}
		if n := toyViews.Load(); !tc.wantViews(n) {
			t.Errorf("%s: %d views rendered", tc.cond, n)
		}
	}
	sc := parseToy(t, toyHeader+"  - run: 1s\n")
	for src, want := range map[string][]bool{
		`nodes.athens.keys > 0`:                               {false, false, false, false},
		`nodes.athens.role == "leader"`:                       {true, false, false, false},
		`nodes.byzantium.badge != "" || nodes.alice.keys > 0`: {false, true, false, false},
		`len([nodes.athens]) > 0`:                             {true, false, false, false},
		`len([nodes]) > 0`:                                    {true, true, true, true},
	} {
		c, fe := sc.env.compile(src)
		if fe != nil {
			t.Fatalf("%s: %v", src, fe)
		}
		for i, w := range want {
			if c.views.reads(i) != w {
				t.Errorf("%s: reads the view of %s = %v, want %v", src, sc.env.procs[i], c.views.reads(i), w)
			}
		}
	}
}
