package lessons

import (
	"regexp"
	"strings"
	"testing"

	gast "github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/text"

	"clusterscope/patterns"
	"clusterscope/patterns/kit"
)

// knownNames are the names a lesson may write as `code` besides a
// condition: every live page's setups, and the variants, settings and
// actions of each, and its invariants (a lesson may point at another
// page's variant).
func knownNames(t *testing.T) map[string]bool {
	t.Helper()
	known := map[string]bool{}
	for _, p := range patterns.Live() {
		clusters := []*kit.Cluster{p.Cluster}
		for _, s := range p.Cluster.Setups {
			known[s.Name] = true
			clusters = append(clusters, s.Cluster)
		}
		for _, c := range clusters {
			for _, v := range c.Variants {
				known[v.Name] = true
			}
			for _, s := range c.Settings {
				known[s.Name] = true
			}
			for _, a := range c.Actions {
				known[a.Name] = true
			}
		}
		for _, inv := range patternInvariants(t, p.ID) {
			known[inv] = true
		}
	}
	return known
}

// codeSpans lists the text of every `code` span in a Markdown source.
func codeSpans(src string) []string {
	source := []byte(src)
	var out []string
	_ = gast.Walk(md.Parser().Parse(text.NewReader(source)), func(n gast.Node, entering bool) (gast.WalkStatus, error) {
		if c, ok := n.(*gast.CodeSpan); ok && entering {
			var b strings.Builder
			for ch := c.FirstChild(); ch != nil; ch = ch.NextSibling() {
				if seg, ok := ch.(*gast.Text); ok {
					b.Write(seg.Segment.Value(source))
				}
			}
			out = append(out, b.String())
			return gast.WalkSkipChildren, nil
		}
		return gast.WalkContinue, nil
	})
	return out
}

// violatedName finds the invariant names a condition tests with
// `"name" in violated`.
var violatedName = regexp.MustCompile(`"([^"]+)"\s+in\s+violated`)

// A lesson names only what exists: every `code` span in lesson.md and in a
// scenario's narration and questions is a variant, invariant, setting or
// action of a live page, or a condition over the page's facts that the
// condition checker accepts; every "name" in violated in a scenario's
// conditions is an invariant of its page. (Variants in `variants:` and
// `variant:` steps are checked when the file loads.)
func TestLessonsNameOnlyWhatExists(t *testing.T) {
	lib, err := Bundled()
	if err != nil {
		t.Fatalf("bundled lessons do not load:\n%v", err)
	}
	known := knownNames(t)
	for _, id := range lib.Patterns() {
		l, _ := lib.Lesson(id)
		if len(l.Scenarios) == 0 {
			continue
		}
		// Conditions are checked against the page's facts through the
		// scenario's own condition checker.
		env := l.Scenarios[0].env
		check := func(where, span string) {
			if known[span] {
				return
			}
			if _, fe := env.compile("(" + span + ") == (" + span + ")"); fe != nil {
				t.Errorf("%s names `%s`, which is no variant, invariant, setting or action of a live page, nor a fact of %s (%s)", where, span, id, fe.Message)
			}
		}
		for _, span := range codeSpans(l.Markdown) {
			check(id+"/lesson.md", span)
		}
		invariants := map[string]bool{}
		for _, inv := range patternInvariants(t, id) {
			invariants[inv] = true
		}
		for _, sc := range l.Scenarios {
			texts := []string{sc.Description}
			for _, st := range sc.Steps {
				texts = append(texts, st.Text)
				if q := st.Question; q != nil {
					texts = append(append(texts, q.Text, q.Explain), q.Choices...)
				}
				var cond string
				switch {
				case st.Expect != nil:
					cond = st.Expect.Condition
				case st.Run != nil:
					cond = st.Run.Until
				}
				for _, m := range violatedName.FindAllStringSubmatch(cond, -1) {
					if !invariants[m[1]] {
						t.Errorf("%s:%d: %q is no invariant of %s (it has: %s)", sc.File, st.Line, m[1], id, strings.Join(sortedKeys(invariants), ", "))
					}
				}
			}
			for _, s := range texts {
				for _, span := range codeSpans(s) {
					check(sc.File, span)
				}
			}
		}
	}
}
