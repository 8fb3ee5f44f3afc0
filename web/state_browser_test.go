package web_test

import (
	"fmt"
	"testing"

	"clusterscope/web/browsertest"

	"github.com/chromedp/chromedp"
)

// Browser tests of state the page derives from the frames (static/app.js):
// what a snapshot without a field must clear, and what a delta that omits
// an unchanged field must not freeze.

const spaceTimeScroll = `document.querySelector('[data-view="spacetime"] .st-scroll')`

// violationMarkerAt scrolls the space-time diagram to top (px), draws it
// at once and says whether a violation bar is drawn there.
func violationMarkerAt(t *testing.T, b *browsertest.Browser, top int) bool {
	t.Helper()
	return eval[bool](t, b, fmt.Sprintf(`(() => { %s.scrollTop = %d; window.clusterscope.views.spacetime.render(); return !!document.querySelector('[data-view="spacetime"] .st-violation'); })()`, spaceTimeScroll, top))
}

func TestBrowserSpaceTimeDropsViolationsOnSeekAndReset(t *testing.T) {
	ts := startServer(t)
	b := browsertest.New(t, 1400, 1000)
	do(t, b, "open heartbeat with the broken variant", chromedp.Navigate(ts.URL+"/patterns/heartbeat?seed=2&variants=timeout-below-interval"))
	poll[bool](t, b, "the cluster", `document.querySelectorAll('[data-view="cluster"] [data-node]').length === 5`)
	loadSpaceTime(t, b)
	// Where the bar is drawn is noted when it is first seen: frames that
	// arrive before the pause may scroll it out of the drawn window.
	playUntilAt(t, b, "1", "a violation in the diagram", `(() => { const bar = document.querySelector('[data-view="spacetime"] .st-violation'); if (bar) window.violationY = +bar.getAttribute('y'); return bar; })()`)
	// After the seek the diagram is scrolled back there (the old future
	// keeps that stretch of the diagram).
	top := eval[int](t, b, `Math.max(0, Math.round(window.violationY - `+spaceTimeScroll+`.clientHeight / 2))`)
	if !violationMarkerAt(t, b, top) {
		t.Fatal("no violation bar where it was drawn")
	}

	// Step 0: the snapshot there has no violations, so none is drawn.
	do(t, b, "seek to step 0", chromedp.Evaluate[chromedp.Void](`window.clusterscope.send({ type: 'seek', step: 0 })`))
	poll[bool](t, b, "the run at step 0", stepExpr+` === 0 && !document.querySelector('[data-view="invariants"] .inv.bad')`)
	if violationMarkerAt(t, b, top) {
		t.Error("after going back to step 0 the diagram still shows the violation")
	}

	// The same after a reset, from a run that broke the invariant again.
	playUntilAt(t, b, "1", "the violation again", `document.querySelector('[data-view="invariants"] .inv.bad')`)
	if !violationMarkerAt(t, b, top) {
		t.Fatal("no violation bar after playing into it again")
	}
	do(t, b, "reset", chromedp.Click(`[data-action="reset"]`, chromedp.NodeVisible))
	poll[bool](t, b, "the fresh run", stepExpr+` === 0 && !document.querySelector('[data-view="invariants"] .inv.bad')`)
	if violationMarkerAt(t, b, top) {
		t.Error("after a reset the diagram still shows the violation")
	}
	noBrowserErrors(t, b)
}

// clockLabel is the text of node id's clock under its circle in the cluster.
func clockLabel(id string) string {
	return fmt.Sprintf(`document.querySelector('[data-view="cluster"] [data-node=%q] .clock').textContent`, id)
}

// setClock sets one of node id's clock controls (offset, drift, jump) from its menu.
func setClock(t *testing.T, b *browsertest.Browser, id, action string, v int) {
	t.Helper()
	do(t, b, "open the node menu", chromedp.Click(fmt.Sprintf(`[data-view="cluster"] [data-node=%q]`, id), chromedp.NodeVisible))
	sel := fmt.Sprintf(`[data-view="menu"] [data-action=%q]`, action)
	do(t, b, "set the "+action, chromedp.SetValue(fmt.Sprintf(`[data-view="menu"] .row:has(> [data-action=%q]) input`, action), fmt.Sprint(v)), chromedp.Click(sel, chromedp.NodeVisible))
}

func TestBrowserClockFollowsClusterTimeAfterSkewRemoved(t *testing.T) {
	b, _ := openLeaderAndFollowers(t, "?seed=1")
	const id = "athens"
	const clusterTime = `(+document.querySelector('[data-time]').dataset.time / 1e6).toFixed(3) + 's'`
	setClock(t, b, id, "offset", 5000)
	poll[bool](t, b, "the skewed clock", clockLabel(id)+`.endsWith('(ahead 5s)')`)
	playUntil(t, b, "time to pass", `+document.querySelector('[data-time]').dataset.time > 200000`)
	skewed := eval[string](t, b, clockLabel(id))
	if want := eval[string](t, b, clusterTime); skewed == want || skewed == want+" (ahead 5s)" {
		t.Fatalf("a clock 5 s ahead reads %q, the cluster's time is %q", skewed, want)
	}

	// Back to true time: it is no longer skewed, and it reads the cluster's
	// time from then on.
	setClock(t, b, id, "offset", 0)
	poll[bool](t, b, "the clock unskewed", `!`+clockLabel(id)+`.endsWith(')')`)
	from := eval[int](t, b, `+document.querySelector('[data-time]').dataset.time`)
	playUntil(t, b, "time to pass", fmt.Sprintf(`+document.querySelector('[data-time]').dataset.time > %d`, from+300000))
	poll[bool](t, b, "the pause drawn", `window.clusterscope.state.play.playing === false`)
	got, want := eval[string](t, b, clockLabel(id)), eval[string](t, b, clusterTime)
	if got != want {
		t.Errorf("%s's clock reads %q after its skew was removed, the cluster's time is %q", id, got, want)
	}
	panel := eval[string](t, b, fmt.Sprintf(`document.querySelector('[data-panel=%q] .pclock').textContent`, id))
	if panel != want {
		t.Errorf("%s's panel clock reads %q, the cluster's time is %q", id, panel, want)
	}
	noBrowserErrors(t, b)
}
