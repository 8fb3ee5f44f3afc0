package web_test

import (
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// A visit that never scrolls to the space-time diagram never loads it
// (it is the page's largest module). Scrolled near, it loads with the
// whole trace so far. Once loaded, while the page plays, the diagram below
// the fold is redrawn only now and then (its redraws were the playing
// page's largest script cost); scrolled into sight, it follows every frame.
func TestBrowserSpaceTimeOffScreenRedrawsSeldom(t *testing.T) {
	b, _ := openLeaderAndFollowers(t, "?seed=1")
	offscreen := eval[bool](t, b, `(() => { const r = document.querySelector('[data-view="spacetime"]').getBoundingClientRect(); return r.top > innerHeight + 400; })()`)
	if !offscreen {
		t.Fatal("the diagram is in sight at the top of the page: this test needs it below the fold")
	}
	playUntil(t, b, "a leader", leaderExpr)
	if eval[bool](t, b, `!!window.clusterscope.views.spacetime || performance.getEntriesByType('resource').some((r) => r.name.endsWith('/spacetime.js'))`) {
		t.Fatal("the space-time diagram loaded while out of sight")
	}
	eval[bool](t, b, `(() => { document.querySelector('[data-view="spacetime"]').scrollIntoView(); return true; })()`)
	poll[bool](t, b, "the diagram loaded with arrows", `!!window.clusterscope.views.spacetime && document.querySelectorAll('[data-view="spacetime"] .st-msg').length > 10`)
	// It holds the whole run so far, though it saw none of its frames.
	held := poll[[]int](t, b, "the diagram's events against the trace's", `fetch(document.querySelector('[data-export="trace"]').href).then((r) => r.json()).then((d) => [window.clusterscope.views.spacetime.evs.filter(Boolean).length, d.eventsTotal])`)
	if held[0] != held[1] || held[0] == 0 {
		t.Errorf("the diagram holds %d events of the paused run's %d", held[0], held[1])
	}
	eval[bool](t, b, `(() => { const st = window.clusterscope.views.spacetime; const render = st.render.bind(st); window.stRenders = 0; st.render = () => { window.stRenders++; render(); }; window.scrollTo(0, 0); return true; })()`)
	count := func(what string) int {
		do(t, b, "speed 1×", chromedp.SetValue(`[data-action="speed"]`, "1"))
		do(t, b, "play", chromedp.Evaluate[chromedp.Void](`window.stRenders = 0; document.querySelector('[data-action="play"]').click()`))
		time.Sleep(3 * time.Second)
		do(t, b, "pause", chromedp.Evaluate[chromedp.Void](`document.querySelector('[data-action="play"]').click()`))
		n := eval[int](t, b, `window.stRenders`)
		t.Logf("%s: %d redraws in 3 s of play", what, n)
		return n
	}
	off := count("below the fold")
	eval[bool](t, b, `(() => { document.querySelector('[data-view="spacetime"]').scrollIntoView(); return true; })()`)
	on := count("in sight")
	if off > 3000/500+2 {
		t.Errorf("off screen the diagram was redrawn %d times in 3 s, want at most one every 500 ms", off)
	}
	if on <= 2*off {
		t.Errorf("in sight the diagram was redrawn %d times in 3 s, off screen %d: it should follow the run", on, off)
	}
}
