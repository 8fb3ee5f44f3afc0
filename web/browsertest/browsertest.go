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

// New starts chromium with its own profile directory and a window of w×h
// CSS pixels. The browser is closed when the test ends.
func New(t testing.TB, w, h int) *Browser {
	t.Helper()
	path := ExecPath()
	if path == "" {
		if os.Getenv("REQUIRE_BROWSER") == "1" {
			t.Fatal("chromium not found (looked at $CHROMIUM, /usr/bin/chromium) and REQUIRE_BROWSER=1: install it (apt-get install chromium)")
		}
		t.Skip("chromium not found at /usr/bin/chromium: browser test skipped (set REQUIRE_BROWSER=1 to make this a failure)")
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.UserDataDir(t.TempDir()),
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
		chromedp.Flag("disable-background-timer-throttling", true),
		chromedp.Flag("disable-renderer-backgrounding", true),
		chromedp.Flag("disable-features", "Translate,MediaRouter,OptimizationHints"),
		chromedp.Flag("force-color-profile", "srgb"),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.Flag("mute-audio", true),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(func() {
		cancelTimeout()
		cancelCtx()
		cancelAlloc()
	})
	if err := chromedp.Do(ctx); err != nil {
		if os.Getenv("REQUIRE_BROWSER") != "1" && strings.Contains(err.Error(), "executable file not found") {
			t.Skipf("chromium could not start: %v", err)
		}
		t.Fatalf("start chromium: %v", err)
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
