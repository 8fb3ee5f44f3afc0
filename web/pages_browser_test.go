package web_test

import (
	"fmt"
	"testing"

	"clusterscope/patterns"
	"clusterscope/web/browsertest"

	"github.com/chromedp/chromedp"
)

// Every live pattern's page loads in chromium and its controls work: the
// cluster appears with the pattern's processes, a leader is elected while it
// plays, a client's write shows in the history, and its broken variant can
// be switched on from the page.
func TestBrowserEveryLivePatternPage(t *testing.T) {
	ts := startServer(t)
	for _, p := range patterns.Live() {
		t.Run(p.ID, func(t *testing.T) {
			c := p.Cluster
			b := browsertest.New(t, 1366, 900)
			do(t, b, "open the page", chromedp.Navigate(ts.URL+"/patterns/"+p.ID+"?seed=3"))
			poll[bool](t, b, "the cluster", fmt.Sprintf(`document.querySelectorAll('[data-view="cluster"] [data-node]').length === %d`, len(c.Nodes)+len(c.Clients)))
			if h := eval[string](t, b, `document.querySelector('h1').textContent`); h != p.Title {
				t.Errorf("title %q, want %q", h, p.Title)
			}

			do(t, b, "step", chromedp.Click(`[data-action="step"]`, chromedp.NodeVisible))
			poll[bool](t, b, "step 1", `+document.querySelector('[data-step]').dataset.step >= 1`)
			playUntil(t, b, "a leader", leaderExpr)

			do(t, b, "alice writes", chromedp.Click(`[data-request="write"] button[type="submit"]`, chromedp.NodeVisible))
			playUntil(t, b, "the write in the history", `document.querySelectorAll('[data-view="history"] [data-op]').length >= 1`)

			if len(c.Variants) > 0 {
				v := c.Variants[0].Name
				do(t, b, "switch on "+v, chromedp.Click(fmt.Sprintf(`[data-variant=%q]`, v), chromedp.NodeVisible))
				poll[bool](t, b, "the variant in the event log", fmt.Sprintf(`[...document.querySelectorAll('[data-view="events"] li')].some((li) => li.textContent.includes('variant %s on'))`, v))
			}
			noBrowserErrors(t, b)
		})
	}
}
