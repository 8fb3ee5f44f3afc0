package web_test

import (
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"clusterscope/web"
	"clusterscope/web/browsertest"
	"clusterscope/web/testlog"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// The browser tests drive the real Leader and Followers page in chromium.

const lafPage = "/patterns/leader-and-followers"

func startServer(t *testing.T) *httptest.Server {
	t.Helper()
	srv := web.New(web.Options{Logger: testlog.New(t)})
	ts := httptest.NewServer(srv)
	t.Cleanup(func() { srv.Close(); ts.Close() })
	return ts
}

func poll[T any](t *testing.T, b *browsertest.Browser, what, expr string) T {
	t.Helper()
	v, err := chromedp.Run(b.Ctx, chromedp.Poll[T](expr, chromedp.WithPollingTimeout(20*time.Second)))
	if err != nil {
		b.Screenshot(strings.ReplaceAll(t.Name(), "/", "-") + "-failed")
		t.Fatalf("waiting for %s: %v\nbrowser errors: %v", what, err, b.Errors())
	}
	return v
}

func eval[T any](t *testing.T, b *browsertest.Browser, expr string) T {
	t.Helper()
	v, err := chromedp.Run(b.Ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("%s: %v", expr, err)
	}
	return v
}

func do(t *testing.T, b *browsertest.Browser, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(b.Ctx, steps...); err != nil {
		b.Screenshot(strings.ReplaceAll(t.Name(), "/", "-") + "-failed")
		t.Fatalf("%s: %v\nbrowser errors: %v", what, err, b.Errors())
	}
}

// loadSpaceTime has the page load its space-time diagram (it loads on
// its own only when scrolled near), without scrolling to it.
func loadSpaceTime(t *testing.T, b *browsertest.Browser) {
	t.Helper()
	poll[bool](t, b, "the page's views", `!!(window.clusterscope && window.clusterscope.views)`)
	do(t, b, "load the space-time diagram", chromedp.Evaluate[chromedp.Void](`window.clusterscope.views.loadSpaceTime()`))
	poll[bool](t, b, "the space-time diagram", `!!window.clusterscope.views.spacetime`)
}

func openLeaderAndFollowers(t *testing.T, query string) (*browsertest.Browser, *httptest.Server) {
	ts := startServer(t)
	b := browsertest.Tab(t, 1400, 1000)
	do(t, b, "open the page", chromedp.Navigate(ts.URL+lafPage+query))
	poll[bool](t, b, "the cluster to appear", `document.querySelectorAll('[data-view="cluster"] [data-node]').length >= 5`)
	return b, ts
}

const leaderExpr = `(() => { const n = document.querySelector('[data-node][data-role="leader"][data-status="up"]'); return n ? n.dataset.node : ''; })()`

// playUntil plays at 20× until expr is truthy, then pauses. At 1× a second
// of the cluster's time takes ten of the test's; what these tests wait for
// (a leader, a crash, a held message) stays once it happens, so the fastest
// speed a learner can pick finds it as surely.
func playUntil(t *testing.T, b *browsertest.Browser, what, expr string) string {
	t.Helper()
	return playUntilAt(t, b, "20", what, expr)
}

// playUntilAt plays at speed (a value of the page's speed menu) until expr
// is truthy, then pauses. The run goes on between the moment expr holds and
// the pause (a few hundred ms of the test's time): a test that looks at the
// space-time diagram near that moment plays at 1×, where that is a few ms
// of the cluster's time and the moment is still on screen.
func playUntilAt(t *testing.T, b *browsertest.Browser, speed, what, expr string) string {
	t.Helper()
	do(t, b, "speed "+speed+"×", chromedp.SetValue(`[data-action="speed"]`, speed))
	do(t, b, "play", chromedp.Click(`[data-action="play"]`, chromedp.NodeVisible))
	// The button toggles the state the server confirmed: clicking it again
	// before the play frame arrives would ask to play once more.
	poll[bool](t, b, "the play", `document.querySelector('[data-action="play"]').getAttribute('aria-pressed') === 'true'`)
	v := poll[string](t, b, what, `(() => { const v = (`+expr+`); return v ? String(v) : ''; })()`)
	do(t, b, "pause", chromedp.Click(`[data-action="play"]`, chromedp.NodeVisible))
	poll[bool](t, b, "the pause", `document.querySelector('[data-action="play"]').getAttribute('aria-pressed') === 'false'`)
	return v
}

func TestBrowserLeaderCrashAndPartition(t *testing.T) {
	b, _ := openLeaderAndFollowers(t, "?seed=1")

	// Step once with the button, once with the keyboard.
	do(t, b, "step", chromedp.Click(`[data-action="step"]`, chromedp.NodeVisible))
	poll[bool](t, b, "step 1", `document.querySelector('[data-step]').dataset.step === '1'`)
	do(t, b, "→", chromedp.KeyEvent(kb.ArrowRight))
	poll[bool](t, b, "step 2", `document.querySelector('[data-step]').dataset.step === '2'`)
	do(t, b, "←", chromedp.KeyEvent(kb.ArrowLeft))
	poll[bool](t, b, "back to step 1", `document.querySelector('[data-step]').dataset.step === '1'`)

	first := playUntil(t, b, "a leader", leaderExpr)
	t.Logf("first leader: %s", first)

	// Crash the leader through its menu.
	do(t, b, "open the leader's menu", chromedp.Click(fmt.Sprintf(`[data-view="cluster"] [data-node=%q]`, first), chromedp.NodeVisible))
	do(t, b, "crash", chromedp.Click(`[data-view="menu"] [data-action="crash"]`, chromedp.NodeVisible))
	poll[bool](t, b, "the leader to be crashed", fmt.Sprintf(`document.querySelector('[data-view="cluster"] [data-node=%q]').dataset.status === 'crashed'`, first))
	fill := eval[string](t, b, fmt.Sprintf(`getComputedStyle(document.querySelector('[data-node=%q] .body')).fill`, first))
	grey := eval[string](t, b, `(() => { const e = document.createElement('div'); e.style.color = getComputedStyle(document.documentElement).getPropertyValue('--crashed'); document.body.append(e); const c = getComputedStyle(e).color; e.remove(); return c; })()`)
	if fill != grey {
		t.Errorf("crashed leader is filled %s, want the crashed grey %s", fill, grey)
	}
	if !strings.Contains(eval[string](t, b, `location.search`), "log=") {
		t.Error("the URL does not carry the command log after the crash")
	}

	second := playUntil(t, b, "a new leader", leaderExpr)
	if second == first {
		t.Fatalf("the crashed %s is still the leader", first)
	}
	t.Logf("new leader: %s", second)

	// Partition the new leader away from the other servers.
	do(t, b, "open the partition dialog", chromedp.KeyEvent("p"))
	poll[bool](t, b, "the dialog", `document.querySelector('[data-view="partition-dialog"]').open`)
	for _, n := range []string{"athens", "byzantium", "cyrene"} {
		side := "A"
		if n == second {
			side = "B"
		}
		do(t, b, "choose a side", chromedp.Click(fmt.Sprintf(`input[name="side-%s"][value=%q]`, n, side), chromedp.NodeVisible))
	}
	do(t, b, "partition", chromedp.Click(`[data-action="partition-apply"]`, chromedp.NodeVisible))
	poll[bool](t, b, "cut links drawn", `document.querySelectorAll('[data-view="cluster"] .link.cut').length === 2`)
	playUntil(t, b, "messages dropped at the cut", `[...document.querySelectorAll('[data-view="events"] li[data-kind="drop"]')].some((li) => li.textContent.includes('link cut'))`)

	b.Screenshot("leader-and-followers")
	if errs := b.Errors(); len(errs) > 0 {
		t.Fatalf("browser errors: %v", errs)
	}

	// The URL reproduces the run: open it afresh (no saved session).
	url := eval[string](t, b, `location.href`)
	step := eval[string](t, b, `document.querySelector('[data-step]').dataset.step`)
	do(t, b, "forget the session", chromedp.Evaluate[chromedp.Void](`sessionStorage.clear()`))
	do(t, b, "reload from the link", chromedp.Navigate(url))
	poll[bool](t, b, "the same step", `document.querySelector('[data-step]').dataset.step === `+fmt.Sprintf("%q", step))
	poll[bool](t, b, "the crash replayed", fmt.Sprintf(`document.querySelector('[data-view="cluster"] [data-node=%q]').dataset.status === 'crashed'`, first))
	poll[bool](t, b, "the partition replayed", `document.querySelectorAll('[data-view="cluster"] .link.cut').length === 2`)
}

func TestBrowserManualDeliveryAndHelp(t *testing.T) {
	b, _ := openLeaderAndFollowers(t, "")
	do(t, b, "manual delivery on", chromedp.Click(`[data-action="manual"]`, chromedp.NodeVisible))
	do(t, b, "step", chromedp.Click(`[data-action="step"]`, chromedp.NodeVisible))
	// Run until a message is held, then deliver it by hand.
	do(t, b, "play", chromedp.Click(`[data-action="play"]`, chromedp.NodeVisible))
	poll[bool](t, b, "a held message", `!!document.querySelector('[data-view="cluster"] .msg.held')`)
	do(t, b, "pause", chromedp.Click(`[data-action="play"]`, chromedp.NodeVisible))
	id := poll[string](t, b, "a held message id", `document.querySelector('.msg.held') && document.querySelector('.msg.held').dataset.msg`)
	do(t, b, "open the message menu", chromedp.Click(fmt.Sprintf(`.msg[data-msg=%q]`, id), chromedp.NodeVisible))
	do(t, b, "drop it", chromedp.Click(`[data-view="menu"] [data-action="drop"]`, chromedp.NodeVisible))
	poll[bool](t, b, "the message gone", fmt.Sprintf(`!document.querySelector('.msg[data-msg=%q]')`, id))
	poll[bool](t, b, "the drop in the log", `[...document.querySelectorAll('[data-view="events"] li[data-kind="drop"]')].some((li) => li.textContent.includes('dropped by hand'))`)

	// Skew a clock through the node menu.
	do(t, b, "open cyrene's menu", chromedp.Click(`[data-view="cluster"] [data-node="cyrene"]`, chromedp.NodeVisible))
	do(t, b, "offset", chromedp.SetValue(`[data-view="menu"] input[aria-label="offset in ms"]`, "500", chromedp.NodeVisible))
	do(t, b, "set", chromedp.Click(`[data-view="menu"] [data-action="offset"]`, chromedp.NodeVisible))
	poll[bool](t, b, "the skewed clock", `document.querySelector('[data-node="cyrene"] .clock').textContent.includes('ahead 500ms') && document.querySelector('[data-panel="cyrene"] .skew') !== null`)

	do(t, b, "help", chromedp.KeyEvent("?"))
	poll[bool](t, b, "the help dialog", `document.querySelector('[data-view="help"]').open`)
	if errs := b.Errors(); len(errs) > 0 {
		t.Fatalf("browser errors: %v", errs)
	}
}

// TestBrowserREADMEScreenshot refreshes docs/screenshot.png when
// UPDATE_SCREENSHOT=1.
func TestBrowserREADMEScreenshot(t *testing.T) {
	if os.Getenv("UPDATE_SCREENSHOT") != "1" {
		t.Skip("set UPDATE_SCREENSHOT=1 to refresh docs/screenshot.png")
	}
	b, _ := openLeaderAndFollowers(t, "?seed=1&nodes=5")
	playUntil(t, b, "a leader", leaderExpr)
	do(t, b, "write", chromedp.Click(`[data-request="write"] button`, chromedp.NodeVisible))
	playUntil(t, b, "the write to commit", `document.querySelector('[data-step]').dataset.step > 90`)
	do(t, b, "partition", chromedp.Evaluate[chromedp.Void](`window.clusterscope.cmd({kind: 'partition', groups: [['ephesus'], ['athens', 'byzantium', 'cyrene', 'delphi']]})`))
	playUntil(t, b, "a few more steps", `document.querySelector('[data-step]').dataset.step > 100`)
	do(t, b, "step", chromedp.Click(`[data-action="step"]`, chromedp.NodeVisible))
	do(t, b, "select a node", chromedp.KeyEvent("2"))
	do(t, b, "scroll to the top", chromedp.Evaluate[chromedp.Void](`window.scrollTo(0, 0)`), chromedp.Sleep(400*time.Millisecond))
	png, err := chromedp.Run(b.Ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join("..", "docs", "screenshot.png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
}
