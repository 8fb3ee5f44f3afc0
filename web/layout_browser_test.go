package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"clusterscope/web/browsertest"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// The pattern page at the screen sizes a class meets: laptops and the
// 1024×768 projector. The live cluster, its controls and the scenario player
// must be on the first screen, without scrolling; the lesson one click away.

var screens = []struct{ w, h int }{{1024, 768}, {1280, 800}, {1366, 768}, {1366, 900}, {1920, 1080}}

// inViewport is true when the element matched by sel is rendered and lies
// within the window, top to bottom (tolerance: 2 px).
func inViewport(sel string) string {
	return fmt.Sprintf(`(() => { const el = document.querySelector(%q); if (!el) return false; const r = el.getBoundingClientRect(); return r.width > 0 && r.height > 0 && r.top >= -2 && r.bottom <= innerHeight + 2 && r.left >= -2 && r.right <= innerWidth + 2; })()`, sel)
}

// viewportShot saves what the window shows (not the whole page).
func viewportShot(t *testing.T, b *browsertest.Browser, name string) string {
	t.Helper()
	png, err := chromedp.Run(b.Ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatalf("screenshot: %v", err)
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
	return path
}

func colorScheme(t *testing.T, b *browsertest.Browser, scheme string) {
	t.Helper()
	do(t, b, "prefers-color-scheme: "+scheme, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}}})
		return err
	}))
}

func TestBrowserLayoutAboveTheFold(t *testing.T) {
	ts := startServer(t)
	// Light at every size; dark (the colours change, not the layout) at
	// 1024×768, 1366×768 and 1920×1080.
	for _, scheme := range []string{"light", "dark"} {
		b := browsertest.Tab(t, 1366, 768)
		colorScheme(t, b, scheme)
		do(t, b, "open the page", chromedp.Navigate(ts.URL+lafPage+"?seed=1"))
		poll[bool](t, b, "the cluster", `document.querySelectorAll('[data-view="cluster"] [data-node]').length === 5`)
		playUntil(t, b, "a leader", leaderExpr)
		for _, sc := range screens {
			if scheme == "dark" && sc.h != 768 && sc.w != 1920 {
				continue
			}
			name := fmt.Sprintf("layout-%dx%d-%s", sc.w, sc.h, scheme)
			t.Run(name, func(t *testing.T) {
				do(t, b, "size the window", chromedp.EmulateViewport(int64(sc.w), int64(sc.h)))
				do(t, b, "back to the top", chromedp.Evaluate[chromedp.Void](`window.scrollTo(0, 0)`))
				poll[bool](t, b, "the layout for the new size", fmt.Sprintf(`innerWidth === %d && innerHeight === %d`, sc.w, sc.h))
				viewportShot(t, b, name)
				for _, sel := range []string{
					`[data-action="play"]`, `[data-action="step"]`, `[data-action="partition"]`, `[data-step]`,
					`[data-view="cluster"] svg`,
					`[data-view="timeline"] input[type=range]`,
					`[data-view="story"] .story-head`,
					`[data-view="scenario-list"] [data-scenario]`,
					`[data-view="invariants"] h2`,
				} {
					if !eval[bool](t, b, inViewport(sel)) {
						t.Errorf("%s is not on the first screen", sel)
					}
				}
				// The lesson: beside the workbench on a wide screen, a link
				// at the top of the page otherwise.
				if !eval[bool](t, b, inViewport(`.lesson-text > summary`)+` || `+inViewport(`a[href="#lesson"]`)) {
					t.Error("neither the lesson nor a link to it is on the first screen")
				}
				for _, n := range []string{"athens", "byzantium", "cyrene", "alice", "bob"} {
					if !eval[bool](t, b, inViewport(fmt.Sprintf(`[data-view="cluster"] [data-node=%q] .body`, n))) {
						t.Errorf("node %s is not on the first screen", n)
					}
				}
				if h := eval[float64](t, b, `document.querySelector('[data-view="cluster"] svg').getBoundingClientRect().height`); h < float64(sc.h)*0.45 {
					t.Errorf("the cluster is %.0f px high in a %d px window: too small to read", h, sc.h)
				}
				if sc.w == 1366 && sc.h == 768 {
					b.Screenshot(name + "-whole-page")
				}
				noBrowserErrors(t, b)
			})
		}
	}
}

// Presenter mode is the projector layout: the cluster large, the story,
// the invariants and the room's panel; the lesson, the node panels and the
// views inside the run are off the screen.
func TestBrowserPresenterLayout(t *testing.T) {
	ts := startServer(t)
	for _, sc := range []struct{ w, h int }{{1024, 768}, {1920, 1080}} {
		name := fmt.Sprintf("presenter-%dx%d", sc.w, sc.h)
		t.Run(name, func(t *testing.T) {
			b := browsertest.Tab(t, sc.w, sc.h)
			do(t, b, "size the window", chromedp.EmulateViewport(int64(sc.w), int64(sc.h)))
			do(t, b, "open the page", chromedp.Navigate(ts.URL+lafPage+"?seed=1"))
			poll[bool](t, b, "the cluster", `document.querySelectorAll('[data-view="cluster"] [data-node]').length === 5`)
			do(t, b, "pick a scenario", chromedp.Click(`.scenario-list [data-scenario="1-election"]`, chromedp.NodeVisible))
			poll[bool](t, b, "the story", `document.querySelector('[data-view="story"]').dataset.active === 'true'`)
			do(t, b, "present", chromedp.Click(`[data-action="present"]`, chromedp.NodeVisible))
			poll[string](t, b, "the join code", `(document.querySelector('[data-view="room-code"]') || {}).textContent || ''`)
			poll[bool](t, b, "the QR code", `(() => { const i = document.querySelector('.present-panel img.qr'); return !!i && i.complete && i.naturalWidth > 0; })()`)
			do(t, b, "next part", chromedp.Click(`[data-action="scenario-next"]`, chromedp.NodeVisible))
			t.Log(eval[string](t, b, `JSON.stringify({active: document.querySelector('[data-view="story"]').dataset.active, side: document.querySelector('.side').scrollTop, step: document.querySelector('[data-step]').dataset.step, st: document.querySelector('[data-view="story"]').getBoundingClientRect().top})`))
			viewportShot(t, b, name)
			for _, sel := range []string{
				`[data-view="cluster"] svg`, `[data-action="play"]`, `[data-step]`,
				`[data-view="story"] .story-head`, `[data-action="scenario-next"]`,
				`[data-view="invariants"] h2`,
				`[data-view="room-code"]`, `.present-panel img.qr`,
			} {
				if !eval[bool](t, b, inViewport(sel)) {
					t.Errorf("%s is not on the projected screen", sel)
				}
			}
			for _, sel := range []string{`.lesson`, `[data-view="nodes"]`, `[data-view="spacetime"]`, `[data-view="history"]`, `[data-view="exports"]`, `[data-view="events"]`, `.page-nav`} {
				if eval[bool](t, b, fmt.Sprintf(`(() => { const el = document.querySelector(%q); return !!el && el.getClientRects().length > 0; })()`, sel)) {
					t.Errorf("%s shows in presenter mode", sel)
				}
			}
			// Nothing overlaps the room's panel.
			if eval[bool](t, b, `(() => { const p = document.querySelector('.present-panel').getBoundingClientRect(); return [...document.querySelectorAll('.stage, .controls')].some((el) => el.getBoundingClientRect().right > p.left + 1); })()`) {
				t.Error("the workbench runs under the room's panel")
			}
			if h := eval[float64](t, b, `document.querySelector('[data-view="cluster"] svg').getBoundingClientRect().height`); h < float64(sc.h)*0.5 {
				t.Errorf("the cluster is %.0f px high on a %d px projector", h, sc.h)
			}
			noBrowserErrors(t, b)
		})
	}
}

// The pattern page as a learner meets it (issue 18), at the sizes a class
// meets (1024×768 projector, 1366×768 laptop, 1920×1080) in light and dark:
// the story plays from start to end with every question and all its choices
// on the first screen, nothing scrolls inside a column, and the broken
// variant shows its failure.

var learnerScreens = []struct{ w, h int }{{1024, 768}, {1366, 768}, {1920, 1080}}

// learnerSchemes are the colour schemes the learner tests play at a screen
// size: light everywhere, dark at the laptop size. Dark changes colours, not
// geometry, and TestBrowserLayoutAboveTheFold checks dark at every size; a
// second dark playthrough per size cost ~25 s of make test.
func learnerSchemes(w int) []string {
	if w == 1366 {
		return []string{"light", "dark"}
	}
	return []string{"light"}
}

// rectsOverlap is a JS expression: do the boxes of a and b (elements) cross
// by more than 1 px?
const rectsOverlapJS = `const overlap = (a, b) => { const r = a.getBoundingClientRect(), q = b.getBoundingClientRect(); return r.width > 0 && q.width > 0 && r.left < q.right - 1 && q.left < r.right - 1 && r.top < q.bottom - 1 && q.top < r.bottom - 1; };`

// firstScreen asserts that each selector is wholly in the window, the page
// is not scrolled, and no column scrolls on its own: one round trip to the
// browser (a story checks this at every part, at four sizes).
func firstScreen(t *testing.T, b *browsertest.Browser, when string, sels ...string) {
	t.Helper()
	var got struct {
		ScrollY  float64
		Outside  []string // "selector: where it is"
		Scrolled string
	}
	js := fmt.Sprintf(`(() => {
		const outside = [];
		for (const sel of %s) {
			const el = document.querySelector(sel);
			if (!el) { outside.push(sel + ': missing'); continue; }
			const r = el.getBoundingClientRect();
			if (!(r.width > 0 && r.height > 0 && r.top >= -2 && r.bottom <= innerHeight + 2 && r.left >= -2 && r.right <= innerWidth + 2))
				outside.push(sel + ': ' + JSON.stringify([r.left, r.top, r.right, r.bottom]));
		}
		// Nothing beside the cluster scrolls inside itself.
		const scrolled = [...document.querySelectorAll('.stage, .stage *')].filter((e) => e.scrollHeight > e.clientHeight + 1 && /(auto|scroll)/.test(getComputedStyle(e).overflowY)).map((e) => e.className || e.tagName).join(', ');
		return JSON.stringify({ScrollY: scrollY, Outside: outside, Scrolled: scrolled});
	})()`, jsonString(t, sels))
	if err := json.Unmarshal([]byte(eval[string](t, b, js)), &got); err != nil {
		t.Fatal(err)
	}
	if got.ScrollY != 0 {
		t.Errorf("%s: the page scrolled to y=%.0f", when, got.ScrollY)
	}
	for _, o := range got.Outside {
		t.Errorf("%s: %s is not wholly on the first screen", when, o)
	}
	if got.Scrolled != "" {
		t.Errorf("%s: these scroll inside themselves: %s", when, got.Scrolled)
	}
}

// jsonString is v as a JavaScript literal.
func jsonString(t *testing.T, v any) string {
	t.Helper()
	out, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

// storyWords are the story's lines a learner reads (summaries of runs,
// commands and checks; the file's own wording is in their details).
const storyWordsJS = `[...document.querySelectorAll('[data-view="story"] .story-part.current .story-item')].map((e) => { const s = e.querySelector('summary'); return s ? s.textContent : ''; }).join('\n')`

func TestBrowserLearnerPlaysLeaderAndFollowers(t *testing.T) {
	ts := startServer(t)
	for _, sc := range learnerScreens {
		for _, scheme := range learnerSchemes(sc.w) {
			name := fmt.Sprintf("%dx%d-%s", sc.w, sc.h, scheme)
			t.Run(name, func(t *testing.T) {
				t.Parallel() // a tab and a run of its own
				b := browsertest.Tab(t, sc.w, sc.h)
				colorScheme(t, b, scheme)
				do(t, b, "size the window", chromedp.EmulateViewport(int64(sc.w), int64(sc.h)))

				// The catalog opens with a path through the live patterns.
				do(t, b, "open the catalog", chromedp.Navigate(ts.URL+"/"))
				poll[bool](t, b, "the catalog", `!!document.querySelector('[data-view="start-here"]')`)
				firstScreen(t, b, "the catalog", `[data-view="start-here"] h2`, `[data-view="start-here"] li:first-child a`)
				if eval[bool](t, b, `(() => { const c = document.querySelector('.card.coming'); return !!c && c.getBoundingClientRect().top < document.querySelector('[data-view="start-here"]').getBoundingClientRect().bottom; })()`) {
					t.Error("the catalog shows patterns still coming before its start-here path")
				}

				do(t, b, "open the page", chromedp.Navigate(ts.URL+lafPage))
				poll[bool](t, b, "the cluster", `document.querySelectorAll('[data-view="cluster"] [data-node]').length >= 3`)
				// Teacher tools are apart from play.
				poll[bool](t, b, "the teacher tools", `!!document.querySelector('[data-view="teach"] [data-action="present"]')`)
				if eval[bool](t, b, `!!document.querySelector('.controls [data-action="present"], .controls [data-action="seed"]')`) {
					t.Error("teacher tools (Present, Seed) sit in the toolbar with Play")
				}
				firstScreen(t, b, "the page", `[data-view="cluster"] svg`, `[data-action="play"]`, `[data-scenario="1-election"]`, `[data-view="variants"] [data-variant]`, `[data-view="teach"] [data-action="present"]`)
				// The story plays fast enough for a test; a learner picks 1×.
				do(t, b, "speed 20×", chromedp.SetValue(`[data-action="speed"]`, "20"))
				do(t, b, "open the story", chromedp.Click(`[data-scenario="1-election"]`, chromedp.NodeVisible))
				playStory(t, b, "1-election")

				// The broken variant: switch it on and play its story to the failure.
				do(t, b, "close the story", chromedp.Click(`[data-view="story"] [data-action="scenario-close"]`, chromedp.NodeVisible))
				poll[bool](t, b, "the story closed", `document.querySelector('[data-view="story"]').dataset.active === 'false'`)
				firstScreen(t, b, "the variant switch", `[data-view="variants"] [data-variant="forget-vote-on-restart"]`, `[data-scenario="2-forgotten-vote"]`)
				do(t, b, "switch the broken variant on", chromedp.Click(`[data-variant="forget-vote-on-restart"]`, chromedp.NodeVisible))
				poll[bool](t, b, "the variant on in the log", `[...document.querySelectorAll('[data-view="events"] li')].some((li) => li.textContent.includes('variant forget-vote-on-restart on'))`)
				do(t, b, "open its story", chromedp.Click(`[data-scenario="2-forgotten-vote"]`, chromedp.NodeVisible))
				playStory(t, b, "2-forgotten-vote")
				poll[bool](t, b, "the failure", `document.querySelector('[data-view="invariants"]').classList.contains('broken') && !!document.querySelector('[data-view="cluster"] .node.violating')`)
				if !eval[bool](t, b, `document.querySelector('[data-variant="forget-vote-on-restart"]').checked`) {
					t.Error("the variant's switch is off while its story plays")
				}
				firstScreen(t, b, "the failure", `[data-view="cluster"] .node.violating .body`, `[data-view="variants"] [data-variant]`)
				// The toast says so without covering the cluster.
				if s := eval[string](t, b, `(() => { `+rectsOverlapJS+` const st = document.querySelector('[data-view="status"]'); return [...document.querySelectorAll('[data-view="cluster"] .node .body, [data-view="cluster"] .node .name')].filter((n) => overlap(st, n)).map((n) => n.closest('[data-node]').dataset.node).join(', '); })()`); s != "" {
					t.Errorf("the status covers %s", s)
				}
				// The log tells the story: notes by default, messages folded.
				if n := eval[int](t, b, `[...document.querySelectorAll('[data-view="events"] li[data-kind="note"]')].filter((li) => li.getClientRects().length).length`); n < 3 {
					t.Errorf("the event log shows %d of the pattern's notes", n)
				}
				if eval[bool](t, b, `[...document.querySelectorAll('[data-view="events"] li.is-message, [data-view="events"] li[data-kind="drop"]')].some((li) => li.getClientRects().length)`) {
					t.Error("the event log shows message traffic by default")
				}
				viewportShot(t, b, "learner-failure-"+name)
				noBrowserErrors(t, b)
			})
		}
	}
}

// playStory reads the open story to its end: at each part the cluster, the
// whole part and the way on are on the first screen; each question is
// answered; each run plays at a pace a learner can watch.
func playStory(t *testing.T, b *browsertest.Browser, name string) {
	t.Helper()
	const story = `document.querySelector('[data-view="story"]')`
	poll[bool](t, b, "the story", story+`.dataset.active === 'true' && `+story+`.dataset.playing === 'false'`)
	paced := 0
	for part := 1; ; part++ {
		if part > 30 {
			t.Fatal("the story does not end")
		}
		where := fmt.Sprintf("%s part %d", name, part)
		firstScreen(t, b, where, `[data-view="cluster"] svg`, `[data-view="story"] .story-head`, `[data-view="story"] .story-part.current`,
			`[data-action="scenario-next"]`, `[data-view="variants"] [data-variant]`)
		if w := eval[string](t, b, storyWordsJS); strings.Contains(w, "==") || strings.Contains(w, "!=") || strings.ContainsAny(w, "&|\"{") || strings.Contains(w, "force-election") {
			t.Errorf("%s reads like a test: %q", where, w)
		}
		if eval[bool](t, b, `!!document.querySelector('[data-view="question"][data-answered="false"]')`) {
			n := eval[int](t, b, `document.querySelectorAll('[data-view="question"][data-answered="false"] [data-choice]').length`)
			sels := []string{`[data-view="question"][data-answered="false"]`}
			for i := 0; i < n; i++ {
				sels = append(sels, fmt.Sprintf(`[data-view="question"][data-answered="false"] [data-choice="%d"]`, i))
			}
			firstScreen(t, b, where+" (question)", sels...)
			do(t, b, "answer", chromedp.Click(`[data-view="question"][data-answered="false"] [data-choice="1"]`, chromedp.NodeVisible))
			// The explanation of this part's question (an earlier part's
			// stays in the page, folded).
			const explain = `[data-view="story"] .story-part.current [data-view="explain"]`
			poll[bool](t, b, "the explanation", `!!document.querySelector('`+explain+`')`)
			firstScreen(t, b, where+" (answered)", explain, `[data-action="scenario-next"]`)
		}
		if eval[bool](t, b, story+`.dataset.done === 'true'`) {
			break
		}
		before := eval[int](t, b, `+document.querySelector('[data-step]').dataset.step`)
		chunk := eval[string](t, b, story+`.querySelector('.story-meta').textContent`)
		do(t, b, "next", chromedp.Click(`[data-action="scenario-next"]`, chromedp.NodeVisible))
		// Playing, the cluster shows steps on the way (a part may also be
		// over before a frame shows it).
		seen := poll[string](t, b, "the part", `(() => { const s = `+story+`; if (s.dataset.playing === 'true') return 'playing ' + document.querySelector('[data-step]').dataset.step; return s.querySelector('.story-meta').textContent !== `+strconv.Quote(chunk)+` ? 'over' : ''; })()`)
		poll[bool](t, b, "the part's end", story+`.dataset.playing === 'false' && `+story+`.querySelector('.story-meta').textContent !== `+strconv.Quote(chunk))
		after := eval[int](t, b, `+document.querySelector('[data-step]').dataset.step`)
		if mid, ok := strings.CutPrefix(seen, "playing "); ok {
			if m, _ := strconv.Atoi(mid); m < after && after-before > 20 {
				paced++
			}
		}
	}
	if paced == 0 {
		t.Errorf("%s: no part was seen playing on its way", name)
	}
}

// The pieces of the page a learner uses by hand, at each size: each part
// in a tab of its own (a tab lives at most 90 s).
// runUntil runs the cluster on the server for dur of simulated time (no
// real-time play: quick and the same on a loaded machine), then waits for
// expr to hold on the page.
func runUntil(t *testing.T, b *browsertest.Browser, dur, what, expr string) {
	t.Helper()
	do(t, b, "run "+dur, chromedp.Evaluate[chromedp.Void](`window.clusterscope.send({ type: 'run', dur: '`+dur+`' })`))
	poll[bool](t, b, what, `!!(`+expr+`)`)
}

func TestBrowserLearnerPageByHand(t *testing.T) {
	ts := startServer(t)
	parts := []struct {
		name string
		run  func(t *testing.T, b *browsertest.Browser)
	}{
		{"keyboard-clock-crash", func(t *testing.T, b *browsertest.Browser) {
			step := eval[int](t, b, `+document.querySelector('[data-step]').dataset.step`)
			// Enter on a focused node opens its menu and crashes nothing.
			do(t, b, "focus athens", chromedp.Focus(`[data-view="cluster"] [data-node="athens"]`))
			do(t, b, "Enter", chromedp.KeyEvent(kb.Enter))
			poll[bool](t, b, "athens's menu", `!document.querySelector('[data-view="menu"]').hidden && document.querySelector('[data-view="menu"]').textContent.includes('athens')`)
			do(t, b, "Escape", chromedp.KeyEvent(kb.Escape))
			do(t, b, "a step", chromedp.Click(`[data-action="step"]`, chromedp.NodeVisible))
			poll[bool](t, b, "the step", fmt.Sprintf(`+document.querySelector('[data-step]').dataset.step > %d`, step))
			if s := eval[string](t, b, `document.querySelector('[data-view="cluster"] [data-node="athens"]').dataset.status`); s != "up" {
				t.Fatalf("Enter on athens left it %s", s)
			}

			// A fast clock says "fast", and the drift field says what ppm means.
			do(t, b, "athens's menu", chromedp.Click(`[data-view="cluster"] [data-node="athens"] .body`, chromedp.NodeVisible))
			do(t, b, "drift", chromedp.SetValue(`[data-view="menu"] input[aria-label="drift in ppm"]`, "500000"),
				chromedp.Evaluate[chromedp.Void](`document.querySelector('[data-view="menu"] input[aria-label="drift in ppm"]').dispatchEvent(new Event('input'))`))
			if h := eval[string](t, b, `document.querySelector('[data-hint="drift"]').textContent`); !strings.Contains(h, "fast by 50 %") {
				t.Errorf("the drift hint for 500000 ppm: %q", h)
			}
			do(t, b, "set the drift", chromedp.Click(`[data-view="menu"] [data-action="drift"]`, chromedp.NodeVisible))
			poll[bool](t, b, "a fast clock", `document.querySelector('[data-view="cluster"] [data-node="athens"] .clock').textContent.includes('fast')`)

			// A crashed node's name stays readable.
			do(t, b, "crash byzantium", chromedp.Click(`[data-view="cluster"] [data-node="byzantium"] .body`, chromedp.NodeVisible), chromedp.Click(`[data-view="menu"] [data-action="crash"]`, chromedp.NodeVisible))
			poll[bool](t, b, "byzantium crashed", `document.querySelector('[data-view="cluster"] [data-node="byzantium"]').dataset.status === 'crashed'`)
			if eval[bool](t, b, `(() => { `+rectsOverlapJS+` const n = document.querySelector('[data-node="byzantium"]'); return overlap(n.querySelector('.name'), n.querySelector('.status-mark')); })()`) {
				t.Error("the crashed node's ✕ covers its name")
			}

		}},
		{"manual-delivery", func(t *testing.T, b *browsertest.Browser) {
			// Manual delivery: held messages on one link stack with a count and a picker.
			do(t, b, "manual delivery on", chromedp.Click(`[data-action="manual"]`, chromedp.NodeVisible))
			poll[bool](t, b, "manual on", `document.querySelector('[data-action="manual"]').checked`)
			playUntilAt(t, b, "1", "a link holding two messages", `[...document.querySelectorAll('[data-view="cluster"] .msg.held')].some((m) => +m.dataset.count >= 2)`)
			if s := eval[string](t, b, `(() => { const ms = [...document.querySelectorAll('[data-view="cluster"] .msg.held')].map((m) => m.querySelector('circle').getBoundingClientRect()); const bad = []; ms.forEach((a, i) => ms.slice(i + 1).forEach((b) => { if (Math.hypot(a.x - b.x, a.y - b.y) < a.width) bad.push([a.x, a.y]); })); return JSON.stringify(bad.length ? bad : ''); })()`); s != `""` {
				t.Errorf("held messages sit on one another: %s", s)
			}
			if s := eval[string](t, b, `(() => { `+rectsOverlapJS+` const bodies = [...document.querySelectorAll('[data-view="cluster"] .node .body, [data-view="cluster"] .node .crown, [data-view="cluster"] .node .badge')]; return [...document.querySelectorAll('[data-view="cluster"] .msg-label')].filter((l) => bodies.some((n) => overlap(l, n))).map((l) => l.textContent).join(', '); })()`); s != "" {
				t.Errorf("message labels run under nodes: %s", s)
			}
			stack := eval[string](t, b, `(() => { const m = [...document.querySelectorAll('[data-view="cluster"] .msg.held')].find((m) => +m.dataset.count >= 2); return m.dataset.msg + ' ' + m.dataset.count; })()`)
			id, count, _ := strings.Cut(stack, " ")
			do(t, b, "focus the stack", chromedp.Focus(fmt.Sprintf(`[data-view="cluster"] .msg[data-msg=%q]`, id)))
			do(t, b, "Enter", chromedp.KeyEvent(kb.Enter))
			poll[bool](t, b, "the picker", fmt.Sprintf(`document.querySelectorAll('[data-view="message-picker"] [data-pick]').length === %s`, count))
			picked := eval[string](t, b, `document.querySelectorAll('[data-view="message-picker"] [data-pick]')[1].dataset.pick`)
			do(t, b, "pick the second", chromedp.Click(fmt.Sprintf(`[data-view="message-picker"] [data-pick=%q]`, picked), chromedp.NodeVisible))
			poll[bool](t, b, "the menu for it", fmt.Sprintf(`document.querySelector('[data-view="menu"] h3').textContent.startsWith('#%s ')`, picked))
			do(t, b, "deliver it", chromedp.Click(`[data-view="menu"] [data-action="deliver"]`, chromedp.NodeVisible))
			poll[bool](t, b, "the one picked delivered", fmt.Sprintf(`[...document.querySelectorAll('[data-view="events"] li[data-kind="command"]')].some((li) => li.textContent.includes('deliver #%s '))`, picked))
			// Anything the Enter key sent came before the delivery picked.
			if eval[bool](t, b, fmt.Sprintf(`[...document.querySelectorAll('[data-view="events"] li[data-kind="command"]')].some((li) => li.textContent.includes('deliver #%s '))`, id)) {
				t.Fatal("Enter on a held message delivered it")
			}

		}},
		{"panels-history", func(t *testing.T, b *browsertest.Browser) {
			// Node panels show their values whole.
			do(t, b, "a write", chromedp.Click(`[data-view="actions"] form button`, chromedp.NodeVisible))
			runUntil(t, b, "500ms", "the write in a log", `[...document.querySelectorAll('[data-view="nodes"] .entry .txt')].some((e) => e.textContent.includes('='))`)
			if s := eval[string](t, b, `[...document.querySelectorAll('[data-view="nodes"] .entry, [data-view="nodes"] .entry .txt, [data-view="nodes"] .marker, [data-view="nodes"] dd')].filter((e) => e.getClientRects().length && (e.scrollWidth > e.clientWidth + 1 || e.getBoundingClientRect().right > e.closest('.panel').getBoundingClientRect().right + 1)).map((e) => e.textContent).join(' | ')`); s != "" {
				t.Errorf("node panels cut values short: %s", s)
			}
			// History: every bar says what it is; the verdict says it once.
			poll[bool](t, b, "the history", `document.querySelectorAll('[data-view="history"] .hv-op').length > 0`)
			if n := eval[int](t, b, `[...document.querySelectorAll('[data-view="history"] .hv-op')].filter((g) => !g.querySelector('text') || !g.querySelector('text').textContent).length`); n > 0 {
				t.Errorf("%d history bars have no label", n)
			}
			if v := eval[string](t, b, `document.querySelector('[data-view="history"] .hv-verdict').textContent`); strings.Count(strings.ToLower(v), "linearizable") > 1 {
				t.Errorf("the verdict repeats itself: %q", v)
			}
		}},
	}
	// Light only: these parts check where things are and what a click
	// does, which a colour scheme does not change (the story test above
	// plays dark too).
	for _, sc := range learnerScreens {
		for _, scheme := range []string{"light"} {
			for _, p := range parts {
				name := fmt.Sprintf("%dx%d-%s/%s", sc.w, sc.h, scheme, p.name)
				t.Run(name, func(t *testing.T) {
					t.Parallel() // a tab and a run of its own
					b := browsertest.Tab(t, sc.w, sc.h)
					colorScheme(t, b, scheme)
					do(t, b, "size the window", chromedp.EmulateViewport(int64(sc.w), int64(sc.h)))
					do(t, b, "open the page", chromedp.Navigate(ts.URL+lafPage+"?seed=1"))
					poll[bool](t, b, "the cluster", `document.querySelectorAll('[data-view="cluster"] [data-node]').length === 5`)
					runUntil(t, b, "2s", "a leader", leaderExpr)
					p.run(t, b)
					noBrowserErrors(t, b)
				})
			}
		}
	}
}
