package web_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"clusterscope/web/browsertest"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// Two browsers (two separate chromium profiles): a presenter and a follower.
func TestBrowserPresenterAndFollower(t *testing.T) {
	ts := startServer(t)
	pres := browsertest.New(t, 1600, 1000)
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

	fol := browsertest.New(t, 1200, 900)
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
	b := browsertest.New(t, 900, 700)
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
