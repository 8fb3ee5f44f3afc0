package web_test

import (
	"testing"

	"clusterscope/web/browsertest"

	"github.com/chromedp/chromedp"
)

// setInputs fills the open menu's named inputs (name → value; a checkbox
// takes "on" or "off").
func setInputs(t *testing.T, b *browsertest.Browser, what string, values map[string]string) {
	t.Helper()
	for name, v := range values {
		expr := `(() => { const el = document.querySelector('[data-view="menu"] input[name="` + name + `"]');
			if (el.type === 'checkbox') el.checked = '` + v + `' === 'on'; else el.value = '` + v + `'; })()`
		do(t, b, what+": "+name+"="+v, chromedp.Evaluate[chromedp.Void](expr))
	}
}

// The toolbar's network menu sets the delay, jitter and ordering of every
// link; a node's menu sets them for its links to another process. A jitter
// larger than the delay is refused on the page with an error that says
// why, and nothing reaches the run.
func TestBrowserNetworkMenuSetsJitterAndFIFO(t *testing.T) {
	ts := startServer(t)
	b := browsertest.Tab(t, 1366, 900)
	do(t, b, "open the page", chromedp.Navigate(ts.URL+"/patterns/request-pipeline?seed=1"))
	poll[bool](t, b, "the network settings", `!!(window.clusterscope.state.net && window.clusterscope.state.net.all)`)

	do(t, b, "open the network menu", chromedp.Click(`[data-action="network"]`, chromedp.NodeVisible))
	poll[bool](t, b, "what every link does now", `document.querySelector('[data-view="network-now"]')?.textContent.includes('10 ms ± 5 ms, in order')`)
	viewportShot(t, b, "network-menu")
	setInputs(t, b, "too much jitter", map[string]string{"delay": "10", "jitter": "50"})
	do(t, b, "set every link", chromedp.Click(`[data-view="menu"] [data-action="network-all"]`, chromedp.NodeVisible))
	poll[bool](t, b, "the error", `document.querySelector('[data-view="network-error"]').textContent.includes('jitter must be a number from 0 to 10 ms')`)
	viewportShot(t, b, "network-menu-error")
	if log := eval[string](t, b, `window.clusterscope.state.log`); log != "" {
		t.Fatalf("a refused setting reached the run: log %q", log)
	}

	setInputs(t, b, "jitter and no order", map[string]string{"delay": "20", "jitter": "15", "fifo": "off"})
	do(t, b, "set every link", chromedp.Click(`[data-view="menu"] [data-action="network-all"]`, chromedp.NodeVisible))
	poll[bool](t, b, "every link 5..35 ms, unordered", `(() => { const n = window.clusterscope.state.net;
		return n.all.meanDelay === '20ms' && n.all.minDelay === '5ms' && !n.all.fifo && !(n.links || []).length; })()`)
	poll[bool](t, b, "the event log to tell it", `document.querySelector('[data-view="events"]').textContent.includes('network any → any: delay 5ms..20ms')`)
	if eval[bool](t, b, `!document.querySelector('[data-view="menu"]').hidden`) {
		t.Error("the menu stayed open after a setting was applied")
	}

	do(t, b, "open athens's menu", chromedp.Click(`[data-view="cluster"] [data-node="athens"] .body`, chromedp.NodeVisible))
	do(t, b, "its links' settings", chromedp.Click(`[data-view="menu"] [data-action="link-settings"]`, chromedp.NodeVisible))
	poll[bool](t, b, "the links between athens and alice", `document.querySelector('[data-view="menu"] h3').textContent === 'Links between athens and alice'`)
	viewportShot(t, b, "network-menu-link")
	setInputs(t, b, "a slow ordered link", map[string]string{"delay": "100", "jitter": "0", "fifo": "on"})
	do(t, b, "set athens → alice", chromedp.Click(`[data-view="menu"] [data-action="network-out"]`, chromedp.NodeVisible))
	poll[bool](t, b, "athens → alice set apart", `(() => { const l = window.clusterscope.state.net.links || [];
		return l.length === 1 && l[0].from === 'athens' && l[0].to === 'alice' && l[0].net.meanDelay === '100ms' && l[0].net.minDelay === '100ms' && l[0].net.fifo; })()`)
	noBrowserErrors(t, b)
}
