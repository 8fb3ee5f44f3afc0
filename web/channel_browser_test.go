package web_test

import (
	"testing"

	"clusterscope/web/browsertest"

	"github.com/chromedp/chromedp"
)

// On the Single-Socket Channel page a server's menu offers to reset its
// connection to a peer (the run has connections); the reset reaches the
// run and athens opens a new connection. A page without connections does
// not offer it.
func TestBrowserResetAConnectionFromTheNodeMenu(t *testing.T) {
	ts := startServer(t)
	b := browsertest.Tab(t, 1366, 900)
	do(t, b, "open the page", chromedp.Navigate(ts.URL+"/patterns/single-socket-channel?seed=1"))
	poll[bool](t, b, "athens's channels", `document.body.textContent.includes("connection-in-order")`)

	do(t, b, "open athens's menu", chromedp.Click(`[data-view="cluster"] [data-node="athens"] .body`, chromedp.NodeVisible))
	do(t, b, "reset athens ↔ byzantium", chromedp.Click(`[data-view="menu"] [data-action="reset-conn"]`, chromedp.NodeVisible))
	poll[bool](t, b, "the event log to tell it", `document.body.textContent.includes("reset the connections athens ↔ byzantium")`)
	playUntilAt(t, b, "1", "a new connection", `document.body.textContent.includes("opens connection #3 to byzantium")`)

	do(t, b, "open the write-ahead log page", chromedp.Navigate(ts.URL+"/patterns/write-ahead-log?seed=1"))
	poll[bool](t, b, "athens's disk widget", `!!document.querySelector('[data-widget="disk"]')`)
	do(t, b, "open athens's menu", chromedp.Click(`[data-view="cluster"] [data-node="athens"] .body`, chromedp.NodeVisible))
	if eval[bool](t, b, `!!document.querySelector('[data-view="menu"] [data-action="reset-conn"]')`) {
		t.Error("a page without connections offers to reset one")
	}
}
