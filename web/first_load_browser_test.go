package web_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"clusterscope/web/browsertest"
)

// firstLoadExpr sums what the page fetched, as sent (gzipped bodies), from
// the browser's own resource timing: the HTML and every script, style and
// icon, dynamic imports made at load included.
const firstLoadExpr = `(() => {
	const all = [...performance.getEntriesByType('navigation'), ...performance.getEntriesByType('resource')];
	return { bytes: all.reduce((n, e) => n + e.encodedBodySize, 0), files: all.map((e) => new URL(e.name).pathname.split('/').pop()) };
})()`

type loaded struct {
	Bytes int      `json:"bytes"`
	Files []string `json:"files"`
}

// Issue 19 as a browser counts it: a pattern page's first load, gzipped,
// within 60 KB, and the features a visit may never use are not in it until
// they are used (then they load and work).
func TestBrowserFirstLoadWithin60KB(t *testing.T) {
	ts := startServer(t)
	b := browsertest.Tab(t, 1366, 768) // a browser context of its own: nothing cached
	do(t, b, "open the page", chromedp.Navigate(ts.URL+"/patterns/leader-and-followers"))
	poll[bool](t, b, "connected", `document.getElementById('app').dataset.connected === 'true' && document.querySelectorAll('[data-view="cluster"] [data-node]').length > 0`)
	first := eval[loaded](t, b, firstLoadExpr)
	if first.Bytes > 60_000 {
		t.Errorf("first load is %d bytes gzipped, over 60 KB: %v", first.Bytes, first.Files)
	}
	has := func(l loaded, name string) bool {
		for _, f := range l.Files {
			if f == name {
				return true
			}
		}
		return false
	}
	for _, lazy := range []string{"room.js", "room.css", "story.js", "search.js", "compare.js", "network.js"} {
		if has(first, lazy) {
			t.Errorf("%s is in the first load; it should load on first use", lazy)
		}
	}
	t.Logf("first load: %d bytes gzipped in %d files", first.Bytes, len(first.Files))

	// Used, they load: compare and share (room.js with its stylesheet).
	do(t, b, "compare", chromedp.Click(`[data-action="compare"]`, chromedp.NodeVisible))
	poll[bool](t, b, "the compared run", `!document.querySelector('[data-view="compare"]').hidden`)
	do(t, b, "share", chromedp.Click(`[data-action="share"]`, chromedp.NodeVisible))
	poll[bool](t, b, "the share dialog", `!!document.querySelector('dialog.share-dialog[open]')`)
	after := eval[loaded](t, b, firstLoadExpr)
	for _, name := range []string{"compare.js", "room.js", "room.css"} {
		if !has(after, name) {
			t.Errorf("%s did not load when used: %s", name, strings.Join(after.Files, " "))
		}
	}
}
