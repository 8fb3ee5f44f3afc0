package web

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"clusterscope/web/room"
	"clusterscope/web/testlog"

	"github.com/coder/websocket"
)

// rframe is what a test reads of a room's frames beside the run's.
type rframe struct {
	tframe
	Reason    string `json:"reason"`
	Role      string `json:"role"`
	Followers int    `json:"followers"`
	Presenter bool   `json:"presenter"`
	Source    string `json:"source"`
	Question  *struct {
		ID       int   `json:"id"`
		Counts   []int `json:"counts"`
		Answered int   `json:"answered"`
		Answer   *int  `json:"answer"`
	} `json:"question"`
	raw string
}

func newRoomServer(t *testing.T, opts Options) (*Server, *httptest.Server) {
	t.Helper()
	opts.Patterns, opts.Logger = testPatterns(), testlog.New(t)
	srv := New(opts)
	ts := httptest.NewServer(srv)
	t.Cleanup(func() { srv.Close(); ts.Close() })
	return srv, ts
}

// dialPath opens a WebSocket on any path, with extra request headers.
func dialPath(t *testing.T, ts *httptest.Server, path string, hdr http.Header) (*client, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(ts.URL, "http")+path, &websocket.DialOptions{HTTPHeader: hdr})
	if err != nil {
		return nil, err
	}
	ws.SetReadLimit(16 << 20)
	t.Cleanup(func() { ws.CloseNow() })
	return &client{t: t, ws: ws}, nil
}

func mustDial(t *testing.T, ts *httptest.Server, path string) *client {
	t.Helper()
	c, err := dialPath(t, ts, path, nil)
	if err != nil {
		t.Fatalf("dial %s: %v", path, err)
	}
	return c
}

func (c *client) rnext() rframe {
	c.t.Helper()
	f, raw := mustReadAs[rframe](c)
	f.raw = raw
	return f
}

func (c *client) runtil(what string, ok func(rframe) bool) rframe {
	c.t.Helper()
	return untilAs(c, what, c.rnext, ok)
}

// present opens a run and a room for it, as the Present button does.
func present(t *testing.T, ts *httptest.Server) (p *client, session string, resp openRoomResp) {
	t.Helper()
	p = mustDial(t, ts, "/ws?pattern=test-ping&seed=3")
	session = p.until("the snapshot", func(f tframe) bool { return f.Type == "snapshot" }).Session
	code, body := postRoom(t, ts, session, nil)
	if code != http.StatusOK {
		t.Fatalf("POST /rooms: %d %s", code, body)
	}
	if err := json.Unmarshal([]byte(body), &resp); err != nil {
		t.Fatal(err)
	}
	return p, session, resp
}

func postRoom(t *testing.T, ts *httptest.Server, session string, hdr http.Header) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("POST", ts.URL+"/rooms", strings.NewReader(`{"session":"`+session+`"}`))
	req.Header.Set("Content-Type", "application/json")
	for k, v := range hdr {
		req.Header[k] = v
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

func TestRoomFollowerSeesThePresentersRun(t *testing.T) {
	_, ts := newRoomServer(t, Options{})
	p, session, rm := present(t, ts)
	if len(rm.Code) != room.CodeLen || len(rm.Key) < 40 || strings.Contains(rm.Join, rm.Key) || !strings.HasSuffix(rm.Join, "/join/"+rm.Code) {
		t.Fatalf("room: %+v", rm)
	}
	if rm.Warning == "" {
		t.Error("a join link on 127.0.0.1 should warn that other machines cannot reach it")
	}
	f := mustDial(t, ts, "/rooms/"+rm.Code+"/ws")
	snap := f.runtil("the presenter's run", func(x rframe) bool { return x.Type == "snapshot" })
	if snap.Session != "" || strings.Contains(snap.raw, session) {
		t.Fatal("a follower's snapshot carries the presenter's session id (it drives the run)")
	}
	if snap.Config == nil || snap.Config.Seed != 3 {
		t.Fatalf("follower snapshot config %+v, want the presenter's seed 3", snap.Config)
	}
	for i := 1; i <= 3; i++ {
		p.send(map[string]any{"type": "step"})
		p.until("the step", func(x tframe) bool { return x.Step == i })
		got := f.runtil("the step", func(x rframe) bool { return x.Type == "delta" || x.Type == "snapshot" })
		if got.Step != i || strings.Contains(got.raw, session) {
			t.Fatalf("follower frame at step %d: %s", i, got.raw)
		}
	}
	// A rewind is a snapshot for the presenter, and so for the followers.
	p.send(map[string]any{"type": "back"})
	if got := f.runtil("the rewind", func(x rframe) bool { return x.Type == "snapshot" }); got.Step != 2 {
		t.Errorf("after back the follower is at step %d, want 2", got.Step)
	}
	qr, err := http.Get(ts.URL + "/rooms/" + rm.Code + "/qr.svg")
	if err != nil || qr.StatusCode != 200 || qr.Header.Get("Content-Type") != "image/svg+xml" {
		t.Fatalf("qr: %v %v", err, qr)
	}
}

func TestRoomOnlyThePresenterDrives(t *testing.T) {
	_, ts := newRoomServer(t, Options{})
	p, session, rm := present(t, ts)
	f := mustDial(t, ts, "/rooms/"+rm.Code+"/ws")
	f.runtil("the snapshot", func(x rframe) bool { return x.Type == "snapshot" })

	// A follower's commands are refused, and the run does not move.
	for _, m := range []string{`{"type":"step","n":5}`, `{"type":"cmd","cmd":{"kind":"crash","node":"athens"}}`, `{"type":"play"}`, `{"type":"reset","seed":9}`, `{"type":"predict","question":"q","choices":["a","b"]}`} {
		f.send(m)
		if e := f.runtil("a refusal", func(x rframe) bool { return x.Type == "error" }); e.Code != "read-only" {
			t.Errorf("%s: %+v", m, e)
		}
	}
	p.send(map[string]any{"type": "step"})
	if got := p.until("a step", func(x tframe) bool { return x.Type == "delta" }); got.Step != 1 {
		t.Fatalf("the run moved on a follower's message: presenter at step %d after one step", got.Step)
	}

	refused := func(what, path string) {
		t.Helper()
		c, err := dialPath(t, ts, path, nil)
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		e := c.rnext()
		if e.Type != "error" || (e.Code != "forbidden" && e.Code != "no-session" && e.Code != "no-room") {
			t.Errorf("%s: got %s, want a refusal", what, e.raw)
		}
	}
	// The presenter's control socket needs the secret; a wrong one is
	// refused, not treated as a follower.
	refused("wrong key", "/rooms/"+rm.Code+"/ws?key=not-the-key")
	refused("empty key", "/rooms/"+rm.Code+"/ws?key=")
	refused("join code as key", "/rooms/"+rm.Code+"/ws?key="+rm.Code)
	// The session id alone no longer drives a presented run.
	refused("session without key", "/ws?pattern=test-ping&session="+session)
	refused("session with wrong key", "/ws?pattern=test-ping&session="+session+"&key=x"+rm.Key)
	// The join code is not a session.
	refused("join code as session", "/ws?session="+rm.Code)

	// With the secret, the presenter comes back to the same run.
	p.ws.CloseNow()
	p2 := mustDial(t, ts, "/ws?pattern=test-ping&session="+session+"&key="+rm.Key)
	if s := p2.until("the snapshot", func(x tframe) bool { return x.Type == "snapshot" }); s.Session != session || s.Step != 1 {
		t.Fatalf("presenter reconnect: session %q step %d", s.Session, s.Step)
	}
	pc := mustDial(t, ts, "/rooms/"+rm.Code+"/ws?key="+rm.Key)
	if r := pc.runtil("the room", func(x rframe) bool { return x.Type == "room" }); r.Role != "presenter" || r.Source != session || r.Followers != 1 {
		t.Errorf("presenter room frame: %s", r.raw)
	}
	p2.send(map[string]any{"type": "step"})
	f.runtil("step 2 after the reconnect", func(x rframe) bool { return x.Type == "delta" && x.Step == 2 })

	// Opening a room needs the page's own origin and a live run.
	if code, _ := postRoom(t, ts, session, http.Header{"Origin": {"http://evil.example"}}); code != http.StatusForbidden {
		t.Errorf("cross-origin POST /rooms: %d", code)
	}
	if code, _ := postRoom(t, ts, "no-such-session", nil); code != http.StatusNotFound {
		t.Errorf("POST /rooms for no session: %d", code)
	}
	if code, _ := postRoom(t, ts, session, nil); code != http.StatusConflict {
		t.Errorf("second room for one run: %d", code)
	}
}

func TestRoomQuestionTallyAndResume(t *testing.T) {
	_, ts := newRoomServer(t, Options{})
	_, _, rm := present(t, ts)
	pc := mustDial(t, ts, "/rooms/"+rm.Code+"/ws?key="+rm.Key)
	pc.runtil("the room", func(x rframe) bool { return x.Type == "room" })
	f := mustDial(t, ts, "/rooms/"+rm.Code+"/ws")
	f.runtil("the snapshot", func(x rframe) bool { return x.Type == "snapshot" })
	pc.send(map[string]any{"type": "predict", "question": "Who wins?", "choices": []string{"athens", "cyrene"}})
	q := f.runtil("the question", func(x rframe) bool { return x.Question != nil })
	f.send(map[string]any{"type": "answer", "id": q.Question.ID, "choice": 1})
	pc.runtil("the tally", func(x rframe) bool { return x.Question != nil && x.Question.Answered == 1 && x.Question.Counts[1] == 1 })

	// The presenter resumes in a new tab: a fresh replay of the run there,
	// and the room follows it.
	p2 := mustDial(t, ts, "/ws?pattern=test-ping&seed=3&step=4")
	s2 := p2.until("the snapshot", func(x tframe) bool { return x.Type == "snapshot" }).Session
	pc2 := mustDial(t, ts, "/rooms/"+rm.Code+"/ws?key="+rm.Key+"&session="+s2)
	pc2.runtil("the room", func(x rframe) bool { return x.Type == "room" && x.Source == s2 })
	if got := f.runtil("the new run", func(x rframe) bool { return x.Type == "snapshot" }); got.Step != 4 {
		t.Errorf("after the move the follower is at step %d, want 4", got.Step)
	}
	pc2.send(map[string]any{"type": "end"})
	if e := f.runtil("the end", func(x rframe) bool { return x.Type == "ended" }); !strings.Contains(e.Reason, "presenter ended") {
		t.Errorf("end: %s", e.raw)
	}
}

func TestRoomIdleTimeoutAndLimits(t *testing.T) {
	_, ts := newRoomServer(t, Options{Rooms: room.Limits{MaxRooms: 1, IdleTimeout: 300 * time.Millisecond}})
	_, _, rm := present(t, ts)
	p2 := mustDial(t, ts, "/ws?pattern=test-ping")
	s2 := p2.until("the snapshot", func(x tframe) bool { return x.Type == "snapshot" }).Session
	if code, body := postRoom(t, ts, s2, nil); code != http.StatusTooManyRequests || !strings.Contains(body, "as many rooms") {
		t.Errorf("second room past the limit: %d %s", code, body)
	}
	f := mustDial(t, ts, "/rooms/"+rm.Code+"/ws")
	if e := f.runtil("the end", func(x rframe) bool { return x.Type == "ended" }); !strings.Contains(e.Reason, "idle") {
		t.Errorf("idle end: %s", e.raw)
	}
	res, _ := http.Get(ts.URL + "/join/" + rm.Code)
	if res.StatusCode != http.StatusNotFound {
		t.Errorf("joining an ended room: %d", res.StatusCode)
	}
}

func TestJoinPages(t *testing.T) {
	_, ts := newRoomServer(t, Options{})
	_, _, rm := present(t, ts)
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	typed := strings.ToLower(room.FormatCode(rm.Code))
	res, err := noRedirect.Get(ts.URL + "/join?code=" + typed)
	if err != nil || res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/join/"+rm.Code {
		t.Fatalf("join form: %v %v %v", err, res.StatusCode, res.Header.Get("Location"))
	}
	page := getBody(t, ts.URL+"/join/"+rm.Code, http.StatusOK)
	for _, want := range []string{`data-room="` + rm.Code + `"`, `data-role="follower"`, "room.js", "Take a copy"} {
		if !strings.Contains(page, want) {
			t.Errorf("follower page lacks %s", want)
		}
	}
	if strings.Contains(page, rm.Key) {
		t.Error("the follower page holds the presenter's secret")
	}
	if body := getBody(t, ts.URL+"/join?code=QQQQQQ", http.StatusNotFound); !strings.Contains(body, "No room with the code") {
		t.Error("an unknown code does not say so")
	}
	if body := getBody(t, ts.URL+"/join?code=hello!", http.StatusNotFound); !strings.Contains(body, "not a room code") {
		t.Error("a malformed code does not say so")
	}
	if body := getBody(t, ts.URL+"/", http.StatusOK); !strings.Contains(body, `action="/join"`) {
		t.Error("the catalog has no join form")
	}
}

func getBody(t *testing.T, url string, status int) string {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != status {
		t.Fatalf("GET %s: %d, want %d: %.300s", url, res.StatusCode, status, b)
	}
	return string(b)
}

func TestEmbedFramingAndOrigins(t *testing.T) {
	_, ts := newRoomServer(t, Options{})
	res, _ := http.Get(ts.URL + "/embed/test-ping?controls=full&autoplay=1")
	csp := res.Header.Get("Content-Security-Policy")
	if res.StatusCode != 200 || !strings.Contains(csp, "frame-ancestors *") || res.Header.Get("X-Frame-Options") != "" {
		t.Errorf("embed page: %d, CSP %q, XFO %q", res.StatusCode, csp, res.Header.Get("X-Frame-Options"))
	}
	b, _ := io.ReadAll(res.Body)
	if !strings.Contains(string(b), `data-controls="full"`) || !strings.Contains(string(b), `data-autoplay="true"`) || strings.Contains(string(b), `class="top"`) {
		t.Error("embed page: wrong controls, autoplay or site chrome")
	}
	for _, path := range []string{"/", "/patterns/test-ping", "/join"} {
		res, _ := http.Get(ts.URL + path)
		if res.Header.Get("X-Frame-Options") != "DENY" || !strings.Contains(res.Header.Get("Content-Security-Policy"), "frame-ancestors 'none'") {
			t.Errorf("%s may be framed: XFO %q CSP %q", path, res.Header.Get("X-Frame-Options"), res.Header.Get("Content-Security-Policy"))
		}
	}
	getBody(t, ts.URL+"/embed/test-ping?controls=all", http.StatusBadRequest)
	getBody(t, ts.URL+"/embed/test-coming", http.StatusNotFound)

	// The embed socket takes other origins (and sandboxed frames' "null");
	// the learner's own socket and the rooms' do not.
	foreign := http.Header{"Origin": {"http://workshop.example"}}
	for _, o := range []string{"http://workshop.example", "null"} {
		c, err := dialPath(t, ts, "/embed/ws?pattern=test-ping&seed=5", http.Header{"Origin": {o}})
		if err != nil {
			t.Fatalf("embed socket from %s: %v", o, err)
		}
		if f := c.until("the snapshot", func(x tframe) bool { return x.Type == "snapshot" }); f.Config.Seed != 5 {
			t.Errorf("embed run seed %d", f.Config.Seed)
		}
	}
	if _, err := dialPath(t, ts, "/ws?pattern=test-ping", foreign); err == nil {
		t.Error("the learner's socket accepted another origin")
	}
	_, _, rm := present(t, ts)
	if _, err := dialPath(t, ts, "/rooms/"+rm.Code+"/ws", foreign); err == nil {
		t.Error("a room's socket accepted another origin")
	}
	// A foreign page cannot reach an existing run through the embed socket.
	p := mustDial(t, ts, "/ws?pattern=test-ping")
	id := p.until("the snapshot", func(x tframe) bool { return x.Type == "snapshot" }).Session
	c, _ := dialPath(t, ts, "/embed/ws?pattern=test-ping&session="+id, foreign)
	if f := c.until("the snapshot", func(x tframe) bool { return x.Type == "snapshot" }); f.Session == id {
		t.Error("the embed socket attached to someone's session")
	}

	_, ts2 := newRoomServer(t, Options{FrameAncestors: "https://workshop.example.org 'self'"})
	res, _ = http.Get(ts2.URL + "/embed/test-ping")
	if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors https://workshop.example.org 'self'") {
		t.Errorf("--frame-ancestors not applied: %q", csp)
	}
}

func TestCheckFrameAncestors(t *testing.T) {
	for _, ok := range []string{"*", "'self'", "https://a.example.org", "https://*.example.org 'self'", "http://localhost:8080"} {
		if err := CheckFrameAncestors(ok); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	for _, bad := range []string{"", "a;b", "https://a.example/x", "'unsafe-inline'", "javascript:alert(1)", "https://a.example, https://b.example"} {
		if err := CheckFrameAncestors(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// An embed may name one of the pattern's scenarios (from the bundled
// lessons, or an instructor's folder); any other name is a 404.
func TestEmbedScenarioNames(t *testing.T) {
	srv := New(Options{Logger: testlog.New(t)})
	ts := httptest.NewServer(srv)
	t.Cleanup(func() { srv.Close(); ts.Close() })
	page := getBody(t, ts.URL+"/embed/leader-and-followers?scenario=1-election&autoplay=1", http.StatusOK)
	if !strings.Contains(page, `data-scenario="1-election"`) || !strings.Contains(page, `data-view="story"`) {
		t.Error("the embed page does not carry its scenario to the player")
	}
	getBody(t, ts.URL+"/embed/leader-and-followers?scenario=nope", http.StatusNotFound)
	getBody(t, ts.URL+"/embed/heartbeat?scenario=1-election", http.StatusNotFound) // another pattern's
}

// The presenter compares; the followers see both runs, and see it end.
func TestRoomFollowersSeeCompareMode(t *testing.T) {
	_, ts := newRoomServer(t, Options{})
	p, _, rm := present(t, ts)
	f := mustDial(t, ts, "/rooms/"+rm.Code+"/ws")
	f.runtil("the presenter's run", func(x rframe) bool { return x.Type == "snapshot" })
	p.send(`{"type":"compare","variants":["lossy"]}`)
	got := f.runtil("the compared run", func(x rframe) bool { return strings.Contains(x.raw, `"compare":`) })
	if !strings.Contains(got.raw, `"variants":["lossy"]`) {
		t.Fatalf("follower's compare frame: %.300s", got.raw)
	}
	p.send(`{"type":"step","n":3}`)
	if got = f.runtil("the twin following", func(x rframe) bool { return x.Step == 3 }); !strings.Contains(got.raw, `"compare":`) {
		t.Fatalf("the step reached the follower without the compared run: %.300s", got.raw)
	}
	p.send(`{"type":"compare-off"}`)
	f.runtil("compare mode ended", func(x rframe) bool {
		return strings.Contains(x.raw, `"compare":{`) && strings.Contains(x.raw, `"off":true`)
	})
}
