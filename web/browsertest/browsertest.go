// Package browsertest starts Debian's chromium, headless, for tests that drive
// the real pages. Without chromium a test is skipped with a clear message,
// unless REQUIRE_BROWSER=1 (CI) makes that a failure.
package browsertest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// ExecPath finds chromium: $CHROMIUM, then the usual Debian locations.
func ExecPath() string {
	if p := os.Getenv("CHROMIUM"); p != "" {
		return p
	}
	for _, p := range []string{"/usr/bin/chromium", "/usr/bin/chromium-browser"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	return ""
}

// Browser is one headless chromium tab for one test.
type Browser struct {
	Ctx context.Context
	t   testing.TB

	mu     sync.Mutex
	errors []string
}

// shared is the one chromium of a test binary whose TestMain calls Main:
// starting chromium costs about a second of two busy cores, a tab a few
// milliseconds.
var shared struct {
	enabled bool
	once    sync.Once
	ctx     context.Context // the browser's first tab; its cancel ends chromium
	cancel  func()
	dir     string
	err     error
}

// Main runs a test binary's tests with one chromium for all of them, started
// by the first New and ended when the tests are done; each New is then a tab
// of its own in a browser context of its own (its own cookies, storage and
// cache, as a fresh profile gives). Call it from TestMain:
//
//	func TestMain(m *testing.M) { os.Exit(browsertest.Main(m)) }
func Main(m *testing.M) int {
	shared.enabled = true
	code := m.Run()
	if shared.cancel != nil {
		shared.cancel()
	}
	if shared.dir != "" {
		os.RemoveAll(shared.dir)
	}
	return code
}

func allocatorOptions(path, dir string, w, h int) []chromedp.ExecAllocatorOption {
	return []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.UserDataDir(dir),
		chromedp.WindowSize(w, h),
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-default-apps", true),
		// Tabs of one browser run side by side (a presenter and a
		// follower): none may be throttled as a background tab.
		chromedp.Flag("disable-background-timer-throttling", true),
		chromedp.Flag("disable-renderer-backgrounding", true),
		chromedp.Flag("disable-backgrounding-occluded-windows", true),
		chromedp.Flag("disable-features", "Translate,MediaRouter,OptimizationHints"),
		chromedp.Flag("force-color-profile", "srgb"),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.Flag("mute-audio", true),
	}
}

// New starts a headless chromium of its own, with its own profile
// directory, whose window is w×h CSS pixels. The browser is closed when the
// test ends.
func New(t testing.TB, w, h int) *Browser {
	t.Helper()
	return open(t, w, h, false)
}

// Tab opens a tab of the test binary's shared chromium (see Main), in a
// browser context of its own, whose viewport is w×h CSS pixels: a few
// milliseconds where New costs a second. Without Main it is New. The tab is
// closed when the test ends. (Tests that rely on animation frames while a
// message moves, such as hovering a moving message, stay on New: a tab of the
// shared browser did not always get them under load.)
func Tab(t testing.TB, w, h int) *Browser {
	t.Helper()
	return open(t, w, h, shared.enabled)
}

func open(t testing.TB, w, h int, tab bool) *Browser {
	t.Helper()
	path := ExecPath()
	if path == "" {
		if os.Getenv("REQUIRE_BROWSER") == "1" {
			t.Fatal("chromium not found (looked at $CHROMIUM, /usr/bin/chromium) and REQUIRE_BROWSER=1: install it (apt-get install chromium)")
		}
		t.Skip("chromium not found at /usr/bin/chromium: browser test skipped (set REQUIRE_BROWSER=1 to make this a failure)")
	}
	var parent context.Context
	var opts []chromedp.ContextOption
	if tab {
		shared.once.Do(func() { startShared(path) })
		if shared.err != nil {
			failStart(t, shared.err)
		}
		parent, opts = shared.ctx, []chromedp.ContextOption{chromedp.WithNewBrowserContext()}
	} else {
		actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), allocatorOptions(path, t.TempDir(), w, h)...)
		t.Cleanup(cancelAlloc)
		parent = actx
	}
	ctx, cancelCtx := chromedp.NewContext(parent, opts...)
	ctx, cancelTimeout := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(func() {
		cancelTimeout()
		cancelCtx()
	})
	// A tab of the shared browser is one of several, each in a window of
	// its own: its window gets the test's size (input events outside a
	// window's bounds are lost) and it acts as the focused, front tab, as a
	// browser's only tab does.
	var setup []chromedp.Action[chromedp.Void]
	if tab {
		setup = append(setup, windowSize(w, h), chromedp.EmulateViewport(int64(w), int64(h)), focused)
	}
	if err := chromedp.Do(ctx, setup...); err != nil {
		failStart(t, err)
	}
	b := &Browser{Ctx: ctx, t: t}
	go func() {
		for ev, err := range chromedp.Events(ctx, runtime.ExceptionThrown) {
			if err != nil {
				return
			}
			d := ev.ExceptionDetails
			text := d.Text
			if d.Exception != nil && d.Exception.Description != "" {
				text = d.Exception.Description
			}
			b.mu.Lock()
			b.errors = append(b.errors, fmt.Sprintf("%s:%d: %s", d.URL, d.LineNumber+1, text))
			b.mu.Unlock()
		}
	}()
	go func() {
		for ev, err := range chromedp.Events(ctx, runtime.ConsoleAPICalled) {
			if err != nil {
				return
			}
			if ev.Type != runtime.ConsoleAPICalledTypeError {
				continue
			}
			var parts []string
			for _, a := range ev.Args {
				parts = append(parts, strings.Trim(string(a.Value), `"`)+a.Description)
			}
			b.mu.Lock()
			b.errors = append(b.errors, "console.error: "+strings.Join(parts, " "))
			b.mu.Unlock()
		}
	}()
	return b
}

// Errors returns the uncaught exceptions and console errors seen so far.
func (b *Browser) Errors() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.errors...)
}

// Screenshot saves a full-page PNG as a test artefact and returns its path:
// $ARTIFACTS_DIR, or artifacts/ at the module root (git ignores it).
func (b *Browser) Screenshot(name string) string {
	b.t.Helper()
	png, err := chromedp.Run(b.Ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Fatalf("screenshot: %v", err)
	}
	dir := ArtifactsDir()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.t.Fatalf("artifacts: %v", err)
	}
	path := filepath.Join(dir, name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		b.t.Fatalf("artifacts: %v", err)
	}
	b.t.Logf("screenshot: %s", path)
	return path
}

// windowSize sets the size of the tab's window.
func windowSize(w, h int) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		win, err := cdp.Call(ctx, t, browser.GetWindowForTarget, browser.GetWindowForTargetParams{})
		if err != nil {
			return err
		}
		_, err = cdp.Call(ctx, t, browser.SetWindowBounds, browser.SetWindowBoundsParams{WindowID: win.WindowID, Bounds: &browser.Bounds{Width: int64(w), Height: int64(h)}})
		return err
	})
}

// focused brings a tab to the front and has it behave as the focused page
// (focus and blur, :focus, mouse and keyboard focus rules).
var focused = chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
	if _, err := cdp.Call(ctx, t, page.BringToFront, cdp.Empty{}); err != nil {
		return err
	}
	_, err := cdp.Call(ctx, t, emulation.SetFocusEmulationEnabled, emulation.SetFocusEmulationEnabledParams{Enabled: true})
	return err
})

// startShared starts the binary's one chromium.
func startShared(path string) {
	dir, err := os.MkdirTemp("", "browsertest-")
	if err != nil {
		shared.err = err
		return
	}
	shared.dir = dir
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), allocatorOptions(path, dir, 1600, 1200)...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	shared.ctx, shared.cancel = ctx, func() { cancelCtx(); cancelAlloc() }
	shared.err = chromedp.Do(ctx)
}

func failStart(t testing.TB, err error) {
	t.Helper()
	if os.Getenv("REQUIRE_BROWSER") != "1" && strings.Contains(err.Error(), "executable file not found") {
		t.Skipf("chromium could not start: %v", err)
	}
	t.Fatalf("start chromium: %v", err)
}

// ArtifactsDir is where tests leave files for people to look at.
func ArtifactsDir() string {
	if d := os.Getenv("ARTIFACTS_DIR"); d != "" {
		return d
	}
	dir, err := os.Getwd()
	if err != nil {
		return "artifacts"
	}
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return filepath.Join(d, "artifacts")
		}
		if filepath.Dir(d) == d {
			return filepath.Join(dir, "artifacts")
		}
	}
}
