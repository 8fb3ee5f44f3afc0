package web_test

import (
	"testing"

	"clusterscope/web/browsertest"

	"github.com/chromedp/chromedp"
)

// A learner tears athens's next write from its menu on the Write-Ahead Log
// page: the server's disk widget earns it a Disk section, the command
// reaches the run (the event log tells it), and a client's node has none.
func TestBrowserDiskFaultsFromTheNodeMenu(t *testing.T) {
	ts := startServer(t)
	b := browsertest.Tab(t, 1366, 900)
	do(t, b, "open the page", chromedp.Navigate(ts.URL+"/patterns/write-ahead-log?seed=1"))
	poll[bool](t, b, "athens's disk widget", `!!document.querySelector('[data-widget="disk"]')`)

	do(t, b, "open alice's menu", chromedp.Click(`[data-view="cluster"] [data-node="alice"] .body`, chromedp.NodeVisible))
	if eval[bool](t, b, `!!document.querySelector('[data-view="menu"] [data-action="disk-slow"]')`) {
		t.Error("a client's menu offers disk faults")
	}
	do(t, b, "close", chromedp.KeyEvent("\x1b"))
	do(t, b, "open athens's menu", chromedp.Click(`[data-view="cluster"] [data-node="athens"] .body`, chromedp.NodeVisible))
	do(t, b, "slow the disk", chromedp.Click(`[data-view="menu"] [data-action="disk-slow"]`, chromedp.NodeVisible))
	poll[bool](t, b, "the event log to tell it", `document.body.innerText.includes("athens's disk slows ×10")`)
}

// A setting changed by a command (a scenario's, a presenter's) shows its new
// value in the Settings box, and a step back before the change shows the old
// one: the box used to keep the page default whatever was in force.
func TestBrowserSettingsShowTheValueInForce(t *testing.T) {
	ts := startServer(t)
	b := browsertest.Tab(t, 1366, 900)
	do(t, b, "open the page", chromedp.Navigate(ts.URL+"/patterns/heartbeat?seed=1"))
	field := `(document.querySelector('[data-param="heartbeat-ms"]') || {}).value`
	poll[bool](t, b, "the heartbeat setting", field+` === "50"`)
	do(t, b, "step", chromedp.Evaluate[chromedp.Void](`window.clusterscope.send({type:'step', n: 5})`))
	do(t, b, "change it by command", chromedp.Evaluate[chromedp.Void](`window.clusterscope.send({type:'cmd', cmd:{kind:'param', name:'heartbeat-ms', value: 200}})`))
	poll[bool](t, b, "the box to show 200", field+` === "200"`)
	do(t, b, "seek before the change", chromedp.Evaluate[chromedp.Void](`window.clusterscope.send({type:'seek', step: 2})`))
	poll[bool](t, b, "the box to show 50 again", field+` === "50"`)
}
