package lessons

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"clusterscope/patterns"
	"clusterscope/patterns/kit"

	"github.com/stretchr/testify/assert"
)

// Every live pattern has a lesson with a scenario, a prediction question,
// and, when the pattern declares broken variants, a story that switches one
// on: what is checked comes from each pattern's declaration, whatever its
// mechanism.
func TestEveryLivePatternHasALesson(t *testing.T) {
	lib, err := Bundled()
	if err != nil {
		t.Fatalf("bundled lessons do not load:\n%v", err)
	}
	for _, p := range patterns.Live() {
		t.Run(p.ID, func(t *testing.T) {
			l, ok := lib.Lesson(p.ID)
			if !ok || l.Markdown == "" || len(l.Scenarios) == 0 {
				t.Fatalf("no lesson text or no scenario in lessons/%s/", p.ID)
			}
			var questions, brokenVariants int
			for _, sc := range l.Scenarios {
				for _, st := range sc.Steps {
					if st.Kind == StepQuestion {
						questions++
					}
				}
				brokenVariants += len(sc.Variants)
			}
			if questions == 0 {
				t.Error("no scenario asks a prediction question")
			}
			if len(p.Cluster.Variants) > 0 && brokenVariants == 0 {
				t.Errorf("the pattern declares %d broken variant(s) but no scenario tells a broken-variant story", len(p.Cluster.Variants))
			}
		})
	}
}

var update = flag.Bool("update", false, "rewrite what the tests generate: README.md's fact tables and the golden transcripts in testdata/transcripts")

// goldenDir holds every bundled scenario's transcript, as `clusterscope run`
// prints it: a change in what a lesson shows (narration, notable events,
// answers, the trace hash) is a diff to review, written with -update.
const goldenDir = "testdata/transcripts"

// Every bundled scenario plays with all its expectations holding, and its
// transcript is the golden one.
func TestBundledScenariosHold(t *testing.T) {
	lib, err := Bundled()
	if err != nil {
		t.Fatalf("bundled lessons do not load:\n%v", err)
	}
	kept := map[string]bool{}
	for _, id := range lib.Patterns() {
		l, _ := lib.Lesson(id)
		for _, sc := range l.Scenarios {
			golden := filepath.Join(goldenDir, id, sc.Name+".txt")
			kept[golden] = true
			t.Run(sc.File, func(t *testing.T) {
				var out strings.Builder
				res, err := Run(sc, &out)
				if err != nil {
					t.Fatalf("%v\n%s", err, out.String())
				}
				if res.Expects == 0 {
					t.Error("the scenario checks nothing (no expect step)")
				}
				checkGolden(t, golden, out.String())
			})
		}
	}
	// A golden file without its scenario is stale.
	files, _ := filepath.Glob(filepath.Join(goldenDir, "*", "*.txt"))
	for _, f := range files {
		if kept[f] {
			continue
		}
		if *update {
			if err := os.Remove(f); err != nil {
				t.Error(err)
			}
			continue
		}
		t.Errorf("%s belongs to no bundled scenario: run go test ./lessons -run TestBundledScenariosHold -update", f)
	}
}

// checkGolden compares a transcript with its golden file, or rewrites the
// file under -update.
func checkGolden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("no golden transcript (%v): run go test ./lessons -run TestBundledScenariosHold -update and review the new file", err)
	}
	assert.Equal(t, string(want), got, "the transcript differs from %s: if the change is meant, run go test ./lessons -run TestBundledScenariosHold -update and review the diff", path)
}

// A false expect fails the run with the step's file:line, and the
// transcript marks it.
func TestFalseExpectNamesTheStep(t *testing.T) {
	sc := parseToy(t, toyHeader+"  - run: 1s\n  - expect: {condition: 'leader == \"cyrene\"', message: cyrene should lead}\n  - say: never reached\n")
	var out strings.Builder
	res, err := Run(sc, &out)
	if err == nil {
		t.Fatal("a false expect passed")
	}
	e := Errors(err)[0]
	if e.File != "toy/test.yaml" || e.Line != 5 || !strings.Contains(err.Error(), "toy/test.yaml:5:5: expect failed") ||
		!strings.Contains(err.Error(), `leader = "athens"`) || !strings.Contains(err.Error(), "cyrene should lead") {
		t.Fatalf("error %q", err)
	}
	if !strings.Contains(out.String(), "✗") || strings.Contains(out.String(), "never reached") || res.Steps != 2 {
		t.Fatalf("transcript:\n%s", out.String())
	}
}

func TestUntilTimesOut(t *testing.T) {
	sc := parseToy(t, toyHeader+"  - run: {until: 'leader == \"cyrene\"', limit: 700ms}\n")
	pl, err := NewPlayer(sc)
	if err != nil {
		t.Fatal(err)
	}
	_, err = pl.Step()
	if err == nil || !strings.Contains(err.Error(), "toy/test.yaml:4:5") || !strings.Contains(err.Error(), "still false after 700ms") {
		t.Fatalf("error %v", err)
	}
	if got := pl.Sim().Now(); got != 700*time.Millisecond {
		t.Fatalf("the limit was not kept: stopped at %v", got)
	}
}

func TestRefusedCommandNamesTheStep(t *testing.T) {
	sc := parseToy(t, toyHeader+"  - restart: athens\n")
	_, err := Run(sc, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "toy/test.yaml:4:5: restart: athens is not crashed") {
		t.Fatalf("error %v", err)
	}
}

// Message selectors pick the oldest matching message in flight.
func TestSelectorPicksOldest(t *testing.T) {
	sc := parseToy(t, toyHeader+"  - manual: on\n  - run: 350ms\n  - drop: {from: byzantium, to: cyrene}\n")
	pl, _ := NewPlayer(sc)
	pl.Step()
	pl.Step()
	var want uint64
	for _, m := range pl.Sim().InFlight() {
		if m.From == "byzantium" && m.To == "cyrene" {
			want = m.ID
			break
		}
	}
	o, err := pl.Step()
	if err != nil || want == 0 || o.Command.Msg != want {
		t.Fatalf("picked %+v (want #%d): %v", o.Command, want, err)
	}
}

func TestHostileMarkdownIsInert(t *testing.T) {
	src := "# T<script>alert(1)</script>\n\n<script>alert(2)</script>\n\n<img src=x onerror=alert(3)>\n\n" +
		"[click](javascript:alert(4)) [v](vbscript:msgbox) <javascript:alert(5)> [ok](https://example.org)\n\n" +
		"<a href=\"javascript:alert(6)\">a</a> ![i](javascript:alert(7))\n"
	html := string(renderMarkdown(src))
	for _, bad := range []string{"<script", "onerror", "href=\"javascript:", "src=\"javascript:", "vbscript:", "<img src=\"x\"", "<iframe"} {
		if strings.Contains(strings.ToLower(html), bad) {
			t.Errorf("rendered HTML contains %q:\n%s", bad, html)
		}
	}
	if !strings.Contains(html, `<a href="https://example.org">ok</a>`) {
		t.Errorf("a safe link was lost:\n%s", html)
	}
	// Narration and questions go through the same renderer.
	sc := parseToy(t, toyHeader+"  - say: \"<script>x()</script> [a](javascript:x())\"\n  - pause: {question: \"<b onclick=x()>q</b>\", choices: [a, b], answer: a, explain: \"<iframe src=x>\"}\n")
	for _, h := range []string{string(sc.Steps[0].HTML), string(sc.Steps[1].Question.HTML), string(sc.Steps[1].Question.ExplainHTML)} {
		if strings.Contains(h, "<script") || strings.Contains(h, "javascript:") || strings.Contains(h, "onclick") || strings.Contains(h, "<iframe") {
			t.Errorf("hostile narration rendered live: %s", h)
		}
	}
}

func TestLoadMergeAndFingerprint(t *testing.T) {
	ours := fstest.MapFS{
		"toy/lesson.md":    {Data: []byte("# Toy lesson\n\nOurs.")},
		"toy/a.yaml":       {Data: []byte("title: ours a\nsteps:\n  - run: 1s\n")},
		"toy/b.yaml":       {Data: []byte("title: ours b\nsteps:\n  - run: 1s\n")},
		"README.md":        {Data: []byte("ignored")},
		"toy/notes.txt":    {Data: []byte("ignored")},
		"_drafts/x.yaml":   {Data: []byte("not: loaded")},
		"heartbeat/x.yaml": {Data: []byte("title: wrong folder\npattern: toy\nsteps: []\n")},
		"nosuch/lesson.md": {Data: []byte("# x")},
	}
	base, err := load(ours, "bundled", toyLookup)
	list := Errors(err)
	if len(list) != 2 || !strings.HasPrefix(list[0].Error(), "heartbeat/x.yaml:2:10:") || !strings.Contains(list[1].Error(), `folder "nosuch" is not a pattern id`) {
		t.Fatalf("errors: %v", err)
	}
	l, ok := base.Lesson("toy")
	if !ok || l.Title != "Toy lesson" || !strings.Contains(string(l.HTML), "<p>Ours.</p>") || len(l.Scenarios) != 2 {
		t.Fatalf("lesson %+v", l)
	}
	theirs := fstest.MapFS{
		"toy/b.yaml": {Data: []byte("title: theirs b\nsteps:\n  - run: 2s\n")},
		"toy/c.yaml": {Data: []byte("title: theirs c\nsteps:\n  - run: 2s\n")},
	}
	over, err := load(theirs, "instructor", toyLookup)
	if err != nil {
		t.Fatal(err)
	}
	m := Merge(base, over)
	l, _ = m.Lesson("toy")
	var titles []string
	for _, s := range l.Scenarios {
		titles = append(titles, s.Title)
	}
	if l.Title != "Toy lesson" || strings.Join(titles, ",") != "ours a,theirs b,theirs c" {
		t.Fatalf("merged: %q %v", l.Title, titles)
	}
	if sc, _ := base.Scenario("toy", "b"); sc.Title != "ours b" {
		t.Fatal("Merge changed its input")
	}
	// Their lesson text wins too.
	theirs["toy/lesson.md"] = &fstest.MapFile{Data: []byte("# Their toy\n")}
	over, _ = load(theirs, "instructor", toyLookup)
	if l, _ := Merge(base, over).Lesson("toy"); l.Title != "Their toy" || l.Source != "instructor" {
		t.Fatalf("lesson text: %+v", l)
	}
	if infos := l.Infos(); len(infos) != 3 || infos[0].Path != "toy/a.yaml" {
		t.Fatalf("infos %+v", infos)
	}

	f1, _ := Fingerprint(theirs)
	theirs["toy/c.yaml"] = &fstest.MapFile{Data: []byte("title: theirs c, edited\nsteps:\n  - run: 2s\n")}
	f2, _ := Fingerprint(theirs)
	if f1 == "" || f1 == f2 {
		t.Fatalf("fingerprint did not change on an edit: %s %s", f1, f2)
	}
}

// The schema lists exactly the step kinds the loader knows, and parses as
// JSON.
func TestSchemaMatchesLoader(t *testing.T) {
	var s struct {
		Defs struct {
			Step struct {
				OneOf []struct {
					Properties map[string]json.RawMessage `json:"properties"`
				} `json:"oneOf"`
			} `json:"step"`
		} `json:"$defs"`
		Properties map[string]json.RawMessage `json:"properties"`
	}
	if err := json.Unmarshal(Schema(), &s); err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, o := range s.Defs.Step.OneOf {
		for k := range o.Properties {
			kinds = append(kinds, k)
		}
	}
	sort.Strings(kinds)
	want := append([]string(nil), stepKinds...)
	sort.Strings(want)
	if strings.Join(kinds, " ") != strings.Join(want, " ") {
		t.Fatalf("schema steps %v\nloader steps %v", kinds, want)
	}
	var header []string
	for k := range s.Properties {
		header = append(header, k)
	}
	sort.Strings(header)
	wantHeader := append([]string(nil), headerKeys...)
	sort.Strings(wantHeader)
	if strings.Join(header, " ") != strings.Join(wantHeader, " ") {
		t.Fatalf("schema header %v, loader %v", header, wantHeader)
	}
}

// Pages that declare the same facts (those of one mechanism) share one fact
// table in README.md, generated from the declaration between markers that
// name any one of those pages.
func factsMarkers(id string) (begin, end string) {
	return "<!-- begin facts of " + id + " and every page declaring the same facts; go test ./lessons -run TestReadmeDocumentsEveryName -update -->\n", "<!-- end facts -->\n"
}

// factsTable renders a pattern's declared facts as a Markdown table.
func factsTable(c *kit.Cluster) string {
	var b strings.Builder
	b.WriteString("| fact | on | type | meaning |\n|---|---|---|---|\n")
	typeName := map[string]string{kit.FactInt: "int", kit.FactFloat: "float", kit.FactString: "text", kit.FactBool: "bool",
		kit.FactIntMap: "map of int", kit.FactFloatMap: "map of float", kit.FactStringMap: "map of text", kit.FactBoolMap: "map of bool"}
	for _, l := range []struct {
		on   string
		list []kit.FactDoc
	}{{"cluster", c.ClusterFacts.Declared()}, {"server", c.NodeFacts.Declared()}, {"client", c.ClientFacts.Declared()}} {
		for _, f := range l.list {
			fmt.Fprintf(&b, "| `%s` | %s | %s | %s |\n", f.Name, l.on, typeName[f.Type], strings.ReplaceAll(f.Doc, "|", "\\|"))
		}
	}
	return b.String()
}

// README.md documents every name a condition can use on every live page:
// each distinct fact declaration has its generated table, every built-in
// name is documented, and every invariant a page checks is named.
func TestReadmeDocumentsEveryName(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(readme)
	var tables []string            // distinct fact tables, in the registry's order
	pages := map[string][]string{} // fact table → the pages declaring it
	for _, p := range patterns.Live() {
		// Each setup is a cluster with facts of its own: "<page> setup <name>".
		ids, clusters := []string{p.ID}, []*kit.Cluster{p.Cluster}
		for i, s := range p.Cluster.Setups {
			if i > 0 {
				ids, clusters = append(ids, p.ID+" setup "+s.Name), append(clusters, s.Cluster)
			}
		}
		for i, c := range clusters {
			want := factsTable(c)
			if pages[want] == nil {
				tables = append(tables, want)
			}
			pages[want] = append(pages[want], ids[i])
		}
	}
	for _, want := range tables {
		ids := pages[want]
		b, e := -1, -1
		var begin string
		for _, id := range ids {
			var end string
			begin, end = factsMarkers(id)
			if b = strings.Index(doc, begin); b >= 0 {
				e = b + strings.Index(doc[b:], end)
				break
			}
		}
		if b < 0 || e < b {
			begin, end := factsMarkers(ids[0])
			t.Errorf("README.md lacks the fact table of %s: add the lines\n%s%sthen run go test ./lessons -run TestReadmeDocumentsEveryName -update", strings.Join(ids, ", "), begin, end)
			continue
		}
		if got := doc[b+len(begin) : e]; got != want {
			if !*update {
				t.Errorf("README.md's fact table of %s differs from their declaration; run go test ./lessons -run TestReadmeDocumentsEveryName -update\nwant:\n%s", strings.Join(ids, ", "), want)
				continue
			}
			doc = doc[:b+len(begin)] + want + doc[e:]
		}
	}
	if *update && doc != string(readme) {
		if err := os.WriteFile("README.md", []byte(doc), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, n := range builtinNames {
		if !strings.Contains(doc, "`"+n+"`") && !strings.Contains(doc, "`"+n+".") {
			t.Errorf("README.md does not document %q", n)
		}
	}
	for _, p := range patterns.Live() {
		for _, inv := range patternInvariants(t, p.ID) {
			if !strings.Contains(doc, "`"+inv+"`") {
				t.Errorf("%s: README.md does not name invariant %q", p.ID, inv)
			}
		}
	}
}

func patternInvariants(t *testing.T, id string) []string {
	pat, _ := patterns.ByID(id)
	setups := []string{""} // every setup of the page: a scenario may pick any
	for _, s := range pat.Cluster.Setups {
		setups = append(setups, s.Name)
	}
	var out []string
	seen := map[string]bool{}
	for _, setup := range setups {
		cfg, err := pat.ConfigFor(setup, 0, 1, nil)
		if err != nil {
			t.Fatal(err)
		}
		sim, err := pat.NewSim(cfg)
		if err != nil {
			t.Fatal(err)
		}
		for _, inv := range sim.Invariants() {
			if !seen[inv.Name] {
				seen[inv.Name] = true
				out = append(out, inv.Name)
			}
		}
	}
	return out
}
