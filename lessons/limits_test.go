package lessons

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// The 160-byte upload that took the server down (issue 21): expr's memory
// budget does not bound repeat, so checking it allocated gigabytes.
const repeatAttack = "title: t\npattern: toy\nsteps:\n  - expect: 'len(repeat(repeat(\"ab\", 100000), 999999)) > 0'\n"

// Conditions that would take unbounded memory or time are refused when the
// file loads, at the place of the offending part.
func TestHostileConditionsRefused(t *testing.T) {
	cases := []struct{ cond, want string }{
		{`len(repeat(repeat("ab", 100000), 999999)) > 0`, "repeat is not allowed"},
		{`len(toJSON(toJSON(toJSON(toJSON(leader))))) > 0`, "toJSON is not allowed"},
		{`let a = leader + leader; let b = a + a; len(b) > 0`, "let is not allowed"},
		{`all(1..999999, # > 0)`, "ranges (a..b) are not allowed"},
		{`all(violated, all(violated, all(violated, true)))`, "cannot be inside another"},
		{`leader matches nodes.athens.leader`, "matches needs a quoted pattern"},
		{`now().Year() > 2000`, "now is not allowed"},
		{strings.Repeat("1+", 300) + "1 > 0", "exceeds maximum allowed nodes"},
		{strings.Repeat("step > 0 && ", 100) + "true", "at most 1024"},
	}
	for _, c := range cases {
		src := toyHeader + "  - expect: '" + c.cond + "'\n"
		_, err := parseScenario("x.yaml", []byte(src), "", toyLookup)
		if err == nil {
			t.Errorf("%.60s: accepted", c.cond)
			continue
		}
		if e := Errors(err)[0]; !strings.Contains(e.Msg, c.want) || e.Line != 4 {
			t.Errorf("%.60s: got %v, want line 4 and %q", c.cond, err, c.want)
		}
	}
	// What an instructor writes still compiles.
	for _, ok := range []string{`any(violated, # startsWith "one")`, `len(violated) == 0 && leader in ["athens", "cyrene"]`,
		`leader matches "^a"`, `max(nodes.athens.beats, nodes.cyrene.beats) >= 1`, `upper(leader) == "ATHENS"`} {
		if _, err := parseScenario("x.yaml", []byte(toyHeader+"  - expect: '"+ok+"'\n"), "", toyLookup); err != nil {
			t.Errorf("refused %s: %v", ok, err)
		}
	}
}

// A run-until whose condition is costly and never true stops when its
// checks have cost maxUntilWork, long before its limit, with a message
// that says so.
func TestRunUntilStopsAtItsWorkBudget(t *testing.T) {
	list := make([]string, 95)
	for i := range list {
		list[i] = fmt.Sprint(i)
	}
	arr := "[" + strings.Join(list, ",") + "]"
	cond := "all(" + arr + ", # in " + arr + ") && step < 0"
	sc := parseToy(t, toyHeader+"  - run: {until: '"+cond+"', limit: 30m}\n")
	if c := sc.Steps[0].Run.until.cost; c < 10_000 {
		t.Fatalf("cost estimate %d: the test needs a costly condition", c)
	}
	pl, err := NewPlayer(sc)
	if err != nil {
		t.Fatal(err)
	}
	out, err := pl.Step()
	if err == nil || !strings.Contains(err.Error(), "work budget") {
		t.Fatalf("got %v, want the work budget spent", err)
	}
	if checks := maxUntilWork / sc.Steps[0].Run.until.cost; out.Ran > checks {
		t.Errorf("ran %d events, more than the %d checks the budget allows", out.Ran, checks)
	}
}

// Deeply nested YAML is refused before the parser sees it, at the place it
// gets too deep, with little memory: the parser is quadratic in the depth
// (a 64 KB "[[[...]]]" cost 11 s and 1.6 GB).
func TestDeepYAMLRefusedCheaply(t *testing.T) {
	var indented strings.Builder
	indented.WriteString("say:\n")
	for i := 0; i < 200; i++ {
		indented.WriteString(strings.Repeat(" ", i+1) + "- \n")
	}
	cases := map[string]string{
		"flow sequences": "say: " + strings.Repeat("[", 32000) + strings.Repeat("]", 32000) + "\n",
		"flow mappings":  "say: " + strings.Repeat("{a: ", 16000) + "1" + strings.Repeat("}", 16000) + "\n",
		"compact dashes": "say:\n  " + strings.Repeat("- ", 32000) + "x\n",
		"indentation":    indented.String(),
		"mixed":          "say:\n" + strings.Repeat("  - [{a: ", 9000) + "\n",
	}
	for name, src := range cases {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		_, err := parseScenario("deep.yaml", []byte(src), "", toyLookup)
		runtime.ReadMemStats(&after)
		if err == nil || !strings.Contains(err.Error(), "nested more than") {
			t.Errorf("%s: got %v, want nested too deep", name, err)
			continue
		}
		if e := Errors(err)[0]; e.Line == 0 || e.Col == 0 {
			t.Errorf("%s: no place in %v", name, e)
		}
		if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 64<<20 {
			t.Errorf("%s: %d MB allocated to refuse %d bytes", name, alloc>>20, len(src))
		}
	}
	// Exactly at the limit is fine: title, steps, the step, then 29 brackets
	// (the file is refused for other reasons).
	src := toyHeader + "  - say: " + strings.Repeat("[", MaxYAMLDepth-3) + strings.Repeat("]", MaxYAMLDepth-3) + "\n"
	if _, err := parseScenario("x.yaml", []byte(src), "", toyLookup); err == nil || strings.Contains(err.Error(), "nested") {
		t.Errorf("depth %d: %v", MaxYAMLDepth, err)
	}
}

// An instructor's folder is read as regular files only: a lesson.md that
// links to /dev/zero (size 0, endless) or a scenario that links to a file
// elsewhere is reported, not read.
func TestSymlinksInAFolderRefused(t *testing.T) {
	dir := t.TempDir()
	outside := filepath.Join(t.TempDir(), "real.yaml")
	if err := os.WriteFile(outside, []byte(strings.Replace(toyScenario, "pattern: toy\n", "", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	must(t, os.Mkdir(filepath.Join(dir, "toy"), 0o755))
	must(t, os.Symlink("/dev/zero", filepath.Join(dir, "toy", "lesson.md")))
	must(t, os.Symlink(outside, filepath.Join(dir, "toy", "linked.yaml")))
	lib, err := load(os.DirFS(dir), "", toyLookup)
	list := Errors(err)
	if len(list) != 2 {
		t.Fatalf("want two problems, got %v", err)
	}
	for _, e := range list {
		if !strings.Contains(e.Msg, "symbolic link") {
			t.Errorf("%v does not say it is a symbolic link", e)
		}
	}
	if _, ok := lib.Scenario("toy", "linked"); ok {
		t.Error("the linked scenario was loaded")
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
