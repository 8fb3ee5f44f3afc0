package web

import (
	"encoding/json"
	"io/fs"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"clusterscope/engine"
	"clusterscope/patterns"
	"clusterscope/static"
)

// rendererKinds reads the keys of the `renderers` registry in
// static/widgets.js: one `kind(w...) {` method per line at two spaces.
func rendererKinds(t *testing.T) []engine.WidgetKind {
	t.Helper()
	src, err := fs.ReadFile(static.FS, "widgets.js")
	if err != nil {
		t.Fatal(err)
	}
	text := string(src)
	start := strings.Index(text, "export const renderers = {")
	end := strings.Index(text[start:], "\n};")
	if start < 0 || end < 0 {
		t.Fatal("static/widgets.js has no `export const renderers = {...};` registry")
	}
	var kinds []engine.WidgetKind
	for _, m := range regexp.MustCompile(`(?m)^  ([a-z]+)\(w\b`).FindAllStringSubmatch(text[start:start+end], -1) {
		kinds = append(kinds, engine.WidgetKind(m[1]))
	}
	return kinds
}

func TestEveryWidgetKindHasOneRenderer(t *testing.T) {
	drawn := rendererKinds(t)
	for _, k := range engine.WidgetKinds() {
		if n := strings.Count(" "+joinKinds(drawn)+" ", " "+string(k)+" "); n != 1 {
			t.Errorf("widget kind %q has %d renderers in static/widgets.js, want 1", k, n)
		}
	}
	for _, k := range drawn {
		if !k.Known() {
			t.Errorf("static/widgets.js draws %q, which engine.WidgetKinds does not list", k)
		}
	}
}

func joinKinds(ks []engine.WidgetKind) string {
	s := make([]string, len(ks))
	for i, k := range ks {
		s[i] = string(k)
	}
	return strings.Join(s, " ")
}

// emittedKinds runs a pattern for a while and collects the widget kinds its
// node and cluster views use.
func emittedKinds(t *testing.T, p *patterns.Pattern) map[engine.WidgetKind]bool {
	t.Helper()
	cfg, err := p.Config(0, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	sim, err := p.NewSim(cfg)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[engine.WidgetKind]bool{}
	collect := func() {
		v := sim.View()
		ws := append([]engine.Widget(nil), v.Widgets...)
		for _, n := range v.Nodes {
			ws = append(ws, n.Widgets...)
		}
		for _, w := range ws {
			seen[w.Type] = true
		}
	}
	collect()
	for i := 0; i < 10; i++ {
		sim.RunFor(200*time.Millisecond, 0)
		collect()
	}
	return seen
}

func TestLivePatternsEmitOnlyKnownWidgets(t *testing.T) {
	for _, p := range append(patterns.All(), ShowcasePatterns()...) {
		if !p.Live() {
			continue
		}
		for k := range emittedKinds(t, p) {
			if !k.Known() {
				t.Errorf("%s emits widget kind %q, which the browser cannot draw (engine.WidgetKinds)", p.ID, k)
			}
		}
	}
}

// The showcase must show every kind: the browser test that draws it is the
// demo of the whole kit.
func TestShowcaseEmitsEveryWidgetKind(t *testing.T) {
	seen := emittedKinds(t, ShowcasePatterns()[0])
	for _, k := range engine.WidgetKinds() {
		if !seen[k] {
			t.Errorf("test-widgets never emits %q", k)
		}
	}
}

func TestDeltasCarryClusterWidgetsWhenTheyChange(t *testing.T) {
	p := ShowcasePatterns()[0]
	cfg, err := p.Config(0, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	s := &session{id: "t", pat: p, play: playState{Speed: 1}}
	if err := s.start(cfg, nil, 0); err != nil {
		t.Fatal(err)
	}
	snap := s.snapshotFrame()
	if len(snap.Cluster) != 5 {
		t.Fatalf("snapshot has %d cluster widgets, want 5", len(snap.Cluster))
	}
	// A run changes the received counts: the grid, the series and the
	// table of the cluster view follow.
	s.sim.RunFor(time.Second, 0)
	f, ok := s.deltaFrame()
	if !ok || f.CN == nil || *f.CN != 5 || len(f.CW) == 0 {
		t.Fatalf("delta after a run: cn=%v cw=%d, want the changed cluster widgets", f.CN, len(f.CW))
	}
	for _, p := range f.CW {
		if p.I < 0 || p.I >= 5 {
			t.Fatalf("patch at %d", p.I)
		}
	}
	// Nothing changed since: no cluster widgets in the next delta.
	f, _ = s.deltaFrame()
	if f.CN != nil || f.CW != nil {
		t.Fatalf("an unchanged cluster view was sent again: %+v", f.CW)
	}
	b, _ := json.Marshal(f)
	if strings.Contains(string(b), `"cw"`) || strings.Contains(string(b), `"cn"`) {
		t.Fatalf("empty cluster patch encoded: %s", b)
	}
	if !slices.ContainsFunc(snap.Cluster, func(w engine.Widget) bool { return w.Type == engine.WTable }) {
		t.Fatal("the transaction table is missing")
	}
}
