package web

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"clusterscope/engine"
	"clusterscope/web/share"
	"clusterscope/web/testlog"

	"github.com/coder/websocket"
)

// tframe is what a test reads of a frame.
type tframe struct {
	Type       string               `json:"type"`
	Step       int                  `json:"step"`
	Time       int64                `json:"time"`
	Session    string               `json:"session"`
	ExportKey  string               `json:"exportKey"`
	Pattern    *patternMeta         `json:"pattern"`
	Config     *configMeta          `json:"config"`
	Nodes      []wireNode           `json:"nodes"`
	Changed    []nodeDelta          `json:"changed"`
	Clocks     map[string]string    `json:"clocks"`
	Msgs       []engine.MessageView `json:"msgs"`
	Gone       []uint64             `json:"gone"`
	Cut        *[]engine.LinkView   `json:"cut"`
	Net        *engine.NetView      `json:"net"`
	Events     []engine.TraceEvent  `json:"events"`
	Violations []engine.Violation   `json:"violations"`
	Play       *playState           `json:"play"`
	Log        *string              `json:"log"`
	Future     *int                 `json:"future"`
	Error      string               `json:"error"`
	Code       string               `json:"code"`
}

func newTestServer(t *testing.T, l Limits) (*Server, *httptest.Server) {
	t.Helper()
	srv := New(Options{Patterns: testPatterns(), Logger: testlog.New(t), Limits: l})
	ts := httptest.NewServer(srv)
	t.Cleanup(func() { srv.Close(); ts.Close() })
	return srv, ts
}

type client struct {
	t  *testing.T
	ws *websocket.Conn
}

func dial(t *testing.T, ts *httptest.Server, query string) *client {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(ts.URL, "http")+"/ws?"+query, nil)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	ws.SetReadLimit(16 << 20)
	t.Cleanup(func() { ws.CloseNow() })
	return &client{t: t, ws: ws}
}

func (c *client) send(v any) {
	c.t.Helper()
	b, ok := v.(string)
	if !ok {
		j, err := json.Marshal(v)
		if err != nil {
			c.t.Fatal(err)
		}
		b = string(j)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.ws.Write(ctx, websocket.MessageText, []byte(b)); err != nil {
		c.t.Fatalf("write: %v", err)
	}
}

// readAs reads one frame and decodes it as T (each test file decodes the
// fields it looks at); raw is the frame as sent.
func readAs[T any](c *client) (f T, raw string, err error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, b, err := c.ws.Read(ctx)
	if err != nil {
		return f, "", err
	}
	if err := json.Unmarshal(b, &f); err != nil {
		c.t.Fatalf("frame is not JSON: %v: %s", err, b)
	}
	return f, string(b), nil
}

// mustReadAs is readAs failing the test on a read error.
func mustReadAs[T any](c *client) (T, string) {
	c.t.Helper()
	f, raw, err := readAs[T](c)
	if err != nil {
		c.t.Fatalf("read: %v", err)
	}
	return f, raw
}

// untilAs reads frames with next until ok accepts one (10 s at most).
func untilAs[T any](c *client, what string, next func() T, ok func(T) bool) T {
	c.t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); {
		if f := next(); ok(f) {
			return f
		}
	}
	c.t.Fatalf("no frame with %s", what)
	var zero T
	return zero
}

func (c *client) read() (tframe, error) {
	f, _, err := readAs[tframe](c)
	return f, err
}

func (c *client) next() tframe { f, _ := mustReadAs[tframe](c); return f }

// until reads frames until one satisfies ok.
func (c *client) until(what string, ok func(tframe) bool) tframe {
	c.t.Helper()
	return untilAs(c, what, c.next, ok)
}

// node finds a process in a snapshot, or among a delta's changed ones.
func (f tframe) node(id string) *nodeHead {
	for i := range f.Nodes {
		if f.Nodes[i].ID == id {
			return &f.Nodes[i].nodeHead
		}
	}
	for i := range f.Changed {
		if f.Changed[i].ID == id {
			return &f.Changed[i].nodeHead
		}
	}
	return nil
}

func TestSnapshotOnConnect(t *testing.T) {
	_, ts := newTestServer(t, Limits{})
	c := dial(t, ts, "pattern=test-ping&seed=7&nodes=4")
	f := c.next()
	if f.Type != "snapshot" || f.Session == "" || f.Step != 0 {
		t.Fatalf("first frame: %+v", f)
	}
	if f.Pattern == nil || f.Pattern.ID != "test-ping" || len(f.Pattern.Actions) != 2 || len(f.Pattern.Invariants) != 1 || f.Pattern.Invariants[0].Description == "" {
		t.Fatalf("pattern metadata: %+v", f.Pattern)
	}
	if f.Config == nil || f.Config.Seed != 7 || f.Config.Nodes != 4 || len(f.Nodes) != 4 || len(f.Clocks) != 0 {
		t.Fatalf("config %+v, %d nodes, clocks %v", f.Config, len(f.Nodes), f.Clocks)
	}
	if len(f.Nodes[0].Widgets) != 1 || f.Nodes[0].Role != "pinger" {
		t.Fatalf("node view: %+v", f.Nodes[0])
	}
	if f.node("delphi") == nil || f.node("delphi").Status != "up" || len(f.node("delphi").Timers) != 1 {
		t.Fatalf("delphi: %+v", f.node("delphi"))
	}
	if len(f.Events) == 0 || f.Events[0].Kind != engine.TrStart {
		t.Fatalf("snapshot events: %+v", f.Events)
	}
}

func TestStepSendsDelta(t *testing.T) {
	_, ts := newTestServer(t, Limits{})
	c := dial(t, ts, "pattern=test-ping")
	c.next()
	c.send(map[string]any{"type": "step", "n": 1})
	f := c.next()
	if f.Type != "delta" || f.Step != 1 || f.Time != 100_000 {
		t.Fatalf("delta after one step: type %s step %d time %d", f.Type, f.Step, f.Time)
	}
	// The first step is one node's timer: it re-arms and sends two pings.
	if len(f.Nodes) != 0 || len(f.Changed) != 1 || len(f.Msgs) != 2 || len(f.Events) != 3 {
		t.Fatalf("delta: %d nodes, %d changed, %d msgs, %d events: %+v", len(f.Nodes), len(f.Changed), len(f.Msgs), len(f.Events), f)
	}
	// Only the timer moved: the node's widget did not change.
	if d := f.Changed[0]; len(d.W) != 0 || d.NW != 1 || len(d.Timers) != 1 {
		t.Fatalf("changed node: %+v", d)
	}
	if f.Pattern != nil || f.Config != nil {
		t.Fatal("a delta repeats the pattern metadata")
	}
	for _, m := range f.Msgs {
		if m.From != f.Changed[0].ID || m.DueAt <= m.SentAt {
			t.Fatalf("message %+v", m)
		}
	}
	c.send(map[string]any{"type": "step", "n": 3})
	g := c.next()
	if g.Step != 4 || len(g.Gone) == 0 {
		t.Fatalf("after 3 more steps: step %d, gone %v", g.Step, g.Gone)
	}
	// A delivery changes the receiver's widget, and only that one is sent.
	var w *nodeDelta
	for i := range g.Changed {
		if len(g.Changed[i].W) > 0 {
			w = &g.Changed[i]
		}
	}
	var widget engine.Widget
	if w != nil {
		if err := json.Unmarshal(w.W[0].W, &widget); err != nil {
			t.Fatal(err)
		}
	}
	if w == nil || w.W[0].I != 0 || widget.Fields[0].Value == "0" {
		t.Fatalf("no widget change after deliveries: %+v", g.Changed)
	}
	// A skewed clock is reported by name; the others read the frame's time.
	c.send(map[string]any{"type": "cmd", "cmd": map[string]any{"kind": "offset", "node": "cyrene", "dur": "250ms"}})
	h := c.next()
	if len(h.Clocks) != 1 || h.Clocks["cyrene"] == "" || h.node("cyrene") == nil || h.node("cyrene").Skew == "" {
		t.Fatalf("clocks after a skew: %v", h.Clocks)
	}
}

func TestCrashMarksNodeCrashed(t *testing.T) {
	_, ts := newTestServer(t, Limits{})
	c := dial(t, ts, "pattern=test-ping")
	c.next()
	c.send(map[string]any{"type": "cmd", "cmd": map[string]any{"kind": "crash", "node": "byzantium"}})
	f := c.next()
	n := f.node("byzantium")
	if f.Type != "delta" || n == nil || n.Status != "crashed" || len(n.Timers) != 0 {
		t.Fatalf("after crash: %+v", f)
	}
	if f.Log == nil || *f.Log == "" {
		t.Fatal("the command log did not change")
	}
	log, err := share.DecodeLog(*f.Log)
	if err != nil || len(log) != 1 || log[0].Kind != "crash" || log[0].Node != "byzantium" {
		t.Fatalf("log %v %v", log, err)
	}
	// Crash everything: the test invariant breaks, and the frame says so.
	c.send(map[string]any{"type": "cmd", "cmd": map[string]any{"kind": "crash", "node": "athens"}})
	c.next()
	c.send(map[string]any{"type": "cmd", "cmd": map[string]any{"kind": "crash", "node": "cyrene"}})
	g := c.next()
	if len(g.Violations) != 1 || g.Violations[0].Invariant != "never-three-crashed" {
		t.Fatalf("violations: %+v", g.Violations)
	}
}

// The page's network menu edits what the frames say of the network: the
// snapshot has every link's settings, and a delta carries them again when a
// network command changed them (and not when nothing did).
func TestFramesCarryTheNetworkSettings(t *testing.T) {
	_, ts := newTestServer(t, Limits{})
	c := dial(t, ts, "pattern=test-ping")
	if f := c.next(); f.Net == nil || f.Net.All.MeanDelay <= 0 || len(f.Net.Links) != 0 {
		t.Fatalf("snapshot network: %+v", f.Net)
	}
	c.send(map[string]any{"type": "cmd", "cmd": map[string]any{"kind": "network", "from": "athens", "to": "byzantium",
		"net": map[string]any{"minDelay": "10ms", "meanDelay": "30ms", "fifo": true}}})
	f := c.next()
	want := engine.NetSettings{MinDelay: engine.Duration(10 * time.Millisecond), MeanDelay: engine.Duration(30 * time.Millisecond), FIFO: true}
	if f.Net == nil || len(f.Net.Links) != 1 || f.Net.Links[0].From != "athens" || f.Net.Links[0].To != "byzantium" || f.Net.Links[0].Net != want {
		t.Fatalf("after setting athens → byzantium the network is %+v", f.Net)
	}
	c.send(`{"type":"step"}`)
	if f := c.next(); f.Net != nil {
		t.Fatalf("a step that changed no link resent the network: %+v", f.Net)
	}
}

func TestBadInputGetsErrorFrames(t *testing.T) {
	_, ts := newTestServer(t, Limits{})
	c := dial(t, ts, "pattern=test-ping")
	c.next()
	cases := []struct{ msg, want string }{
		{`{"type":"step"`, "malformed JSON"},
		{`not json`, "malformed JSON"},
		{`{"type":"fly"}`, `unknown message type “fly”`},
		{`{}`, `no "type"`},
		{`{"type":"step","bogus":1}`, `unknown field "bogus"`},
		{`{"type":"cmd","cmd":{"kind":"explode"}}`, `unknown command "explode"`},
		{`{"type":"cmd","cmd":{"kind":"crash","node":"nobody"}}`, `no process called "nobody"`},
		{`{"type":"cmd"}`, `"cmd" object is missing`},
		{`{"type":"step","n":-4}`, "n must be"},
		{`{"type":"run","dur":"forever"}`, "dur must be"},
		{`{"type":"play","speed":1e9}`, "speed must be"},
		{`{"type":"back"}`, "already at the first step"},
		{`{"type":"seek","step":-1}`, "seek: step must be"},
		{`{"type":"reset","nodes":99}`, "runs with 1 to 5 nodes"},
		{`{"type":"cmd","cmd":{"kind":"action","node":"athens","name":"poke","args":{"k":1}}}`, "cannot read message"},
	}
	for _, tc := range cases {
		c.send(tc.msg)
		f := c.next()
		if f.Type != "error" || !strings.Contains(f.Error, tc.want) {
			t.Errorf("%s: got %s %q, want an error with %q", tc.msg, f.Type, f.Error, tc.want)
		}
	}
	// The session lives on.
	c.send(`{"type":"step"}`)
	if f := c.next(); f.Type != "delta" || f.Step != 1 {
		t.Fatalf("after the errors: %+v", f)
	}
}

func TestOversizeMessageClosesOnlyThatConnection(t *testing.T) {
	srv, ts := newTestServer(t, Limits{ReadLimit: 1024})
	c := dial(t, ts, "pattern=test-ping")
	c.next()
	c.send(`{"type":"step","dur":"` + strings.Repeat("x", 4096) + `"}`)
	var err error
	for err == nil {
		_, err = c.read()
	}
	if got := websocket.CloseStatus(err); got != websocket.StatusMessageTooBig {
		t.Fatalf("closed with %v (%v), want StatusMessageTooBig", got, err)
	}
	res, err := http.Get(ts.URL + "/healthz")
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("healthz after an oversize message: %v %v", res, err)
	}
	d := dial(t, ts, "pattern=test-ping")
	if f := d.next(); f.Type != "snapshot" {
		t.Fatalf("new session: %+v", f)
	}
	if srv.Sessions() != 2 {
		t.Fatalf("%d sessions, want 2 (the first waits for a reconnect)", srv.Sessions())
	}
}

func TestUnknownPatternOverWebSocket(t *testing.T) {
	_, ts := newTestServer(t, Limits{})
	for q, want := range map[string]string{
		"pattern=no-such":              "no pattern called “no-such”",
		"pattern=test-coming":          "not built yet",
		"":                             "pattern parameter is missing",
		"pattern=test-ping&seed=x":     "seed must be",
		"pattern=test-ping&nodes=9":    "runs with 1 to 5 nodes",
		"pattern=test-ping&log=!!":     "not valid base64url",
		"pattern=test-ping&variants=q": `no variant "q"`,
	} {
		c := dial(t, ts, q)
		f := c.next()
		if f.Type != "error" || !strings.Contains(f.Error, want) {
			t.Errorf("%q: %+v, want error with %q", q, f, want)
		}
		if _, err := c.read(); websocket.CloseStatus(err) != websocket.StatusPolicyViolation {
			t.Errorf("%q: closed with %v", q, err)
		}
	}
}

func TestReconnectWithinGraceKeepsTheRun(t *testing.T) {
	_, ts := newTestServer(t, Limits{})
	c := dial(t, ts, "pattern=test-ping")
	id := c.next().Session
	c.send(`{"type":"step","n":5}`)
	c.next()
	c.send(`{"type":"cmd","cmd":{"kind":"crash","node":"cyrene"}}`)
	c.next()
	c.ws.Close(websocket.StatusGoingAway, "wifi dropped")
	d := dial(t, ts, "pattern=test-ping&session="+id)
	f := d.next()
	if f.Type != "snapshot" || f.Session != id || f.Step != 5 || f.node("cyrene").Status != "crashed" {
		t.Fatalf("after reconnect: session %s step %d", f.Session, f.Step)
	}
	d.send(`{"type":"step"}`)
	if g := d.next(); g.Step != 6 {
		t.Fatalf("step after reconnect: %d", g.Step)
	}
}

func TestSecondTabTakesOverTheSession(t *testing.T) {
	_, ts := newTestServer(t, Limits{})
	c := dial(t, ts, "pattern=test-ping")
	id := c.next().Session
	d := dial(t, ts, "pattern=test-ping&session="+id)
	if f := d.next(); f.Session != id {
		t.Fatal("not the same session")
	}
	var err error
	for err == nil {
		_, err = c.read()
	}
	if websocket.CloseStatus(err) != statusTakenOver {
		t.Fatalf("first tab closed with %v", err)
	}
}

func TestAbandonedSessionIsReclaimed(t *testing.T) {
	srv, ts := newTestServer(t, Limits{Grace: 100 * time.Millisecond})
	c := dial(t, ts, "pattern=test-ping")
	id := c.next().Session
	c.ws.Close(websocket.StatusNormalClosure, "")
	deadline := time.Now().Add(5 * time.Second)
	for srv.Sessions() != 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if srv.Sessions() != 0 {
		t.Fatal("the abandoned session is still there")
	}
	d := dial(t, ts, "session="+id)
	if f := d.next(); f.Type != "error" || f.Code != "no-session" {
		t.Fatalf("reconnect after the grace period: %+v", f)
	}
	// With the page's parameters, a late reconnect starts a new run instead.
	e := dial(t, ts, "pattern=test-ping&session="+id)
	if f := e.next(); f.Type != "snapshot" || f.Session == id {
		t.Fatalf("late reconnect with parameters: %+v", f)
	}
}

func TestSlowClientIsResyncedNotKicked(t *testing.T) {
	srv, ts := newTestServer(t, Limits{Outbox: 2, Tick: time.Millisecond})
	c := dial(t, ts, "pattern=test-ping&nodes=5")
	id := c.next().Session
	c.send(`{"type":"play","speed":200}`)
	sess := srv.hub.get(id)
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		sess.mu.Lock()
		n := sess.resyncs
		sess.mu.Unlock()
		if n > 0 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	// Now read: somewhere after the first frames comes a snapshot, and the
	// connection is still open.
	f := c.until("a resync snapshot", func(f tframe) bool { return f.Type == "snapshot" })
	if f.Session != id || f.Step == 0 {
		t.Fatalf("resync snapshot: %+v", f)
	}
	c.send(`{"type":"pause"}`)
	c.until("the pause", func(f tframe) bool { return f.Play != nil && !f.Play.Playing })
}

func TestPlayAdvancesTimeAndPauseStops(t *testing.T) {
	_, ts := newTestServer(t, Limits{Tick: 5 * time.Millisecond})
	c := dial(t, ts, "pattern=test-ping")
	c.next()
	c.send(`{"type":"play","speed":10}`)
	first := c.until("play on", func(f tframe) bool { return f.Play != nil && f.Play.Playing })
	later := c.until("time to move", func(f tframe) bool { return f.Time > first.Time+150_000 })
	if later.Step <= first.Step {
		t.Fatalf("time moved but no step ran: %d → %d", first.Step, later.Step)
	}
	c.send(`{"type":"pause"}`)
	paused := c.until("play off", func(f tframe) bool { return f.Play != nil && !f.Play.Playing })
	c.send(`{"type":"step"}`)
	if f := c.next(); f.Step != paused.Step+1 {
		t.Fatalf("after pause, step went %d → %d: still playing?", paused.Step, f.Step)
	}
}

func TestBackReplaysAndKeepsTheFuture(t *testing.T) {
	_, ts := newTestServer(t, Limits{})
	c := dial(t, ts, "pattern=test-ping")
	c.next()
	c.send(`{"type":"step","n":10}`)
	c.next()
	c.send(`{"type":"cmd","cmd":{"kind":"crash","node":"athens"}}`)
	c.next()
	c.send(`{"type":"step","n":5}`)
	c.next()
	c.send(`{"type":"back"}`)
	f := c.next()
	if f.Type != "snapshot" || f.Step != 14 || f.node("athens").Status != "crashed" {
		t.Fatalf("back: %s step %d", f.Type, f.Step)
	}
	c.send(`{"type":"seek","step":4}`)
	f = c.next()
	if f.Step != 4 || f.node("athens").Status != "up" || f.Future == nil || *f.Future != 1 {
		t.Fatalf("seek 4: step %d athens %s future %v", f.Step, f.node("athens").Status, f.Future)
	}
	// Going forward again re-applies the crash at step 10.
	c.send(`{"type":"step","n":8}`)
	f = c.next()
	if f.Step != 12 || f.node("athens") == nil || f.node("athens").Status != "crashed" || *f.Future != 0 {
		t.Fatalf("forward again: %+v", f)
	}
}

func TestLinkInURLIsReplayed(t *testing.T) {
	_, ts := newTestServer(t, Limits{})
	c := dial(t, ts, "pattern=test-ping&seed=3")
	c.next()
	c.send(`{"type":"step","n":4}`)
	c.next()
	c.send(`{"type":"cmd","cmd":{"kind":"partition","groups":[["athens"],["byzantium","cyrene"]]}}`)
	f := c.next()
	c.send(`{"type":"step","n":6}`)
	g := c.next()
	d := dial(t, ts, "pattern=test-ping&seed=3&step=10&log="+*f.Log)
	h := d.next()
	if h.Type != "snapshot" || h.Step != 10 || h.Time != g.Time || h.Cut == nil || len(*h.Cut) != 4 || *h.Log != *f.Log {
		t.Fatalf("replayed link: step %d time %d (want %d), cut %v", h.Step, h.Time, g.Time, h.Cut)
	}
	if h.Session == f.Session {
		t.Fatal("a link must start its own session")
	}
}

func TestCommandRateLimit(t *testing.T) {
	_, ts := newTestServer(t, Limits{CommandsPerSecond: 1, CommandBurst: 2})
	c := dial(t, ts, "pattern=test-ping")
	c.next()
	for i := 0; i < 4; i++ {
		c.send(`{"type":"step"}`)
	}
	limited := 0
	for i := 0; i < 4; i++ {
		if f := c.next(); f.Code == "limit" {
			limited++
		}
	}
	if limited != 2 {
		t.Fatalf("%d of 4 messages limited, want 2", limited)
	}
}

func TestSessionsPerAddress(t *testing.T) {
	srv, ts := newTestServer(t, Limits{SessionsPerIP: 2})
	a := dial(t, ts, "pattern=test-ping")
	aID := a.next().Session
	b := dial(t, ts, "pattern=test-ping")
	b.next()
	c := dial(t, ts, "pattern=test-ping")
	if f := c.next(); f.Code != "limit" {
		t.Fatalf("third session: %+v", f)
	}
	// A detached session (a reload) makes room.
	a.ws.Close(websocket.StatusNormalClosure, "")
	for deadline := time.Now().Add(5 * time.Second); srv.hub.get(aID).detachedSince().IsZero(); {
		if time.Now().After(deadline) {
			t.Fatal("the closed tab's session never noticed")
		}
		time.Sleep(5 * time.Millisecond)
	}
	d := dial(t, ts, "pattern=test-ping")
	if f := d.next(); f.Type != "snapshot" {
		t.Fatalf("after one tab closed: %+v", f)
	}
}

func TestPanicEndsOnlyThatSession(t *testing.T) {
	srv, ts := newTestServer(t, Limits{})
	c := dial(t, ts, "pattern=test-ping")
	c.next()
	c.send(`{"type":"cmd","cmd":{"kind":"action","node":"athens","name":"boom"}}`)
	f := c.next()
	if f.Type != "error" || f.Code != "crashed" || !strings.Contains(f.Error, "test pattern exploded") {
		t.Fatalf("after the panic: %+v", f)
	}
	if _, err := c.read(); websocket.CloseStatus(err) != websocket.StatusInternalError {
		t.Fatalf("closed with %v", err)
	}
	d := dial(t, ts, "pattern=test-ping")
	if f := d.next(); f.Type != "snapshot" {
		t.Fatalf("new session after a panic: %+v", f)
	}
	deadline := time.Now().Add(2 * time.Second)
	for srv.Sessions() != 1 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if srv.Sessions() != 1 {
		t.Fatalf("%d sessions, want 1", srv.Sessions())
	}
}
