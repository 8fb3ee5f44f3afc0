package web

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"clusterscope/engine"
	"clusterscope/patterns"
	"clusterscope/web/testlog"

	"github.com/coder/websocket"
)

// Tests of a session's life: admission, budgets, rate limits, the end of
// its connections and of itself (issue 21).

// brief is a frame in a failure message.
func (f tframe) brief() string {
	return fmt.Sprintf("%s at step %d (code %q) %s", f.Type, f.Step, f.Code, f.Error)
}

// pollUntil polls ok until it holds (10 s at most).
func pollUntil(t *testing.T, what string, ok func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !ok(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

func heapInUse() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// Every closed WebSocket used to leave its writer goroutine (and ~12 KB)
// behind for good: a thousand reconnects leave nothing.
func TestReconnectsLeaveNoGoroutines(t *testing.T) {
	_, ts := newTestServer(t, Limits{ConnectsPerSecond: 1e6, ConnectBurst: 1e6})
	c := dial(t, ts, "pattern=test-ping")
	id := c.next().Session
	c.ws.CloseNow()
	reconnect := func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		ws, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(ts.URL, "http")+"/ws?pattern=test-ping&session="+id, nil)
		if err != nil {
			t.Fatalf("dial: %v", err)
		}
		ws.SetReadLimit(1 << 20)
		if _, _, err := ws.Read(ctx); err != nil {
			t.Fatalf("read: %v", err)
		}
		ws.CloseNow()
	}
	for range 20 { // warm up: pools, the session, the test server
		reconnect()
	}
	baseG, baseHeap := runtime.NumGoroutine(), heapInUse()
	for range 1000 {
		reconnect()
	}
	const slack = 20
	for deadline := time.Now().Add(10 * time.Second); runtime.NumGoroutine() > baseG+slack; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("after 1000 reconnects: %d goroutines, %d before", runtime.NumGoroutine(), baseG)
		}
	}
	if grown := int64(heapInUse()) - int64(baseHeap); grown > 4<<20 {
		t.Fatalf("the heap grew by %d KB over 1000 reconnects", grown>>10)
	}
}

// A run stops at its step cap with a frame that says so and what to do;
// the learner can still go back, export, and carry on from there.
func TestStepCapStopsTheRunAndSaysSo(t *testing.T) {
	srv, ts := newTestServer(t, Limits{MaxSessionSteps: 2000})
	c := dial(t, ts, "pattern=test-ping")
	first := c.next()
	c.send(`{"type":"run","dur":"1m"}`) // ~9,000 steps without a cap
	f := c.until("the cap", func(f tframe) bool { return f.Type == "error" })
	if f.Code != "step-cap" || f.Step != 2000 || !strings.Contains(f.Error, "2000 steps") || !strings.Contains(f.Error, "back") || !strings.Contains(f.Error, "export") {
		t.Fatalf("at the cap: %s", f.brief())
	}
	c.send(`{"type":"step","n":5}`)
	if f := c.next(); f.Code != "step-cap" || f.Step != 2000 {
		t.Fatalf("a step past the cap: %s", f.brief())
	}
	c.send(`{"type":"play","speed":200}`)
	c.until("play to stop at the cap", func(f tframe) bool { return f.Code == "step-cap" })
	if n := srv.refused.count("session-steps"); n < 3 {
		t.Fatalf("%d session-steps refusals logged, want 3", n)
	}
	res, err := http.Get(ts.URL + "/session/" + first.Session + "/trace.json?key=" + first.ExportKey)
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("export at the cap: %v %v", res.Status, err)
	}
	res.Body.Close()
	c.send(`{"type":"seek","step":1000}`)
	c.until("the rewind", func(f tframe) bool { return f.Type == "snapshot" && f.Step == 1000 })
	c.send(`{"type":"step","n":10}`)
	c.until("steps after the rewind", func(f tframe) bool { return f.Step == 1010 })
	if held := srv.hub.heldSteps(); held != 1010 {
		t.Fatalf("the server counts %d steps held, want 1010", held)
	}
}

// Many runs playing at once, together far below MaxRetainedSteps, all keep
// playing: a tick reserves the steps it is likely to use, not its whole
// allowance (reserving 100,000 a tick, 30 sessions in one tick took a
// 3,000,000-step budget and the rest were refused the step cap).
func TestConcurrentRunsShareTheStepBudget(t *testing.T) {
	const sessions = 12
	srv, ts := newTestServer(t, Limits{MaxRetainedSteps: 150_000, SessionsPerIP: sessions, Tick: 5 * time.Millisecond})
	clients := make([]*client, sessions)
	for i := range clients {
		clients[i] = dial(t, ts, "pattern=test-ping&seed="+strconv.Itoa(i+1))
		clients[i].next()
	}
	for _, c := range clients {
		c.send(`{"type":"play","speed":20}`)
	}
	for _, c := range clients {
		c.until("a second of play", func(f tframe) bool {
			if f.Type == "error" {
				t.Fatalf("a run was refused while the server held %d steps: %s", srv.hub.heldSteps(), f.brief())
			}
			return f.Time >= 1_000_000
		})
	}
}

// All runs together hold at most MaxRetainedSteps; a run that ends gives
// its steps back.
func TestServerStepBudgetIsShared(t *testing.T) {
	srv, ts := newTestServer(t, Limits{MaxSessionSteps: 2000, MaxRetainedSteps: 3000})
	a := dial(t, ts, "pattern=test-ping")
	a.next()
	a.send(`{"type":"run","dur":"1m"}`)
	a.until("a's cap", func(f tframe) bool { return f.Code == "step-cap" })
	b := dial(t, ts, "pattern=test-ping")
	b.next()
	b.send(`{"type":"run","dur":"1m"}`)
	f := b.until("the server's cap", func(f tframe) bool { return f.Type == "error" })
	if f.Code != "step-cap" || f.Step != 1000 || !strings.Contains(f.Error, "all runs") {
		t.Fatalf("b at the server's budget: %s", f.brief())
	}
	if srv.refused.count("server-steps") != 1 {
		t.Fatal("the server-steps refusal was not logged")
	}
	a.send(`{"type":"reset"}`)
	a.until("a's reset", func(f tframe) bool { return f.Type == "snapshot" && f.Step == 0 })
	b.send(`{"type":"run","dur":"1m"}`)
	if f := b.until("b's own cap", func(f tframe) bool { return f.Type == "error" }); f.Step != 2000 {
		t.Fatalf("after a gave its steps back, b stopped at %d, want 2000", f.Step)
	}
}

// gatedPattern is the test pattern whose model blocks while armed: a replay
// in progress that the test holds open.
func gatedPattern() (p []*patterns.Pattern, arm func(bool), entered, gate chan struct{}) {
	pats := testPatterns()
	entered, gate = make(chan struct{}, 16), make(chan struct{})
	var mu sync.Mutex
	armed := false
	model := pats[0].Cluster.Build
	pats[0].Cluster.Build = func(cfg engine.Config) engine.Model {
		mu.Lock()
		a := armed
		mu.Unlock()
		if a {
			entered <- struct{}{}
			<-gate
		}
		return model(cfg)
	}
	return pats, func(on bool) { mu.Lock(); armed = on; mu.Unlock() }, entered, gate
}

// The admission slot is reserved before a link is replayed, so one address
// cannot replay more links at once than it may hold sessions; and the
// server replays at most MaxReplays links at once.
func TestAdmissionReservedBeforeReplay(t *testing.T) {
	pats, arm, entered, gate := gatedPattern()
	srv := New(Options{Patterns: pats, Logger: testlog.New(t), Limits: Limits{SessionsPerIP: 1, MaxReplays: 1}})
	t.Cleanup(srv.Close)
	sp, _, err := srv.parseParams(map[string][]string{"pattern": {"test-ping"}, "step": {"50"}})
	if err != nil {
		t.Fatal(err)
	}
	arm(true)
	type result struct {
		s   *session
		err error
	}
	first := make(chan result, 1)
	go func() { s, _, err := srv.newSession(sp, "10.0.0.1"); first <- result{s, err} }()
	<-entered // the first link is being replayed
	arm(false)
	again := make(chan error, 1)
	go func() { _, _, err := srv.newSession(sp, "10.0.0.1"); again <- err }()
	select {
	case err := <-again:
		le, ok := err.(*limitError)
		if !ok || le.reason != "sessions-per-ip" {
			t.Fatalf("a second link from the same address: %v", err)
		}
	case <-entered:
		t.Fatal("a second link from the same address was replayed while the first held the address's only slot")
	case <-time.After(5 * time.Second):
		t.Fatal("the second link neither ran nor was refused")
	}
	if _, _, err := srv.newSession(sp, "10.0.0.2"); err == nil || err.(*limitError).reason != "replays-busy" || err.(*limitError).code != "busy" {
		t.Fatalf("a link from another address while the only replay slot is taken: %v", err)
	}
	close(gate)
	r := <-first
	if r.err != nil {
		t.Fatal(r.err)
	}
	// Slots and tickets came back: another address replays now, and a
	// failed build leaves no ticket behind.
	if _, _, err := srv.newSession(sp, "10.0.0.2"); err != nil {
		t.Fatalf("after the first replay: %v", err)
	}
	bad := sp
	bad.nodes = 99
	if _, _, err := srv.newSession(bad, "10.0.0.3"); err == nil {
		t.Fatal("99 nodes were accepted")
	}
	srv.hub.mu.Lock()
	pending := srv.hub.pendingN
	srv.hub.mu.Unlock()
	if pending != 0 {
		t.Fatalf("%d admission tickets left over", pending)
	}
}

// The message rate is the run's, not the socket's: reconnecting buys
// nothing.
func TestRateLimitSurvivesReconnect(t *testing.T) {
	_, ts := newTestServer(t, Limits{CommandsPerSecond: 0.5, CommandBurst: 3})
	c := dial(t, ts, "pattern=test-ping")
	id := c.next().Session
	for range 3 {
		c.send(`{"type":"step"}`)
		if f := c.next(); f.Code == "limit" {
			t.Fatalf("within the burst: %s", f.brief())
		}
	}
	c.ws.CloseNow()
	d := dial(t, ts, "pattern=test-ping&session="+id)
	if f := d.next(); f.Session != id {
		t.Fatal("not the same run")
	}
	d.send(`{"type":"step"}`)
	if f := d.next(); f.Code != "limit" {
		t.Fatalf("after a reconnect the rate started afresh: %s", f.brief())
	}
}

// The rate is also the address's, across its runs; and new sockets per
// address are limited too.
func TestRateLimitPerAddress(t *testing.T) {
	srv, ts := newTestServer(t, Limits{AddressCommandsPerSecond: 0.5, AddressCommandBurst: 2, ConnectsPerSecond: 0.5, ConnectBurst: 3})
	a := dial(t, ts, "pattern=test-ping")
	a.next()
	b := dial(t, ts, "pattern=test-ping")
	b.next()
	a.send(`{"type":"step"}`)
	a.next()
	b.send(`{"type":"step"}`)
	b.next()
	a.send(`{"type":"step"}`)
	if f := a.next(); f.Code != "limit" || !strings.Contains(f.Error, "address") {
		t.Fatalf("a third message from the address: %s", f.brief())
	}
	if srv.refused.count("command-rate-address") != 1 {
		t.Fatal("the refusal was not logged")
	}
	dial(t, ts, "pattern=test-ping").next()
	d := dial(t, ts, "pattern=test-ping")
	if f := d.next(); f.Code != "busy" {
		t.Fatalf("a fourth socket within a second: %s", f.brief())
	}
	if _, err := d.read(); websocket.CloseStatus(err) != websocket.StatusTryAgainLater {
		t.Fatalf("closed with %v", err)
	}
	if srv.refused.count("connect-rate") != 1 {
		t.Fatal("the connect-rate refusal was not logged")
	}
}

// A rewind replays many steps: it costs the rate what it costs the CPU.
func TestExpensiveCommandsCostMore(t *testing.T) {
	_, ts := newTestServer(t, Limits{CommandsPerSecond: 0.5, CommandBurst: 10, StepsPerCommand: 100})
	c := dial(t, ts, "pattern=test-ping")
	c.next()
	c.send(`{"type":"step","n":2000}`) // 20 tokens of work
	c.next()
	c.send(`{"type":"back"}`)
	if f := c.next(); f.Code != "limit" {
		t.Fatalf("a rewind right after 2,000 steps on a 10-message budget: %s", f.brief())
	}
}

// Exports need the run's key, which only its own page receives.
func TestExportNeedsTheRunsKey(t *testing.T) {
	srv, ts := newTestServer(t, Limits{})
	c := dial(t, ts, "pattern=test-ping")
	f := c.next()
	c.send(`{"type":"step","n":5}`) // a run with something to export
	c.next()
	if len(f.ExportKey) < 32 || f.ExportKey == f.Session {
		t.Fatalf("export key %q", f.ExportKey)
	}
	for _, path := range []string{"trace.json", "history.json", "scenario.yaml"} {
		for _, key := range []string{"", "?key=", "?key=" + f.Session} {
			res, err := http.Get(ts.URL + "/session/" + f.Session + "/" + path + key)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != http.StatusForbidden {
				t.Errorf("%s%s: %s, want 403", path, key, res.Status)
			}
		}
		res, err := http.Get(ts.URL + "/session/" + f.Session + "/" + path + "?key=" + f.ExportKey)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		// (The test pattern has no lessons, so its scenario export is a 409.)
		if res.StatusCode == http.StatusForbidden || res.StatusCode >= 500 {
			t.Errorf("%s with the key: %s", path, res.Status)
		}
	}
	if n := srv.refused.count("export-key"); n != 9 {
		t.Errorf("%d export-key refusals, want 9", n)
	}
}

// At most MaxExports exports are written at once; the next gets 429.
func TestConcurrentExportsAreCapped(t *testing.T) {
	srv, ts := newTestServer(t, Limits{MaxExports: 1})
	c := dial(t, ts, "pattern=test-ping&nodes=5")
	f := c.next()
	for range 4 { // ~200,000 events, ~20 MB of JSON: more than socket buffers hold
		c.send(`{"type":"run","dur":"1m"}`)
	}
	c.until("four minutes run", func(f tframe) bool { return f.Time >= 240_000_000 })
	url := ts.URL + "/session/" + f.Session + "/trace.json?key=" + f.ExportKey
	// A client that does not read holds its export open: the trace (many
	// MB) does not fit in the socket buffers.
	stalled, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer stalled.Body.Close()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") == "" {
		t.Fatalf("a second export at once: %s", res.Status)
	}
	if srv.refused.count("exports-busy") != 1 {
		t.Fatal("the refusal was not logged")
	}
	stalled.Body.Close() // the client leaves: its slot comes back
	pollUntil(t, "the slot to come back", func() bool {
		res, err := http.Get(url + "&since=1000000000")
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode == 200
	})
}

// slowPattern is the test pattern whose processes call hook on every event.
type hooked struct {
	engine.Process
	hook func()
}

func (h hooked) Handle(env engine.Env, ev engine.Event) { h.hook(); h.Process.Handle(env, ev) }

// A long seek stops when its client leaves: nobody would see the result.
func TestLongWorkStopsWhenTheClientLeaves(t *testing.T) {
	pats := testPatterns()
	started, gate := make(chan struct{}), make(chan struct{})
	var events int
	var once sync.Once
	model := pats[0].Cluster.Build
	pats[0].Cluster.Build = func(cfg engine.Config) engine.Model {
		m := model(cfg)
		np := m.NewProcess
		m.NewProcess = func(id string, role engine.Role) engine.Process {
			return hooked{np(id, role), func() {
				// The session goroutine alone runs this.
				if events++; events == 500 {
					once.Do(func() { close(started); <-gate })
				}
			}}
		}
		return m
	}
	srv := New(Options{Patterns: pats, Logger: testlog.New(t)})
	ts := httptestServer(t, srv)
	c := dial(t, ts, "pattern=test-ping")
	id := c.next().Session
	sess := srv.hub.get(id)
	c.send(`{"type":"seek","step":90000}`)
	<-started
	conn := sess.conn // safe: written before started was closed
	c.ws.CloseNow()
	pollUntil(t, "the server to notice the client left", conn.gone.Load)
	close(gate)
	var step int
	pollUntil(t, "the session to take a query", func() bool {
		return sess.query(context.Background(), func() { step = sess.sim.StepCount() }) == nil
	})
	if step >= 90000 || step > 500+2*goneCheckEvery {
		t.Fatalf("the seek ran on to step %d after its client left", step)
	}
}

// When the server is full, the session whose page left first makes room.
func TestFullServerEvictsTheLongestDetached(t *testing.T) {
	srv, ts := newTestServer(t, Limits{MaxSessions: 2})
	a := dial(t, ts, "pattern=test-ping")
	aID := a.next().Session
	b := dial(t, ts, "pattern=test-ping")
	b.next()
	a.ws.CloseNow()
	pollUntil(t, "a's session to notice", func() bool { return !srv.hub.get(aID).detachedSince().IsZero() })
	c := dial(t, ts, "pattern=test-ping")
	if f := c.next(); f.Type != "snapshot" {
		t.Fatalf("a newcomer while a closed tab holds a slot: %s", f.brief())
	}
	pollUntil(t, "a's session to end", func() bool { return srv.hub.get(aID) == nil })
	d := dial(t, ts, "pattern=test-ping")
	if f := d.next(); f.Code != "busy" {
		t.Fatalf("a newcomer while every session is connected: %s", f.brief())
	}
	if srv.refused.count("sessions-full") != 1 {
		t.Fatal("the refusal was not logged")
	}
}

// A client that vanished without closing (it answers no ping) is detached,
// so its slot is free for the grace period's eviction.
func TestPingsDetectDeadClients(t *testing.T) {
	srv, ts := newTestServer(t, Limits{PingInterval: 20 * time.Millisecond, WriteTimeout: 200 * time.Millisecond})
	c := dial(t, ts, "pattern=test-ping")
	id := c.next().Session
	// The client no longer reads, so it answers no ping; its socket stays open.
	pollUntil(t, "the dead client to be detached", func() bool { return !srv.hub.get(id).detachedSince().IsZero() })
}

// A run nobody sends anything to ends, and its page is told why.
func TestIdleSessionsEnd(t *testing.T) {
	srv, ts := newTestServer(t, Limits{IdleTimeout: 300 * time.Millisecond})
	c := dial(t, ts, "pattern=test-ping")
	c.next()
	c.send(`{"type":"step"}`)
	c.next()
	f := c.until("the idle notice", func(f tframe) bool { return f.Type == "error" })
	if f.Code != "idle" || !strings.Contains(f.Error, "reload") {
		t.Fatalf("idle: %s", f.brief())
	}
	if _, err := c.read(); websocket.CloseStatus(err) != websocket.StatusPolicyViolation {
		t.Fatalf("closed with %v", err)
	}
	pollUntil(t, "the session to end", func() bool { return srv.Sessions() == 0 })
}

func httptestServer(t *testing.T, srv *Server) *httptest.Server {
	t.Helper()
	ts := httptest.NewServer(srv)
	t.Cleanup(func() { srv.Close(); ts.Close() })
	return ts
}
