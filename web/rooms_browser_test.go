package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"clusterscope/web/browsertest"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// Two browsers (two separate chromium profiles): a presenter and a follower.
func TestBrowserPresenterAndFollower(t *testing.T) {
	ts := startServer(t)
	pres := browsertest.Tab(t, 1600, 1000)
	do(t, pres, "open the pattern", chromedp.Navigate(ts.URL+lafPage+"?seed=1"))
	poll[bool](t, pres, "the cluster", `document.querySelectorAll('[data-view="cluster"] [data-node]').length === 5`)
	do(t, pres, "present", chromedp.Click(`[data-action="present"]`, chromedp.NodeVisible))
	shown := poll[string](t, pres, "the join code", `(document.querySelector('[data-view="room-code"]') || {}).textContent || ''`)
	if !eval[bool](t, pres, `document.body.classList.contains('presenting')`) {
		t.Fatal("presenter mode is off after Present")
	}
	poll[bool](t, pres, "the QR code", `(() => { const i = document.querySelector('.present-panel img.qr'); return !!i && i.complete && i.naturalWidth > 0; })()`)
	join := eval[string](t, pres, `document.querySelector('[data-view="join-url"]').textContent`)
	if strings.Contains(eval[string](t, pres, `location.href`), "present=") {
		t.Error("the presenter's secret shows in the projected address bar")
	}

	fol := browsertest.Tab(t, 1200, 900)
	// What the join form sends (GET /join?code=...), typed loosely.
	do(t, fol, "join by code", chromedp.Navigate(ts.URL+"/join?code="+strings.ToLower(shown)))
	poll[bool](t, fol, "the presenter's cluster", `document.querySelectorAll('[data-view="cluster"] [data-node]').length === 5`)
	poll[bool](t, fol, "the room to be live", `document.querySelector('[data-view="room-live"]').dataset.state === 'live'`)
	if got := eval[string](t, fol, `location.href`); got != join {
		t.Errorf("joined at %s, want the join URL %s", got, join)
	}
	poll[bool](t, pres, "one follower", `document.querySelector('[data-view="followers"]').textContent.startsWith('1 ')`)

	// The presenter steps with the clicker's keys; the follower sees each step.
	for i := 1; i <= 3; i++ {
		do(t, pres, "PageDown", chromedp.KeyEvent(kb.PageDown))
		poll[bool](t, pres, "the step", fmt.Sprintf(`document.querySelector('[data-step]').dataset.step === '%d'`, i))
		start := time.Now()
		poll[bool](t, fol, "the presenter's step", fmt.Sprintf(`document.querySelector('[data-step]').dataset.step === '%d'`, i))
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("the follower saw step %d %v after the presenter", i, d)
		} else {
			t.Logf("follower saw step %d %v after the presenter's page showed it", i, d.Round(time.Millisecond))
		}
	}
	do(t, pres, "PageUp", chromedp.KeyEvent(kb.PageUp))
	poll[bool](t, fol, "the step back", `document.querySelector('[data-step]').dataset.step === '2'`)
	// Under load the follower can hear of it before the presenter's own page does.
	poll[bool](t, pres, "the step back on the presenter's page", `document.querySelector('[data-step]').dataset.step === '2'`)

	// The follower's keys are refused by the server.
	do(t, fol, "→ as a follower", chromedp.KeyEvent(kb.ArrowRight))
	poll[bool](t, fol, "the refusal", `document.querySelector('[data-view="status"]').textContent.includes('Only the presenter drives')`)
	if s := eval[string](t, pres, `document.querySelector('[data-step]').dataset.step`); s != "2" {
		t.Fatalf("a follower's key moved the presenter's run to step %s", s)
	}

	// A prediction: asked, answered, tallied, revealed.
	do(t, pres, "ask", chromedp.SendKeys(`[data-view="ask"] input[name="question"]`, "Who leads next?"),
		chromedp.SendKeys(`[data-view="ask"] input[name="choices"]`, "athens | byzantium | nobody"),
		chromedp.Click(`[data-view="ask"] button[type="submit"]`, chromedp.NodeVisible))
	poll[bool](t, fol, "the question", `!!document.querySelector('[data-view="question"] [data-choice="1"]')`)
	do(t, fol, "answer", chromedp.Click(`[data-view="question"] [data-choice="1"]`, chromedp.NodeVisible))
	poll[bool](t, pres, "the tally", `(document.querySelector('[data-view="tally"] [data-choice="1"] b') || {}).textContent === '1'`)
	if eval[bool](t, fol, `!!document.querySelector('[data-view="question"] .count')`) {
		t.Error("the follower sees the tally before the reveal")
	}
	pres.Screenshot("room-presenter")
	do(t, pres, "reveal", chromedp.Click(`[data-reveal="1"]`, chromedp.NodeVisible))
	poll[bool](t, fol, "the reveal", `!!document.querySelector('[data-view="question"] button.right[data-choice="1"]')`)
	fol.Screenshot("room-follower")

	// Take a copy: the follower's own run from the same step, and a way back.
	do(t, fol, "take a copy", chromedp.Click(`[data-action="take-copy"]`, chromedp.NodeVisible))
	pollAcrossNav(t, fol, "the copy", `location.pathname === '/patterns/leader-and-followers' && document.querySelector('[data-step]').dataset.step === '2'`)
	poll[bool](t, fol, "the rejoin link", `(document.querySelector('[data-action="rejoin"]') || {}).getAttribute && document.querySelector('[data-action="rejoin"]').getAttribute('href').startsWith('/join/')`)
	do(t, fol, "step the copy", chromedp.KeyEvent(kb.ArrowRight))
	poll[bool](t, fol, "the copy's own step", `document.querySelector('[data-step]').dataset.step === '3'`)
	if s := eval[string](t, pres, `document.querySelector('[data-step]').dataset.step`); s != "2" {
		t.Errorf("stepping the copy moved the presenter to step %s", s)
	}
	do(t, fol, "rejoin", chromedp.Click(`[data-action="rejoin"]`, chromedp.NodeVisible))
	pollAcrossNav(t, fol, "back in the room", `document.querySelector('[data-view="room-live"]').dataset.state === 'live' && document.querySelector('[data-step]').dataset.step === '2'`)

	// The presenter reloads: the room resumes (same code), followers stay.
	do(t, pres, "reload", chromedp.Reload())
	pollAcrossNav(t, pres, "the same room", `!!document.querySelector('[data-view="room-code"]') && document.body.classList.contains('presenting')`)
	if c := eval[string](t, pres, `document.querySelector('[data-view="room-code"]').textContent`); c != shown {
		t.Errorf("after a reload the presenter shows room %s, want %s", c, shown)
	}
	do(t, pres, "PageDown after the reload", chromedp.KeyEvent(kb.PageDown))
	poll[bool](t, fol, "the step after the reload", `document.querySelector('[data-step]').dataset.step === '3'`)

	for _, b := range []*browsertest.Browser{pres, fol} {
		if errs := b.Errors(); len(errs) > 0 {
			t.Errorf("browser errors: %v", errs)
		}
	}
}

// An embed inside a page of another origin loads, plays, and reports its
// step to the page around it.
func TestBrowserEmbedInAnotherOrigin(t *testing.T) {
	ts := startServer(t)
	outer := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!DOCTYPE html><html><body><h1>Workshop page</h1>
<iframe id="cs" src="%s/embed/leader-and-followers?seed=1&autoplay=1&controls=minimal" width="760" height="520" style="border:0"></iframe>
<script>window.lastStep = 0; window.addEventListener('message', (e) => { if (e.data && e.data.source === 'clusterscope') window.lastStep = e.data.step; });</script>
</body></html>`, ts.URL)
	}))
	t.Cleanup(outer.Close)
	if strings.TrimPrefix(outer.URL, "http://") == strings.TrimPrefix(ts.URL, "http://") {
		t.Fatal("the outer page must be another origin")
	}
	b := browsertest.Tab(t, 900, 700)
	do(t, b, "open the workshop page", chromedp.Navigate(outer.URL))
	step := poll[int](t, b, "the embed to play", `window.lastStep > 5 ? window.lastStep : 0`)
	t.Logf("the embed reported step %d", step)
	b.Screenshot("embed-in-another-origin")
	if errs := b.Errors(); len(errs) > 0 {
		t.Errorf("browser errors: %v", errs)
	}
}

// pollAcrossNav waits for expr to be true on a page that is navigating
// (evaluation fails while the old page goes away).
func pollAcrossNav(t *testing.T, b *browsertest.Browser, what, expr string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		ok, err := chromedp.Run(b.Ctx, chromedp.Evaluate[bool](expr))
		if err == nil && ok {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("waiting for %s: timed out\nbrowser errors: %v", what, b.Errors())
}

// An embed with a scenario shows the story's narration beside the cluster
// and, with autoplay, moves on once the reader has had time to read each
// part, and waits at the story's question.
func TestBrowserEmbedPlaysAScenario(t *testing.T) {
	ts := startServer(t)
	b := browsertest.Tab(t, 900, 560)
	do(t, b, "hold the reading timers", holdReadingTimers)
	do(t, b, "open the embed", chromedp.Navigate(ts.URL+"/embed/generation-clock?scenario=2-stale-leader-refused&autoplay=1"))
	const story = `document.querySelector('[data-view="story"]')`
	poll[bool](t, b, "the narration", story+`.dataset.active === 'true' && `+story+`.textContent.includes('Same cluster, same faults')`)
	for _, sel := range []string{`[data-view="story"] .story-part.current`, `[data-view="story"] .story-title`, `[data-view="cluster"] svg`} {
		if !eval[bool](t, b, inViewport(sel)) {
			t.Errorf("%s is not in the embed's frame", sel)
		}
	}
	// The part is not clipped by its column (a size container that did not
	// stretch to its row was 19 px tall, the narration scrolled away in it).
	if !eval[bool](t, b, `(() => { const side = document.querySelector('.embed .side').getBoundingClientRect(); const part = document.querySelector('[data-view="story"] .story-part.current').getBoundingClientRect(); return part.height > 0 && part.bottom <= side.bottom + 1; })()`) {
		t.Error("the story's column clips the current part")
	}
	if step := stepNow(t, b); step != 0 {
		t.Errorf("the cluster is at step %d before autoplay moved on, want 0", step)
	}
	viewportShot(t, b, "embed-scenario")
	if n := eval[int](t, b, `window.readingTimers.count()`); n != 1 {
		t.Fatalf("%d reading timers armed for the first part, want 1", n)
	}
	// The reader has read each part: fire its timer instead of waiting.
	poll[bool](t, b, "the next part, up to the question", `!!document.querySelector('[data-view="question"][data-answered="false"]') && `+stepExpr+` > 0 || (window.readingTimers.fire(), false)`)
	viewportShot(t, b, "embed-scenario-question")
	// It waits for an answer: no reading timer runs, so nothing moves however
	// long the reader takes.
	poll[bool](t, b, "the story waiting", story+`.dataset.waiting === 'true'`)
	if n := eval[int](t, b, `window.readingTimers.count()`); n != 0 {
		t.Errorf("%d reading timers armed at the question: autoplay would go on without an answer", n)
	}
	noBrowserErrors(t, b)
}

// roundTrip sends the server a message it refuses and waits for the refusal:
// the server answers a connection's messages in order, so whatever the page
// sent before has been answered too.
func roundTrip(t *testing.T, b *browsertest.Browser) {
	t.Helper()
	do(t, b, "probe the server", chromedp.Evaluate[chromedp.Void](`window.probeAnswered = false;
document.addEventListener('clusterscope:frame', (e) => { if (e.detail.type === 'error' && e.detail.error.includes('round-trip-probe')) window.probeAnswered = true; });
window.clusterscope.send({type: 'round-trip-probe'})`))
	poll[bool](t, b, "the server's answer", `window.probeAnswered`)
}

// holdReadingTimers makes the pages of a tab keep the embed's reading timers
// (those that move the story on) for the test to fire with
// window.readingTimers.fire(), so a test need not wait out a reading time.
var holdReadingTimers = chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
	_, err := cdp.Call(ctx, t, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: `(() => {
  const held = new Map();
  let next = 1;
  const set = window.setTimeout, clear = window.clearTimeout;
  window.setTimeout = (fn, ms, ...args) => {
    if (typeof fn !== 'function' || !String(fn).includes('scenario-next')) return set(fn, ms, ...args);
    const id = -(next++);
    held.set(id, () => fn(...args));
    return id;
  };
  window.clearTimeout = (id) => { if (!held.delete(id)) clear(id); };
  window.readingTimers = {
    count: () => held.size,
    fire: () => { const fns = [...held.values()]; held.clear(); fns.forEach((f) => f()); return fns.length; },
  };
})();`})
	return err
})

// A presenter telling a story with a clicker: PageDown moves the story on
// (it does not take over the cluster), PageUp goes back a part, and b blanks
// the screen without touching the story.
func TestBrowserPresenterClickerDrivesTheStory(t *testing.T) {
	b, _ := openLeaderAndFollowers(t, "?scenario=1-election")
	const story = `document.querySelector('[data-view="story"]')`
	const part = `+document.querySelector('.story-progress').getAttribute('aria-valuenow')`
	poll[bool](t, b, "the story", story+`.dataset.active === 'true' && !!document.querySelector('.story-progress')`)
	do(t, b, "present", chromedp.Click(`[data-action="present"]`, chromedp.NodeVisible))
	poll[bool](t, b, "presenter mode", `document.body.classList.contains('presenting') && !!document.querySelector('[data-view="room-code"]')`)

	first := eval[int](t, b, part)
	do(t, b, "PageDown", chromedp.KeyEvent(kb.PageDown))
	poll[bool](t, b, "the next part", fmt.Sprintf(`%s > %d`, part, first))
	if !eval[bool](t, b, story+`.dataset.following === 'true'`) {
		t.Fatal("the clicker took over the cluster instead of moving the story on")
	}
	do(t, b, "PageUp", chromedp.KeyEvent(kb.PageUp))
	poll[bool](t, b, "the part before", fmt.Sprintf(`%s === %d`, part, first))

	do(t, b, "PageDown again", chromedp.KeyEvent(kb.PageDown))
	poll[bool](t, b, "the next part again", fmt.Sprintf(`%s > %d`, part, first))
	now := eval[int](t, b, part)
	do(t, b, "b", chromedp.KeyEvent("b"))
	poll[bool](t, b, "the blank screen", `!document.querySelector('[data-view="blackout"]').hidden`)
	roundTrip(t, b) // a story step, had b sent one, would be answered by now
	if got := eval[int](t, b, part); got != now {
		t.Errorf("b in presenter mode moved the story from part %d to %d", now, got)
	}
	noBrowserErrors(t, b)
}
