package web_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"clusterscope/web/browsertest"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
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
	// Light at every size; dark (the colours change, not the layout) at two.
	for _, scheme := range []string{"light", "dark"} {
		b := browsertest.Tab(t, 1366, 768)
		colorScheme(t, b, scheme)
		do(t, b, "open the page", chromedp.Navigate(ts.URL+lafPage+"?seed=1"))
		poll[bool](t, b, "the cluster", `document.querySelectorAll('[data-view="cluster"] [data-node]').length === 5`)
		playUntil(t, b, "a leader", leaderExpr)
		for _, sc := range screens {
			if scheme == "dark" && sc.w != 1024 && sc.w != 1920 {
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
