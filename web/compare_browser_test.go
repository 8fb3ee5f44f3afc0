package web_test

import (
	"fmt"
	"strings"
	"testing"

	"clusterscope/web/browsertest"

	"github.com/chromedp/chromedp"
)

// A learner on Majority Quorum as it should be compares it with "quorum =
// ⌊N/2⌋" on the same seed: both clusters side by side, the step where they
// first differ named and marked on the timeline, each run's verdict shown
// (only the compared one breaks), and the button there seeks to that step.
func TestBrowserCompareSideBySide(t *testing.T) {
	ts := startServer(t)
	for _, size := range [][2]int{{1024, 768}, {1366, 768}, {1920, 1080}} {
		b := browsertest.Tab(t, size[0], size[1])
		do(t, b, "open the page", chromedp.Navigate(ts.URL+"/patterns/majority-quorum?seed=1"))
		poll[bool](t, b, "the page", `!!document.querySelector('[data-action="compare"]') && !!document.querySelector('[data-view="cluster"] [data-node]')`)
		do(t, b, "compare", chromedp.Click(`[data-action="compare"]`, chromedp.NodeVisible))
		poll[bool](t, b, "the twin drawn", `document.querySelectorAll('[data-view="compare"] [data-node]').length === document.querySelectorAll('[data-view="cluster"] > svg [data-node]').length`)
		do(t, b, "run 2 s", chromedp.Evaluate[chromedp.Void](`window.clusterscope.send({type:'run', dur:'2s'})`))
		poll[bool](t, b, "the divergence named", `!!document.querySelector('[data-action="seek-divergence"]') && !!document.querySelector('.tl-tick.diverge')`)
		poll[bool](t, b, "the twin broken", `document.querySelector('[data-view="compare"] .compare-head .bad') !== null`)
		mine := eval[string](t, b, `document.querySelector('.compare-mine').innerText`)
		if !strings.Contains(mine, "nothing broken") {
			t.Errorf("this run's verdict: %q", mine)
		}
		if !eval[bool](t, b, `document.querySelector('[data-view="compare"] [data-node].violating') !== null`) {
			t.Error("no node of the compared run is drawn as violating")
		}
		viewportShot(t, b, fmt.Sprintf("compare-%dx%d", size[0], size[1]))
		want := eval[int](t, b, `+document.querySelector('[data-action="seek-divergence"]').textContent.match(/\d+/)[0]`)
		do(t, b, "go to the divergence", chromedp.Click(`[data-action="seek-divergence"]`, chromedp.NodeVisible))
		poll[bool](t, b, "the run at that step", fmt.Sprintf(`%s === %d`, stepExpr, want))
		do(t, b, "stop comparing", chromedp.Click(`[data-action="compare"]`, chromedp.NodeVisible))
		poll[bool](t, b, "the twin gone", `document.querySelector('[data-view="compare"]').hidden`)
		noBrowserErrors(t, b)
	}
}

// An instructor's page embeds a pattern with compare=1: the frame opens with
// the compared run drawn beside the cluster.
func TestBrowserEmbedOpensCompareMode(t *testing.T) {
	ts := startServer(t)
	b := browsertest.Tab(t, 1366, 768)
	do(t, b, "open the embed", chromedp.Navigate(ts.URL+"/embed/majority-quorum?compare=1"))
	poll[bool](t, b, "the twin drawn", `document.querySelector('[data-view="cluster"]').dataset.compare === 'on' && document.querySelectorAll('[data-view="compare"] [data-node]').length > 0`)
	viewportShot(t, b, "embed-compare-1366x768")
	noBrowserErrors(t, b)
}

// Majority Quorum's broken story opens compare mode with its compare step:
// the run with half a quorum and the pattern as it should be side by side.
// Going back to the story's start, before that step, closes it again.
func TestBrowserStoryOpensCompareMode(t *testing.T) {
	ts := startServer(t)
	b := browsertest.Tab(t, 1366, 768)
	do(t, b, "open the page", chromedp.Navigate(ts.URL+"/patterns/majority-quorum"))
	poll[bool](t, b, "the cluster", `document.querySelectorAll('[data-view="cluster"] > svg [data-node]').length === 7`)
	do(t, b, "open the story", chromedp.Click(`.scenario-list [data-scenario="1-two-halves"]`, chromedp.NodeVisible))
	poll[bool](t, b, "the story", `document.querySelector('[data-view="story"]').dataset.active === 'true'`)
	// Answer any question with its first choice, else go on, until compare mode opens.
	poll[bool](t, b, "compare mode opened by the story", `document.querySelector('[data-view="cluster"]').dataset.compare === 'on' || (() => {
		const q = document.querySelector('[data-view="question"][data-answered="false"] [data-choice="0"]');
		if (q) q.click(); else window.clusterscope.send({type: 'scenario-next'});
		return false; })()`)
	if got := eval[string](t, b, `document.querySelector('[data-view="compare"] .compare-head').innerText`); !strings.Contains(got, "the pattern as it should be") {
		t.Errorf("compared run: %q", got)
	}
	do(t, b, "back to the story's start", chromedp.Evaluate[chromedp.Void](`window.clusterscope.send({type: 'scenario-restart'})`))
	poll[bool](t, b, "compare mode closed", `document.querySelector('[data-view="cluster"]').dataset.compare === 'off'`)
	noBrowserErrors(t, b)
}

// In compare mode the compared run's space-time diagram stands beside the
// run's, showing the same stretch of virtual time, and both mark where the
// runs first differ at the same height; the counters panel shows each run's
// messages.
func TestBrowserCompareDiagramsAndCounters(t *testing.T) {
	ts := startServer(t)
	b := browsertest.Tab(t, 1366, 768)
	do(t, b, "open the page", chromedp.Navigate(ts.URL+"/patterns/majority-quorum?seed=1"))
	poll[bool](t, b, "the page", `!!document.querySelector('[data-view="cluster"] [data-node]') && !!document.querySelector('[data-view="counters"] [data-count="messages"]')`)
	if !eval[bool](t, b, `document.querySelector('[data-view="spacetime-twin"]').hidden`) {
		t.Error("the compared run's diagram shows before compare mode")
	}
	do(t, b, "compare", chromedp.Click(`[data-action="compare"]`, chromedp.NodeVisible))
	do(t, b, "run 2 s", chromedp.Evaluate[chromedp.Void](`window.clusterscope.send({type:'run', dur:'2s'})`))
	poll[bool](t, b, "diverged", `(window.clusterscope.state.compare || {}).diverged > 0 && window.clusterscope.state.time >= 2000000`)
	do(t, b, "show the diagrams", chromedp.Evaluate[chromedp.Void](`document.querySelector('[data-view="spacetime"]').scrollIntoView()`))
	for range 4 {
		do(t, b, "zoom out", chromedp.Click(`[data-st="zoom-out"]`, chromedp.NodeVisible))
	}
	poll[bool](t, b, "the divergence marked on both diagrams", `document.querySelectorAll('[data-view="spacetime"] line[data-diverge], [data-view="spacetime-twin"] line[data-diverge]').length === 2`)
	want := eval[int](t, b, `window.clusterscope.state.compare.diverged`)
	marks := eval[[]float64](t, b, `[...document.querySelectorAll('line[data-diverge]')].map((l) => +l.dataset.diverge)`)
	for _, m := range marks {
		if int(m) != want {
			t.Errorf("a diagram marks step %v, the runs differ from step %d", m, want)
		}
	}
	// Aligned: the mark at the same height in both (the compared diagram
	// follows the run's on its next frame).
	poll[bool](t, b, "the divergence marks side by side", `(() => {
		const ys = [...document.querySelectorAll('line[data-diverge]')].map((l) => l.getBoundingClientRect().top);
		return ys.length === 2 && Math.abs(ys[0] - ys[1]) <= 1; })()`)
	lanes := eval[int](t, b, `document.querySelectorAll('[data-view="spacetime-twin"] .st-lane').length`)
	arrows := eval[int](t, b, `document.querySelectorAll('[data-view="spacetime-twin"] .st-msg').length`)
	if lanes == 0 || arrows == 0 {
		t.Errorf("the compared run's diagram has %d lane stretches and %d arrows", lanes, arrows)
	}
	viewportShot(t, b, "compare-diagrams-1366x768")

	do(t, b, "show the counters", chromedp.Evaluate[chromedp.Void](`document.querySelector('[data-view="counters"]').scrollIntoView()`))
	for _, run := range []struct{ block, state string }{{"run", "window.clusterscope.state.traffic"}, {"compared", "window.clusterscope.state.compare.traffic"}} {
		shown := eval[string](t, b, fmt.Sprintf(`document.querySelector('[data-view="counters"] [data-run="%s"] [data-count="messages"]').textContent`, run.block))
		total := eval[int](t, b, run.state+`.total.messages`)
		if total == 0 || strings.ReplaceAll(shown, ",", "") != fmt.Sprint(total) {
			t.Errorf("%s: the panel says %q messages, the run sent %d", run.block, shown, total)
		}
	}
	viewportShot(t, b, "compare-counters-1366x768")
	do(t, b, "stop comparing", chromedp.Evaluate[chromedp.Void](`window.clusterscope.send({type:'compare-off'})`))
	poll[bool](t, b, "one diagram and one block again", `document.querySelector('[data-view="spacetime-twin"]').hidden && !document.querySelector('[data-view="counters"] [data-run="compared"]')`)
	noBrowserErrors(t, b)
}
