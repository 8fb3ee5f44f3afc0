package web_test

import (
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"clusterscope/engine"
	"clusterscope/lessons"
	"clusterscope/patterns"
	"clusterscope/web/browsertest"
	"clusterscope/web/share"

	"github.com/chromedp/chromedp"
)

// runState is what a learner sees of a run: the step, every node's status
// and role, the leader, the messages in flight and the cut links.
const runState = `JSON.stringify({
  step: document.querySelector('[data-step]').dataset.step,
  nodes: [...document.querySelectorAll('[data-view="cluster"] [data-node]')].map((n) => n.dataset.node + ' ' + n.dataset.status + ' ' + (n.dataset.role || '')).sort(),
  leader: ` + leaderExpr + `,
  msgs: [...document.querySelectorAll('[data-view="cluster"] .msg[data-msg]')].map((m) => m.dataset.msg).sort((a, b) => a - b),
  cut: document.querySelectorAll('[data-view="cluster"] .link.cut').length,
})`

type shownRun struct {
	Step   string
	Nodes  []string
	Leader string
	Msgs   []string
	Cut    int
}

func readRun(t *testing.T, b *browsertest.Browser) (shownRun, string) {
	t.Helper()
	js := eval[string](t, b, runState)
	var r shownRun
	if err := json.Unmarshal([]byte(js), &r); err != nil {
		t.Fatalf("run state %s: %v", js, err)
	}
	return r, js
}

// The "Share link" button gives a URL that, opened in another browser with
// nothing saved, shows the same run at the same step.
func TestBrowserShareLinkReproducesTheRun(t *testing.T) {
	b, ts := openLeaderAndFollowers(t, "?seed=1&nodes=5")
	do(t, b, "step", chromedp.Click(`[data-action="step"]`, chromedp.NodeVisible))
	poll[bool](t, b, "step 1", `document.querySelector('[data-step]').dataset.step === '1'`)
	first := playUntil(t, b, "a leader", leaderExpr)

	do(t, b, "open the leader's menu", chromedp.Click(fmt.Sprintf(`[data-view="cluster"] [data-node=%q]`, first), chromedp.NodeVisible))
	do(t, b, "crash", chromedp.Click(`[data-view="menu"] [data-action="crash"]`, chromedp.NodeVisible))
	poll[bool](t, b, "the crash", fmt.Sprintf(`document.querySelector('[data-view="cluster"] [data-node=%q]').dataset.status === 'crashed'`, first))
	second := playUntil(t, b, "a new leader", leaderExpr)
	if second == first {
		t.Fatalf("the crashed %s still leads", first)
	}
	// Cut off one follower that is neither the old nor the new leader.
	var alone string
	for _, n := range []string{"athens", "byzantium", "cyrene", "delphi", "ephesus"} {
		if n != first && n != second && eval[bool](t, b, fmt.Sprintf(`!!document.querySelector('[data-view="cluster"] [data-node=%q]')`, n)) {
			alone = n
			break
		}
	}
	var rest []string
	for _, n := range []string{"athens", "byzantium", "cyrene", "delphi", "ephesus"} {
		if n != alone && eval[bool](t, b, fmt.Sprintf(`!!document.querySelector('[data-view="cluster"] [data-node=%q]')`, n)) {
			rest = append(rest, n)
		}
	}
	groups, _ := json.Marshal([][]string{{alone}, rest})
	do(t, b, "partition", chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`window.clusterscope.cmd({kind: 'partition', groups: %s})`, groups)))
	poll[bool](t, b, "cut links drawn", `document.querySelectorAll('[data-view="cluster"] .link.cut').length > 0`)
	logBefore := eval[string](t, b, `window.clusterscope.state.log`)
	do(t, b, "a client write", chromedp.Click(`[data-request="write"] button`, chromedp.NodeVisible))
	poll[bool](t, b, "the write in the log", fmt.Sprintf(`window.clusterscope.state.log !== %q`, logBefore))
	stepNow := eval[int](t, b, `+document.querySelector('[data-step]').dataset.step`)
	playUntil(t, b, "a few steps on", fmt.Sprintf(`+document.querySelector('[data-step]').dataset.step >= %d`, stepNow+3))
	// Stop where messages are in flight, one step at a time.
	for i := 0; i < 100 && !eval[bool](t, b, `document.querySelectorAll('[data-view="cluster"] .msg[data-msg]').length > 0`); i++ {
		s := eval[int](t, b, `+document.querySelector('[data-step]').dataset.step`)
		do(t, b, "step", chromedp.Click(`[data-action="step"]`, chromedp.NodeVisible))
		poll[bool](t, b, "the next step", fmt.Sprintf(`+document.querySelector('[data-step]').dataset.step === %d`, s+1))
	}
	want, wantJS := readRun(t, b)
	if len(want.Msgs) == 0 || want.Leader == "" {
		t.Fatalf("the run to share has no messages in flight or no leader: %s", wantJS)
	}

	// Catch what the page copies.
	do(t, b, "stub the clipboard", chromedp.Evaluate[chromedp.Void](`window.copied = null; navigator.clipboard.writeText = async (s) => { window.copied = s; };`))
	do(t, b, "share", chromedp.Click(`[data-action="share"]`, chromedp.NodeVisible))
	link := poll[string](t, b, "the share link", `(document.querySelector('dialog[open] [data-view="share-url"]') || {}).value || ''`)
	do(t, b, "copy", chromedp.Click(`dialog[open] button.primary`, chromedp.NodeVisible))
	if copied := poll[string](t, b, "the copied link", `window.copied || ''`); copied != link {
		t.Errorf("the page copied %q, but shows %q", copied, link)
	}
	if got := eval[string](t, b, `document.querySelector('dialog[open] button.primary').textContent`); got != "Copied" {
		t.Errorf("the copy button says %q after copying", got)
	}

	u, err := url.Parse(link)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(link, ts.URL+lafPage+"?") {
		t.Errorf("share link %s is not the pattern page of this server", link)
	}
	if u.Query().Get("session") != "" || u.Fragment != "" {
		t.Errorf("the share link carries the sharer's session: %s", link)
	}
	log, err := share.DecodeLog(u.Query().Get("log"))
	if err != nil {
		t.Fatalf("the share link's log: %v", err)
	}
	kinds := map[string]bool{}
	for _, c := range log {
		kinds[c.Kind] = true
	}
	for _, k := range []string{engine.CmdCrash, engine.CmdPartition, engine.CmdClient} {
		if !kinds[k] {
			t.Errorf("the share link's log has no %s command: %+v", k, log)
		}
	}

	other := browsertest.Tab(t, 1400, 1000)
	do(t, other, "open the shared link", chromedp.Navigate(link))
	poll[bool](t, other, "the shared step", fmt.Sprintf(`!!document.querySelector('[data-step]') && document.querySelector('[data-step]').dataset.step === %q && document.querySelectorAll('[data-view="cluster"] [data-node]').length >= 5`, want.Step))
	// The step shows before every layer is drawn: give the views a moment.
	var got shownRun
	var gotJS string
	for deadline := time.Now().Add(3 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		got, gotJS = readRun(t, other)
		if gotJS == wantJS || time.Now().After(deadline) {
			break
		}
	}
	if gotJS != wantJS {
		other.Screenshot("share-link-other-browser-failed")
		t.Errorf("the shared link shows another run\n got: %s\nwant: %s", gotJS, wantJS)
	}
	if got.Leader != second {
		t.Errorf("the shared run's leader is %q, want %q", got.Leader, second)
	}
	noBrowserErrors(t, b)
	noBrowserErrors(t, other)
}

// A run whose link would be longer than share.MaxURL is offered as a
// scenario file, with a message that says why.
func TestBrowserShareTooLongOffersTheScenarioFile(t *testing.T) {
	// Many client writes with values that do not compress: the log alone
	// is longer than any link we hand out.
	rng := rand.New(rand.NewPCG(7, 7))
	const letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	pat, ok := patterns.ByID("leader-and-followers")
	if !ok {
		t.Fatal("no leader-and-followers pattern")
	}
	cfg, err := pat.Config(3, 3, nil)
	if err != nil {
		t.Fatal(err)
	}
	sim, err := engine.New(cfg, pat.Cluster.Model(cfg))
	if err != nil {
		t.Fatal(err)
	}
	clients := []string{"alice", "bob"}
	for i := range 240 {
		if i%2 == 0 {
			sim.Step()
		}
		v := make([]byte, 48)
		for j := range v {
			v[j] = letters[rng.IntN(len(letters))]
		}
		if err := sim.Apply(engine.Command{
			Kind: engine.CmdClient, Node: clients[i%2], Name: "write",
			Args: map[string]string{"key": fmt.Sprintf("k%d", i), "value": string(v), "node": "athens"},
		}); err != nil {
			t.Fatal(err)
		}
	}
	log := sim.Log()
	// Random values do not compress: even deflated, this log is too long.
	q := url.Values{"seed": {"3"}, "nodes": {"3"}, "step": {"120"}, "log": {share.EncodeLog(log)}}
	b, ts := openLeaderAndFollowers(t, "?"+q.Encode())
	poll[bool](t, b, "the replayed step", `document.querySelector('[data-step]').dataset.step === '120'`)
	// The page reads the deflated log too: one timeline tick per command.
	poll[bool](t, b, "a tick per command", fmt.Sprintf(`(window.clusterscope.state.log || '').startsWith('z') && document.querySelectorAll('[data-view="timeline"] .tl-tick.cmd').length === %d`, len(log)))
	if n := eval[int](t, b, `(window.clusterscope.state.log || '').length`); n <= share.MaxURL {
		t.Fatalf("the page's log is only %d characters: the run must not fit a link (at most %d)", n, share.MaxURL)
	}

	// Catch the download the page starts instead of letting chromium save it.
	do(t, b, "stub downloads", chromedp.Evaluate[chromedp.Void](`window.offered = null; HTMLAnchorElement.prototype.click = function () { window.offered = { href: this.href, download: this.getAttribute('download') }; };`))
	do(t, b, "share", chromedp.Click(`[data-action="share"]`, chromedp.NodeVisible))
	msg := poll[string](t, b, "the too-long message", `(() => { const s = document.querySelector('[data-view="status"]'); return s && s.textContent.includes('too long') ? s.textContent : ''; })()`)
	if !strings.Contains(msg, "scenario file") {
		t.Errorf("the message does not say the run was saved as a scenario file: %q", msg)
	}
	if m := regexp.MustCompile(`would be (\d+) characters`).FindStringSubmatch(msg); m == nil {
		t.Errorf("the message does not give the link's length: %q", msg)
	}
	if eval[bool](t, b, `!!document.querySelector('dialog[open] [data-view="share-url"]')`) {
		t.Error("a too-long link was still offered as a link")
	}
	type offer struct{ Href, Download string }
	var o offer
	if err := json.Unmarshal([]byte(eval[string](t, b, `JSON.stringify(window.offered)`)), &o); err != nil || o.Href == "" {
		t.Fatalf("no scenario file was offered (%v): %+v", err, o)
	}
	session := eval[string](t, b, `window.clusterscope.state.session`)
	key := eval[string](t, b, `window.clusterscope.state.exportKey`)
	if want := ts.URL + "/session/" + session + "/scenario.yaml?key=" + key; key == "" || o.Href != want {
		t.Errorf("the page offered %s, want %s", o.Href, want)
	}
	if !strings.HasSuffix(o.Download, ".yaml") {
		t.Errorf("the offered file is named %q", o.Download)
	}

	res, err := http.Get(o.Href)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || !strings.Contains(res.Header.Get("Content-Type"), "yaml") {
		t.Fatalf("%s: %s %s\n%s", o.Href, res.Status, res.Header.Get("Content-Type"), body)
	}
	sc, err := lessons.ParseScenario(o.Download, body)
	if err != nil {
		t.Fatalf("the offered scenario does not parse: %v\n%s", err, body)
	}
	if sc.Pattern != "leader-and-followers" {
		t.Errorf("the scenario is for %q", sc.Pattern)
	}
	// It is this run: the values written are in it.
	for _, c := range []engine.LoggedCommand{log[0], log[len(log)-1]} {
		if !strings.Contains(string(body), c.Args["value"]) {
			t.Errorf("the scenario file lacks the write of %s", c.Args["value"])
		}
	}
	noBrowserErrors(t, b)
}

// The Embed dialog gives an <iframe> snippet for the options chosen, and the
// snippet works inside a page of another origin.
func TestBrowserEmbedDialogSnippet(t *testing.T) {
	b, ts := openLeaderAndFollowers(t, "?seed=5")
	do(t, b, "embed", chromedp.Click(`[data-action="embed"]`, chromedp.NodeVisible))
	const code = `document.querySelector('dialog[open] [data-view="embed-code"]').value`
	snippet := poll[string](t, b, "the embed code", `(document.querySelector('dialog[open] [data-view="embed-code"]') || {}).value || ''`)
	checkSnippet(t, ts.URL, snippet, map[string]string{"seed": "5", "autoplay": "1", "controls": "minimal"})
	playing := snippet

	do(t, b, "full controls", chromedp.SetValue(`dialog[open] select[name="controls"]`, "full"),
		chromedp.Evaluate[chromedp.Void](`document.querySelector('dialog[open] select[name="controls"]').dispatchEvent(new Event('change'))`))
	do(t, b, "no autoplay", chromedp.Click(`dialog[open] input[name="autoplay"]`, chromedp.NodeVisible))
	still := eval[string](t, b, code)
	checkSnippet(t, ts.URL, still, map[string]string{"seed": "5", "autoplay": "", "controls": "full"})

	do(t, b, "stub the clipboard", chromedp.Evaluate[chromedp.Void](`window.copied = null; navigator.clipboard.writeText = async (s) => { window.copied = s; };`))
	do(t, b, "copy", chromedp.Click(`dialog[open] [data-action="copy-embed"]`, chromedp.NodeVisible))
	if copied := poll[string](t, b, "the copied snippet", `window.copied || ''`); copied != still {
		t.Errorf("copied %q, the dialog shows %q", copied, still)
	}

	// Both snippets, pasted as they are into a page of another origin.
	outer := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!DOCTYPE html><html><body><h1>Workshop</h1>
<div id="a">%s</div><div id="b">%s</div>
<script>
window.last = {};
window.addEventListener('message', (e) => {
  if (!e.data || e.data.source !== 'clusterscope') return;
  for (const id of ['a', 'b']) if (e.source === document.querySelector('#' + id + ' iframe').contentWindow) window.last[id] = e.data;
});
</script></body></html>`, playing, still)
	}))
	t.Cleanup(outer.Close)
	if outer.URL == ts.URL {
		t.Fatal("the outer page must be another origin")
	}
	page := browsertest.Tab(t, 900, 1200)
	do(t, page, "open the workshop page", chromedp.Navigate(outer.URL))
	step := poll[int](t, page, "the autoplay embed to play", `window.last.a && window.last.a.playing && window.last.a.step > 5 ? window.last.a.step : 0`)
	poll[bool](t, page, "the other embed to load", `!!window.last.b && window.last.b.pattern === 'leader-and-followers'`)
	// Had it been asked to play on load, it would have played from its first
	// frame on: give it as long as the playing embed takes to move on a few
	// more steps, a measure that slows down with the machine.
	at := eval[int](t, page, `window.last.a.step`)
	poll[bool](t, page, "the autoplay embed to play on", fmt.Sprintf(`window.last.a.step >= %d`, at+5))
	if last := eval[string](t, page, `JSON.stringify(window.last.b)`); !eval[bool](t, page, `window.last.b.step === 0 && !window.last.b.playing`) {
		t.Errorf("the embed without autoplay moved on its own: %s", last)
	}
	t.Logf("the autoplay embed reported step %d", step)
	noBrowserErrors(t, page)

	// The full-controls snippet shows the timeline; the minimal one hides it.
	for _, c := range []struct {
		snippet  string
		timeline bool
	}{{playing, false}, {still, true}} {
		src := iframeSrc(t, c.snippet)
		do(t, page, "open the embed", chromedp.Navigate(src))
		poll[bool](t, page, "the embed's cluster", `document.querySelectorAll('[data-view="cluster"] [data-node]').length >= 3`)
		shown := eval[bool](t, page, `(() => { const e = document.querySelector('.timeline'); return !!e && getComputedStyle(e).display !== 'none'; })()`)
		if shown != c.timeline {
			t.Errorf("%s: timeline shown %v, want %v", src, shown, c.timeline)
		}
	}
}

func iframeSrc(t *testing.T, snippet string) string {
	t.Helper()
	m := regexp.MustCompile(`^<iframe src="([^"]+)"[^>]*></iframe>$`).FindStringSubmatch(snippet)
	if m == nil {
		t.Fatalf("not an <iframe> snippet: %q", snippet)
	}
	return strings.ReplaceAll(m[1], "&amp;", "&")
}

// checkSnippet checks the iframe's src: this server's embed page of the
// pattern, with the query given ("" means absent).
func checkSnippet(t *testing.T, origin, snippet string, want map[string]string) {
	t.Helper()
	u, err := url.Parse(iframeSrc(t, snippet))
	if err != nil {
		t.Fatal(err)
	}
	if got := u.Scheme + "://" + u.Host + u.Path; got != origin+"/embed/leader-and-followers" {
		t.Errorf("the snippet frames %s", got)
	}
	for k, v := range want {
		if got := u.Query().Get(k); got != v {
			t.Errorf("the snippet's %s is %q, want %q (%s)", k, got, v, snippet)
		}
	}
	if !strings.Contains(snippet, `title="`) {
		t.Errorf("the snippet's frame has no title: %s", snippet)
	}
}
