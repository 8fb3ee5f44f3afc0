package web_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"clusterscope/web/browsertest"

	"github.com/chromedp/chromedp"
)

// A learner switches a broken variant on, asks for a failure, reads what
// broke and how far the schedule shrank, and opens it: the page replays the
// shrunk run to the step where it broke, with the invariant red.
func TestBrowserFindMeAFailure(t *testing.T) {
	ts := startServer(t)
	for _, size := range [][2]int{{1024, 768}, {1366, 768}, {1920, 1080}} {
		b := browsertest.Tab(t, size[0], size[1])
		do(t, b, "open the page", chromedp.Navigate(ts.URL+"/patterns/replicated-log?seed=1"))
		poll[bool](t, b, "the variants", `!!document.querySelector('[data-variant="vote-without-log-check"]')`)
		do(t, b, "switch the variant on", chromedp.Click(`[data-variant="vote-without-log-check"]`, chromedp.NodeVisible))
		poll[bool](t, b, "the variant in force", `document.querySelector('[data-variant="vote-without-log-check"]').checked`)
		do(t, b, "ask for a failure", chromedp.Click(`[data-action="find-failure"]`, chromedp.NodeVisible))
		poll[bool](t, b, "a failure found", `document.querySelector('[data-view="search"]').dataset.state === 'found'`)
		text := eval[string](t, b, `document.querySelector('[data-view="search"]').innerText`)
		for _, want := range []string{"leader-completeness", "Shrunk from", "with vote-without-log-check"} {
			if !strings.Contains(text, want) {
				t.Errorf("the report lacks %q: %s", want, text)
			}
		}
		viewportShot(t, b, fmt.Sprintf("find-failure-%dx%d", size[0], size[1]))
		want := eval[int](t, b, `+document.querySelector('[data-action="open-failure"]').textContent.match(/\d+/)[0]`)
		// A script click: the page navigates away while a mouse click would still be waiting on it.
		do(t, b, "open it", chromedp.Evaluate[chromedp.Void](`document.querySelector('[data-action="open-failure"]').click()`))
		// The old page's context goes away under the poll: ask again on the new one.
		at := fmt.Sprintf(`location.search.includes('log=') && !!document.querySelector('[data-step]') && %s === %d`, stepExpr, want)
		for try := 0; ; try++ {
			if _, err := chromedp.Run(b.Ctx, chromedp.Poll[bool](at, chromedp.WithPollingTimeout(20*time.Second))); err == nil {
				break
			} else if try == 3 {
				t.Fatalf("the run at the step where it broke: %v", err)
			}
		}
		poll[bool](t, b, "the invariant red", `document.querySelector('[data-view="invariants"]').innerText.includes('leader-completeness')`)
		noBrowserErrors(t, b)
	}
}
