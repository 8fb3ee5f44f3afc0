package web_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"clusterscope/web/browsertest"

	"github.com/chromedp/chromedp"
)

// The scenario player: pick a scenario from the lesson, read on to its
// prediction, answer it, and see the explanation; take over and come back.
func TestBrowserScenarioPlayer(t *testing.T) {
	b, _ := openLeaderAndFollowers(t, "?seed=1&nodes=5")
	const story = `document.querySelector('[data-view="story"]')`
	// The parts play at the page's speed: the fastest a learner can pick.
	do(t, b, "speed 20×", chromedp.SetValue(`[data-action="speed"]`, "20"))
	do(t, b, "pick the scenario", chromedp.Click(`.scenario-list [data-scenario="1-election"]`, chromedp.NodeVisible))
	poll[bool](t, b, "the story to open", story+`.dataset.active === 'true' && `+story+`.textContent.includes('Nobody leads yet')`)
	poll[bool](t, b, "the story's three servers", `document.querySelectorAll('[data-view="cluster"] [data-node]').length === 5`) // 3 servers + 2 clients
	for i := 0; ; i++ {
		if eval[bool](t, b, `!!document.querySelector('[data-view="question"][data-answered="false"]')`) {
			break
		}
		if i > 10 {
			t.Fatal("no question after 10 parts")
		}
		before := eval[int](t, b, story+`.querySelectorAll('.story-item').length`)
		part := eval[string](t, b, story+`.querySelector('.story-meta').textContent`)
		do(t, b, "next", chromedp.Click(`[data-action="scenario-next"]`, chromedp.NodeVisible))
		poll[bool](t, b, "the next part", story+`.querySelectorAll('.story-item').length > `+strconv.Itoa(before))
		// Next while a part plays skips to its end instead of moving on:
		// the learner reads a part once it has played.
		poll[bool](t, b, "the part played", partPlayed(part))
	}
	if eval[bool](t, b, `!!document.querySelector('[data-view="explain"]')`) {
		t.Fatal("the explanation shows before the learner answered")
	}
	if !eval[bool](t, b, `document.querySelector('[data-action="scenario-next"]').disabled`) {
		t.Fatal("next should wait for the answer")
	}
	// The right answer, wherever the page shows it (choices are shuffled).
	right := eval[int](t, b, `[...document.querySelectorAll('[data-view="question"] [data-choice]')].findIndex((b) => b.textContent.includes('wins with the other'))`)
	if right < 0 {
		t.Fatal("no choice is the right answer")
	}
	do(t, b, "answer", chromedp.Click(fmt.Sprintf(`[data-view="question"] [data-choice="%d"]`, right), chromedp.NodeVisible))
	explain := poll[string](t, b, "the explanation", `(() => { const e = document.querySelector('[data-view="explain"]'); return e ? e.textContent : ''; })()`)
	if !strings.Contains(explain, "Right.") || !strings.Contains(explain, "majority") {
		t.Fatalf("explanation: %q", explain)
	}
	if !eval[bool](t, b, `document.querySelector('[data-choice="1"]').classList.contains('right')`) {
		t.Fatal("the right choice is not marked")
	}
	if u := eval[string](t, b, `location.search`); u != "?scenario=1-election" {
		t.Errorf("the page URL while following a story: %q", u)
	}
	shot(t, b, ".stage", "scenario-player-answered")

	// On, then take over with a crash from the node menu's command path.
	part := eval[string](t, b, story+`.querySelector('.story-meta').textContent`)
	do(t, b, "next", chromedp.Click(`[data-action="scenario-next"]`, chromedp.NodeVisible))
	poll[bool](t, b, "the crash part", `[...document.querySelectorAll('.story-item.k-command')].some((e) => e.textContent.includes('crash byzantium'))`)
	poll[bool](t, b, "the part played", partPlayed(part))
	step := eval[string](t, b, `document.querySelector('[data-step]').dataset.step`)
	do(t, b, "take over", chromedp.Click(`[data-action="step"]`, chromedp.NodeVisible))
	poll[bool](t, b, "the take-over", story+`.dataset.following === 'false' && !!document.querySelector('.story-away')`)
	do(t, b, "back to the story", chromedp.Click(`.story-away [data-action="scenario-resume"]`, chromedp.NodeVisible))
	poll[bool](t, b, "the story again", story+`.dataset.following === 'true' && document.querySelector('[data-step]').dataset.step === '`+step+`'`)
	if errs := b.Errors(); len(errs) > 0 {
		t.Fatalf("browser errors: %v", errs)
	}
}

// partPlayed is true once the story has moved on from the part whose
// .story-meta read before, and that part has played to its end.
func partPlayed(before string) string {
	const story = `document.querySelector('[data-view="story"]')`
	return story + `.dataset.playing === 'false' && ` + story + `.querySelector('.story-meta').textContent !== ` + strconv.Quote(before)
}

// shot saves a picture of one element as a test artefact.
func shot(t *testing.T, b *browsertest.Browser, sel, name string) {
	t.Helper()
	png, err := chromedp.Run(b.Ctx, chromedp.Screenshot(sel, chromedp.NodeVisible))
	if err != nil {
		t.Fatalf("screenshot of %s: %v", sel, err)
	}
	dir := browsertest.ArtifactsDir()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", path)
}

// A scenario opens from a URL on this server, and from a file.
func TestBrowserScenarioFromURLAndFile(t *testing.T) {
	ts := startServer(t)
	b := browsertest.Tab(t, 1400, 1000)
	do(t, b, "open the page", chromedp.Navigate(ts.URL+"/patterns/heartbeat"))
	const story = `document.querySelector('[data-view="story"]')`
	poll[bool](t, b, "the cluster", `document.querySelectorAll('[data-view="cluster"] [data-node]').length > 0`)
	do(t, b, "open by URL",
		chromedp.SendKeys(`form[data-action="scenario-url"] input`, "/lessons/heartbeat/2-timeout-too-short.yaml", chromedp.NodeVisible),
		chromedp.Click(`form[data-action="scenario-url"] button`, chromedp.NodeVisible))
	poll[bool](t, b, "the story from the URL", story+`.dataset.active === 'true' && `+story+`.querySelector('.story-meta').textContent.includes('opened from a file')`)
	file := filepath.Join(t.TempDir(), "mine.yaml")
	if err := os.WriteFile(file, []byte("title: From my laptop\nnodes: 3\nsteps:\n  - say: Hello from a *file*.\n  - run: 1s\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	do(t, b, "open a file", chromedp.SetUploadFiles(`input[data-action="scenario-file"]`, []string{file}))
	poll[bool](t, b, "the story from the file", story+`.querySelector('.story-title').textContent === 'From my laptop' && !!`+story+`.querySelector('.k-say em')`)
	href := eval[string](t, b, `document.querySelector('a[data-action="export-scenario"]').href`)
	if !strings.Contains(href, "/session/") || !strings.Contains(href, "/scenario.yaml?key=") || strings.HasSuffix(href, "key=") {
		t.Fatalf("export link: %q", href)
	}
	if errs := b.Errors(); len(errs) > 0 {
		t.Fatalf("browser errors: %v", errs)
	}
}
