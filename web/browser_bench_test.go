package web

import (
	"net/http/httptest"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/performance"
	"github.com/chromedp/chromedp"

	"clusterscope/web/browsertest"
	"clusterscope/web/testlog"
)

// BenchmarkBrowserRendererCPU plays the 5-node Leader and Followers page at
// 1× in headless chromium (1366×768) and reports the renderer's main-thread
// CPU (seconds per second, the figure issue 19 sets against RaftScope's)
// and the frame rate; one iteration is one second of play, so
//
//	go test ./web -run x -bench BrowserRendererCPU -benchtime 8x
//
// measures an 8-second window. It skips without chromium.
func BenchmarkBrowserRendererCPU(b *testing.B) {
	srv := New(Options{Logger: testlog.New(b)})
	ts := httptest.NewServer(srv)
	b.Cleanup(func() { srv.Close(); ts.Close() })
	br := browsertest.New(b, 1366, 768)
	if err := chromedp.Do(br.Ctx,
		chromedp.Navigate(ts.URL+"/patterns/leader-and-followers?nodes=5"),
		chromedp.Click(chromedp.CSS(`[data-action="play"]`), chromedp.NodeVisible),
		chromedp.Sleep(time.Second),
		chromedp.Evaluate[chromedp.Void](`(() => { const s = window.__frames = { n: 0 }; const f = () => { s.n++; requestAnimationFrame(f); }; requestAnimationFrame(f); })()`),
	); err != nil {
		b.Fatal(err)
	}
	if _, err := chromedp.Call(br.Ctx, performance.Enable, performance.EnableParams{}); err != nil {
		b.Fatal(err)
	}
	task := func() float64 {
		res, err := chromedp.Call(br.Ctx, performance.GetMetrics, cdp.Empty{})
		if err != nil {
			b.Fatal(err)
		}
		for _, m := range res.Metrics {
			if m.Name == "TaskDuration" {
				return m.Value
			}
		}
		b.Fatal("no TaskDuration metric")
		return 0
	}
	frames := func() float64 {
		n, err := chromedp.Run(br.Ctx, chromedp.Evaluate[float64](`window.__frames.n`))
		if err != nil {
			b.Fatal(err)
		}
		return n
	}
	cpu0, f0, t0 := task(), frames(), time.Now()
	b.ResetTimer()
	for range b.N {
		if err := chromedp.Do(br.Ctx, chromedp.Sleep(time.Second)); err != nil {
			b.Fatal(err)
		}
	}
	secs := time.Since(t0).Seconds()
	b.ReportMetric((task()-cpu0)/secs, "renderer-cpu-s/s")
	b.ReportMetric((frames()-f0)/secs, "fps")
}
