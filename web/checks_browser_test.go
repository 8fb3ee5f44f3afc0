package web

import (
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"clusterscope/patterns"
	"clusterscope/web/browsertest"
	"clusterscope/web/testlog"

	"github.com/chromedp/chromedp"
)

// The history panel lists one line per declared history check, ✓ or ✗ with
// its text, and marks the operations of a breach: on the stale store, alice
// writes 1 and 2 and reads twice; the second read is stale.
func TestBrowserHistoryChecksAreDrawn(t *testing.T) {
	srv := New(Options{Patterns: []*patterns.Pattern{staleKVPattern()}, Logger: testlog.New(t)})
	ts := httptest.NewServer(srv)
	t.Cleanup(func() { srv.Close(); ts.Close() })
	b := browsertest.Tab(t, 1400, 1000)
	fail := func(what string, err error) {
		t.Helper()
		if err != nil {
			b.Screenshot(strings.ReplaceAll(t.Name(), "/", "-") + "-failed")
			t.Fatalf("%s: %v\nbrowser errors: %v", what, err, b.Errors())
		}
	}
	run := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		fail(what, chromedp.Do(b.Ctx, steps...))
	}
	poll := func(what, expr string) {
		t.Helper()
		_, err := chromedp.Run(b.Ctx, chromedp.Poll[bool](expr, chromedp.WithPollingTimeout(20*time.Second)))
		fail("waiting for "+what, err)
	}
	run("open the page", chromedp.Navigate(ts.URL+"/patterns/test-stale-kv?seed=1&variants=stale"))
	poll("the requests box", `!!document.querySelector('[data-request="write"] button')`)
	send := func(form, value string) {
		t.Helper()
		if value != "" {
			run("type "+value, chromedp.SetValue(`[data-request="write"] input[name="value"]`, value))
		}
		run(form, chromedp.Click(`[data-request="`+form+`"] button`, chromedp.NodeVisible))
	}
	// Play, and send each operation once the one before is answered.
	run("play", chromedp.Click(`[data-action="play"]`, chromedp.NodeVisible))
	for i, op := range [][2]string{{"write", "1"}, {"write", "2"}, {"read", ""}, {"read", ""}} {
		send(op[0], op[1])
		poll(op[0]+" answered", fmt.Sprintf(`document.querySelectorAll('[data-view="history"] .hv-op.st-ok').length === %d`, i+1))
	}

	line := func(check string) string {
		return `document.querySelector('[data-view="history"] .hv-checks li[data-check="` + check + `"]')`
	}
	for _, check := range []string{"read-your-writes", "monotonic-reads"} {
		poll(check+" broken", `(() => { const li = `+line(check)+`; return !!li && li.dataset.ok === 'false' && li.textContent.startsWith('✗ `+check+`') && li.textContent.includes('x="1"') && li.title.length > 0; })()`)
	}
	poll("the verdict", `document.querySelector('[data-view="history"] [data-verdict]').dataset.verdict === 'illegal'`)
	// The bars of the breaches: ops 1 and 3 (read-your-writes), 2 and 3
	// (monotonic reads); the first write is not part of either.
	marked, err := chromedp.Run(b.Ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('[data-view="history"] .hv-op.breach')].map((g) => g.dataset.op)`))
	fail("the marked bars", err)
	if strings.Join(marked, ",") != "1,2,3" {
		t.Errorf("bars marked as a breach: %v, want ops 1, 2 and 3", marked)
	}
	title, err := chromedp.Run(b.Ctx, chromedp.Evaluate[string](`document.querySelector('[data-view="history"] .hv-op[data-op="3"] title').textContent`))
	fail("the stale read's title", err)
	if !strings.Contains(title, "breach of read-your-writes, monotonic-reads") {
		t.Errorf("the stale read's tooltip does not name the checks it breaks: %q", title)
	}
	b.Screenshot("history-checks")
	if errs := b.Errors(); len(errs) > 0 {
		t.Fatalf("browser errors: %v", errs)
	}
}
