package web_test

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"clusterscope/engine"
	"clusterscope/web"
	"clusterscope/web/browsertest"
	"clusterscope/web/testlog"

	"github.com/chromedp/chromedp"
)

// Browser tests of the widget kit and the layouts, on the test-only
// showcase patterns (web/showcase_test.go).

func openShowcase(t *testing.T, page string, w, h, nodes int) *browsertest.Browser {
	t.Helper()
	srv := web.New(web.Options{Patterns: web.ShowcasePatterns(), Logger: testlog.New(t)})
	ts := httptest.NewServer(srv)
	t.Cleanup(func() { srv.Close(); ts.Close() })
	b := browsertest.Tab(t, w, h)
	do(t, b, "open "+page, chromedp.Navigate(ts.URL+"/patterns/"+page+"?seed=1"))
	poll[bool](t, b, "the cluster to appear", fmt.Sprintf(`document.querySelectorAll('[data-view="cluster"] .node.server').length === %d`, nodes))
	return b
}

// viewShot saves what a w×h screen shows, for people to look at.
func viewShot(t *testing.T, b *browsertest.Browser, name string, w, h int64) {
	t.Helper()
	do(t, b, "resize", chromedp.EmulateViewport(w, h))
	do(t, b, "top", chromedp.Evaluate[chromedp.Void](`window.scrollTo(0, 0)`))
	time.Sleep(0) // nothing to wait for: the capture below waits for a frame
	png, err := chromedp.Run(b.Ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatal(err)
	}
	dir := browsertest.ArtifactsDir()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, fmt.Sprintf("%s-%dx%d.png", name, w, h))
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", path)
}

func TestBrowserShowsEveryWidgetKind(t *testing.T) {
	b := openShowcase(t, "test-widgets", 1366, 768, 4)
	playUntil(t, b, "gossip counted in the cluster grid", `[...document.querySelectorAll('[data-view="cluster-panel"] .grid .cell')].some((c) => +c.textContent > 2)`)

	// Every kind the engine defines is drawn somewhere, by its renderer.
	for _, k := range engine.WidgetKinds() {
		n := poll[int](t, b, "widget "+string(k), fmt.Sprintf(`document.querySelectorAll('[data-widget=%q]').length`, k))
		if n == 0 {
			t.Errorf("no %q widget drawn", k)
		}
	}
	if n := eval[int](t, b, `[...document.querySelectorAll('.widget .empty')].filter((e) => e.textContent.includes('unknown widget')).length`); n != 0 {
		t.Errorf("%d widgets drawn as unknown", n)
	}
	// The cluster panel holds the pattern's cluster-level widgets.
	for sel, want := range map[string]int{
		`[data-view="cluster-panel"] [data-widget="table"] tbody tr`:       4,
		`[data-view="cluster-panel"] [data-widget="table"] td.state-ok`:    1,
		`[data-view="cluster-panel"] [data-widget="ranges"] tbody tr`:      2,
		`[data-view="cluster-panel"] [data-widget="grid"] .cell.state-ok`:  4,
		`[data-view="cluster-panel"] [data-widget="series"] polyline`:      1,
		`[data-view="cluster-panel"] [data-widget="deadline"] .deadline`:   1,
		`[data-view="nodes"] .panel`:                                       4,
		`[data-panel="athens"] [data-widget="versions"] .version.sibling`:  2,
		`[data-panel="athens"] [data-widget="versions"] .version.visible`:  1,
		`[data-panel="athens"] [data-widget="log"] .entry.compacted`:       1,
		`[data-panel="athens"] [data-widget="log"] .entry.segment-start`:   2,
		`[data-panel="athens"] [data-widget="log"] .entry.applied`:         2,
		`[data-panel="athens"] [data-widget="queue"] .qitem.state-pending`: 1,
		`[data-panel="athens"] [data-widget="gantt"] .grow`:                2,
		`[data-panel="athens"] [data-widget="gantt"] .gspan.wait`:          1,
		`[data-panel="athens"] [data-widget="gantt"] .gspan.open`:          1,
		`[data-panel="athens"] [data-widget="gantt"] .gspan.state-bad`:     2,
	} {
		if got := eval[int](t, b, fmt.Sprintf(`document.querySelectorAll(%q).length`, sel)); got != want {
			t.Errorf("%s: %d elements, want %d", sel, got, want)
		}
	}
	if pts := eval[string](t, b, `document.querySelector('[data-view="cluster-panel"] polyline').getAttribute('points')`); len(pts) < 8 {
		t.Errorf("the series line has no points: %q", pts)
	}

	// Tiers: the coordinator above its participants.
	if l := eval[string](t, b, `document.querySelector('[data-view="cluster"] svg').dataset.layout`); l != "tiers" {
		t.Errorf("layout %q, want tiers", l)
	}
	top := eval[[]float64](t, b, `['athens', 'byzantium', 'cyrene', 'delphi'].map((id) => document.querySelector('[data-node="' + id + '"] .body').getBoundingClientRect().y)`)
	for i, y := range top[1:] {
		if top[0] >= y-40 {
			t.Errorf("the coordinator (y %.0f) is not above participant %d (y %.0f)", top[0], i+1, y)
		}
	}

	// A lease ring empties with virtual time while the run plays.
	ringExpr := `document.querySelector('[data-panel="byzantium"] .dl-ring').getAttribute('stroke-dasharray') || ''`
	before := eval[string](t, b, ringExpr)
	playUntil(t, b, "the lease ring to move", ringExpr+` !== `+fmt.Sprintf("%q", before))
	noBrowserErrors(t, b)

	for _, size := range [][2]int64{{1024, 768}, {1366, 768}, {1920, 1080}} {
		viewShot(t, b, "widgets", size[0], size[1])
		// The gantt's axis labels stay readable in a node panel's narrow
		// track: no two of them overlap.
		if overlaps := eval[int](t, b, ganttLabelOverlaps); overlaps != 0 {
			t.Errorf("%dx%d: %d gantt axis labels overlap their neighbour", size[0], size[1], overlaps)
		}
		if off := eval[[]float64](t, b, ganttAxisOffsets); len(off) == 0 || slices.Max(off) > 1 {
			t.Errorf("%dx%d: the gantt axis is off its tracks by %v px", size[0], size[1], off)
		}
		do(t, b, "scroll to the panels", chromedp.Evaluate[chromedp.Void](`document.querySelector('#inside').scrollIntoView()`))
		png, err := chromedp.Run(b.Ctx, chromedp.CaptureScreenshot())
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(browsertest.ArtifactsDir(), fmt.Sprintf("widgets-panels-%dx%d.png", size[0], size[1]))
		if err := os.WriteFile(path, png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// ganttLabelOverlaps counts the gantt axis labels (in every node panel)
// whose box runs into the next label's.
const ganttLabelOverlaps = `[...document.querySelectorAll('[data-widget="gantt"] .gaxis')].reduce((n, axis) => {
  const r = [...axis.querySelectorAll('.gtlabel')].map((l) => l.getBoundingClientRect());
  return n + r.slice(1).filter((b, i) => b.left < r[i].right).length;
}, 0)`

// ganttAxisOffsets gives, for every gantt row, how far its track's edges
// are from the axis track's (0 when the ticks line up with the spans).
const ganttAxisOffsets = `[...document.querySelectorAll('[data-widget="gantt"]')].flatMap((g) => {
  const axis = g.querySelector('.gaxis .gtrack').getBoundingClientRect();
  return [...g.querySelectorAll('.grow .gtrack')].map((t) => {
    const r = t.getBoundingClientRect();
    return Math.max(Math.abs(r.left - axis.left), Math.abs(r.right - axis.right));
  });
})`

func TestBrowserLargeClusterLayout(t *testing.T) {
	b := openShowcase(t, "test-crowd", 1366, 768, 200)
	if l := eval[string](t, b, `document.querySelector('[data-view="cluster"] svg').dataset.layout`); l != "large" {
		t.Fatalf("layout %q, want large", l)
	}
	if n := eval[int](t, b, `document.querySelectorAll('[data-view="cluster"] .link').length`); n != 0 {
		t.Errorf("%d link lines drawn in a 200-node cluster, want none", n)
	}
	// Panels only for the nodes in focus: the 3 core nodes, then the selected one.
	if n := eval[int](t, b, `document.querySelectorAll('[data-view="nodes"] .panel').length`); n != 3 {
		t.Errorf("%d node panels, want the 3 core nodes'", n)
	}
	data := eval[string](t, b, `document.querySelectorAll('[data-view="cluster"] .node.server')[150].dataset.node`)
	do(t, b, "select a data node", chromedp.Click(fmt.Sprintf(`[data-view="cluster"] [data-node=%q]`, data), chromedp.NodeVisible))
	poll[bool](t, b, "its panel", fmt.Sprintf(`!!document.querySelector('[data-panel=%q]')`, data))
	do(t, b, "close the menu", chromedp.Evaluate[chromedp.Void](`document.dispatchEvent(new KeyboardEvent('keydown', {key: 'Escape'}))`))
	// Lanes grouped by role: one label per group.
	loadSpaceTime(t, b)
	if got := poll[string](t, b, "the lane groups", `[...document.querySelectorAll('[data-view="spacetime"] .st-group-name')].map((e) => e.textContent).join(',')`); got != "core ×3,data ×197" {
		t.Errorf("lane groups %q", got)
	}
	// Messages move, painted on the canvas over the diagram.
	playUntil(t, b, "messages in flight", `+(document.querySelector('[data-view="cluster"] .msg-canvas') || {dataset: {}}).dataset.drawn > 20`)
	poll[int](t, b, "the grid of 200", `document.querySelectorAll('[data-view="cluster-panel"] .grid .cell').length === 200 ? 1 : 0`)
	// The grid is recoloured in place as gossip reaches the nodes.
	playUntil(t, b, "cells turned green", `document.querySelectorAll('[data-view="cluster-panel"] .grid .cell.state-ok').length > 0`)
	noBrowserErrors(t, b)
	viewShot(t, b, "crowd", 1366, 768)
}

// TestServeShowcase serves the showcase patterns at $SHOWCASE_ADDR until
// killed, for /work/shared/tools/browserperf:
//
//	SHOWCASE_ADDR=127.0.0.1:8093 go test ./web -run TestServeShowcase -timeout 0
func TestServeShowcase(t *testing.T) {
	addr := os.Getenv("SHOWCASE_ADDR")
	if addr == "" {
		t.Skip("set SHOWCASE_ADDR to serve the showcase patterns")
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	srv := web.New(web.Options{Patterns: web.ShowcasePatterns(), Logger: testlog.New(t)})
	t.Logf("serving http://%s/patterns/test-crowd", addr)
	t.Fatal(http.Serve(l, srv))
}
