package lessons

import (
	"io/fs"
	"strings"
	"testing"

	"clusterscope/patterns"
)

// hostileYAML are the scenario files of issue 21 and their relatives.
func hostileYAML() []string {
	return []string{
		repeatAttack,
		"say: " + strings.Repeat("[", 32000) + strings.Repeat("]", 32000) + "\n",
		"say:\n  " + strings.Repeat("- ", 5000) + "x\n",
		"say: " + strings.Repeat("{a: ", 5000) + "1" + strings.Repeat("}", 5000) + "\n",
		// An alias bomb: the scenario parser never expands aliases.
		"a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\ntitle: *c\n",
		"? ? ? ? a\n",
		"title: t\npattern: heartbeat\nsteps:\n  - run: {until: 'all(1..999999, # > 0)', limit: 1h}\n",
	}
}

// The scenario parser never panics, and what it accepts stays within the
// limits. Seeds: every bundled scenario and the hostile files.
func FuzzParseScenario(f *testing.F) {
	fs.WalkDir(bundledFS, ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && isScenarioFile(p) {
			src, _ := fs.ReadFile(bundledFS, p)
			f.Add(string(src))
		}
		return nil
	})
	for _, s := range hostileYAML() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		sc, err := parseScenario("heartbeat/f.yaml", []byte(src), "heartbeat", patterns.ByID)
		if err != nil {
			if len(Errors(err)) == 0 {
				t.Fatal("an error without a problem in it")
			}
			return
		}
		if len(src) > MaxScenarioBytes || len(sc.Steps) > MaxSteps {
			t.Fatalf("accepted %d bytes and %d steps", len(src), len(sc.Steps))
		}
	})
}

// A condition either fails to compile with a message, or compiles within
// the cost bounds and evaluates (to a value or an error) without panicking.
// Seeds: the conditions of the bundled scenarios and hostile ones.
func FuzzCondition(f *testing.F) {
	for _, c := range []string{
		`leader == "athens" && violations == 0`, `"one-leader" in violated`, `nodes.alice.ok == 1`,
		`any(violated, # startsWith "one")`, `max(nodes.athens.beats, 3) > time`, `leader matches "^a"`,
		`len(repeat(repeat("ab", 100000), 999999)) > 0`, `let a = leader + leader; let b = a + a; len(b) > 0`,
		`all(1..999999, all(1..999999, true))`, `len(toJSON(toJSON(toJSON(leader)))) > 0`,
		`len(string([[[[1]]]])) > 0`, `nodes.athens == nodes.cyrene`, `leader in violated ? step > 1 : inflight < 2`,
	} {
		f.Add(c)
	}
	lib, err := Bundled()
	if err != nil {
		f.Fatal(err)
	}
	for _, id := range lib.Patterns() {
		l, _ := lib.Lesson(id)
		for _, sc := range l.Scenarios {
			for _, st := range sc.Steps {
				if st.Expect != nil {
					f.Add(st.Expect.Condition)
				}
			}
		}
	}
	sc, err := parseScenario("toy/f.yaml", []byte(toyScenario), "", toyLookup)
	if err != nil {
		f.Fatal(err)
	}
	pl, err := NewPlayer(sc)
	if err != nil {
		f.Fatal(err)
	}
	pl.sim.RunFor(500_000_000, 1000) // half a second: a leader, beats, messages in flight
	f.Fuzz(func(t *testing.T, src string) {
		c, fe := sc.env.compile(src)
		if fe != nil {
			if fe.Message == "" {
				t.Fatal("refused without a message")
			}
			return
		}
		if len(src) > maxConditionBytes || c.cost <= 0 {
			t.Fatalf("compiled a %d-byte condition with cost %d", len(src), c.cost)
		}
		c.eval(sc.env, pl.sim)
	})
}
