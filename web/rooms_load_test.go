package web

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"

	"clusterscope/web/room"
	"clusterscope/web/testlog"
)

// TestLoadRoom: one room, 500 followers, all on loopback in this process.
// It reports the delay from the presenter receiving a frame to each follower
// receiving the same step (p50/p99), first with every follower reading, then
// with one more follower that never reads (its socket buffers are made tiny
// so it really stalls). Skipped with -short. It always checks that every
// follower gets every step and that the stalled one is coalesced; the delay
// goal (p99 < 50 ms) is checked when run alone on a quiet machine:
//
//	CLUSTERSCOPE_LOAD=1 go test ./web -run LoadRoom -count=1 -v
func TestLoadRoom(t *testing.T) {
	if testing.Short() {
		t.Skip("load test: skipped with -short")
	}
	const followers = 500
	// Every follower dials from 127.0.0.1: lift the per-address share.
	srv := New(Options{Patterns: testPatterns(), Logger: testlog.New(t), Rooms: room.Limits{FollowersPerAddr: followers + 1}})
	ts := httptest.NewUnstartedServer(srv)
	// Small kernel send buffers, so a follower that stops reading fills its
	// connection in a few frames instead of a few megabytes.
	ts.Listener = smallBufListener{ts.Listener.(*net.TCPListener)}
	ts.Start()
	t.Cleanup(func() { srv.Close(); ts.Close() })
	if !strings.HasPrefix(ts.URL, "http://127.0.0.1:") {
		t.Fatalf("load test must stay on loopback, got %s", ts.URL)
	}

	p, _, rm := present(t, ts)
	var (
		mu   sync.Mutex
		recv = make([][]stepAt, followers)
	)
	ready := make(chan struct{}, followers)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var wg sync.WaitGroup
	for batch := 0; batch < followers; batch += 50 {
		for i := batch; i < batch+50; i++ {
			ws, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(ts.URL, "http")+"/rooms/"+rm.Code+"/ws", nil)
			if err != nil {
				t.Fatalf("follower %d: %v", i, err)
			}
			ws.SetReadLimit(16 << 20)
			wg.Add(1)
			go func(i int, ws *websocket.Conn) {
				defer wg.Done()
				defer ws.CloseNow()
				first := true
				var f struct {
					Type string `json:"type"`
					Step int    `json:"step"`
				}
				for {
					_, b, err := ws.Read(ctx)
					if err != nil {
						return
					}
					now := time.Now()
					f.Type = ""
					if json.Unmarshal(b, &f) != nil || (f.Type != "snapshot" && f.Type != "delta") {
						continue
					}
					mu.Lock()
					recv[i] = append(recv[i], stepAt{f.Step, now})
					mu.Unlock()
					if first {
						first = false
						ready <- struct{}{}
					}
				}
			}(i, ws)
		}
	}
	timeout := time.After(20 * time.Second)
	for i := 0; i < followers; i++ {
		select {
		case <-ready:
		case <-timeout:
			t.Fatalf("only %d of %d followers got the first snapshot", i, followers)
		}
	}

	// The presenter steps; its own frames set the clock.
	var presented []stepAt
	var pmu sync.Mutex
	go func() {
		for {
			_, b, err := p.ws.Read(ctx)
			if err != nil {
				return
			}
			now := time.Now()
			var f struct {
				Type string `json:"type"`
				Step int    `json:"step"`
			}
			if json.Unmarshal(b, &f) == nil && f.Type == "delta" {
				pmu.Lock()
				presented = append(presented, stepAt{f.Step, now})
				pmu.Unlock()
			}
		}
	}()
	phase := func(name string, steps int) (p50, p99, worst time.Duration) {
		pmu.Lock()
		from := len(presented)
		pmu.Unlock()
		for i := 0; i < steps; i++ {
			p.send(map[string]any{"type": "step", "n": 5})
			time.Sleep(60 * time.Millisecond)
		}
		time.Sleep(500 * time.Millisecond)
		pmu.Lock()
		frames := append([]stepAt(nil), presented[from:]...)
		pmu.Unlock()
		mu.Lock()
		defer mu.Unlock()
		var delays []time.Duration
		missing := 0
		for _, got := range recv {
			for _, pf := range frames {
				// The first frame that brought this follower to the step
				// (a resync snapshot may carry several steps at once).
				k := slices.IndexFunc(got, func(s stepAt) bool { return s.step >= pf.step && !s.at.Before(pf.at.Add(-time.Second)) })
				if k < 0 {
					missing++
					continue
				}
				delays = append(delays, max(0, got[k].at.Sub(pf.at)))
			}
		}
		slices.Sort(delays)
		if len(delays) == 0 {
			t.Fatalf("%s: no delays measured", name)
		}
		pct := func(q float64) time.Duration { return delays[min(len(delays)-1, int(q*float64(len(delays))))] }
		t.Logf("%s: %d presenter frames × %d followers: p50 %v, p99 %v, max %v, missing %d",
			name, len(frames), followers, pct(.5).Round(10*time.Microsecond), pct(.99).Round(10*time.Microsecond), delays[len(delays)-1].Round(10*time.Microsecond), missing)
		if missing > 0 {
			t.Errorf("%s: %d follower-steps never arrived", name, missing)
		}
		return pct(.5), pct(.99), delays[len(delays)-1]
	}

	_, p99a, _ := phase("all reading", 40)

	// One more follower that never reads, with a tiny receive buffer.
	stalled := dialStalled(t, ts, rm.Code)
	defer stalled.CloseNow()
	before := srv.rooms.Get(rm.Code).Stats().Resyncs
	_, p99b, _ := phase("one stalled", 60)
	resyncs := srv.rooms.Get(rm.Code).Stats().Resyncs - before
	t.Logf("the stalled follower was coalesced and resynced %d time(s); the presenter's session never waited for it", resyncs)
	if resyncs == 0 {
		t.Error("the stalled follower never fell behind: the test did not stall it")
	}
	// Delays depend on what else the machine runs (go test runs packages in
	// parallel, browsers included), so the goal is checked only when asked:
	// CLUSTERSCOPE_LOAD=1 go test ./web -run LoadRoom -count=1 -v
	if os.Getenv("CLUSTERSCOPE_LOAD") == "1" {
		if p99a > 50*time.Millisecond || p99b > 50*time.Millisecond {
			t.Errorf("p99 delay %v / %v, goal 50ms", p99a, p99b)
		}
		if p99b > 2*p99a+20*time.Millisecond {
			t.Errorf("one stalled follower raised the others' p99 from %v to %v", p99a, p99b)
		}
	}
	cancel()
	wg.Wait()
}

type stepAt struct {
	step int
	at   time.Time
}

type smallBufListener struct{ *net.TCPListener }

func (l smallBufListener) Accept() (net.Conn, error) {
	c, err := l.TCPListener.AcceptTCP()
	if err != nil {
		return nil, err
	}
	c.SetWriteBuffer(8 << 10)
	return c, nil
}

// dialStalled connects a follower with a 4 KiB receive buffer that never
// reads a byte.
func dialStalled(t *testing.T, ts *httptest.Server, code string) *websocket.Conn {
	t.Helper()
	d := &net.Dialer{Control: func(_, _ string, rc syscall.RawConn) error {
		var serr error
		rc.Control(func(fd uintptr) { serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4<<10) })
		return serr
	}}
	hc := &http.Client{Transport: &http.Transport{DialContext: d.DialContext}}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(ts.URL, "http")+"/rooms/"+code+"/ws", &websocket.DialOptions{HTTPClient: hc})
	if err != nil {
		t.Fatalf("stalled follower: %v", err)
	}
	return ws
}
