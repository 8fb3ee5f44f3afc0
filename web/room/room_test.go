package room

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"clusterscope/web/testlog"

	"github.com/coder/websocket"
)

func newTestRegistry(t *testing.T, l Limits) *Registry {
	reg := NewRegistry(l, testlog.New(t))
	t.Cleanup(reg.Close)
	return reg
}

// serve exposes a registry's rooms: /follow?code= and /present?code=&key=.
func serve(t *testing.T, reg *Registry) *httptest.Server {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		room := reg.Get(r.URL.Query().Get("code"))
		if room == nil {
			http.NotFound(w, r)
			return
		}
		if r.URL.Path == "/present" && !room.Authorized(r.URL.Query().Get("key")) {
			http.Error(w, "forbidden", http.StatusForbidden)
			return
		}
		ws, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		if r.URL.Path == "/present" {
			room.ServePresenter(ws)
		} else {
			room.ServeFollower(ws, r.URL.Query().Get("addr"))
		}
	}))
	t.Cleanup(ts.Close)
	return ts
}

type client struct {
	t  *testing.T
	ws *websocket.Conn
}

func dial(t *testing.T, ts *httptest.Server, path string) *client {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(ts.URL, "http")+path, nil)
	if err != nil {
		t.Fatalf("dial %s: %v", path, err)
	}
	t.Cleanup(func() { ws.CloseNow() })
	return &client{t: t, ws: ws}
}

type anyFrame struct {
	Type     string        `json:"type"`
	Step     int           `json:"step"`
	Code     string        `json:"code"`
	Error    string        `json:"error"`
	Reason   string        `json:"reason"`
	Role     string        `json:"role"`
	Source   string        `json:"source"`
	Question *wireQuestion `json:"question"`
	Follow   int           `json:"followers"`
}

func (c *client) read() anyFrame {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, b, err := c.ws.Read(ctx)
	if err != nil {
		c.t.Fatalf("read: %v", err)
	}
	var f anyFrame
	if err := json.Unmarshal(b, &f); err != nil {
		c.t.Fatalf("frame %s: %v", b, err)
	}
	return f
}

// until reads frames until ok holds.
func (c *client) until(what string, ok func(anyFrame) bool) anyFrame {
	c.t.Helper()
	for i := 0; i < 200; i++ {
		if f := c.read(); ok(f) {
			return f
		}
	}
	c.t.Fatalf("no frame with %s", what)
	return anyFrame{}
}

func (c *client) send(v any) {
	c.t.Helper()
	b, _ := json.Marshal(v)
	if err := c.ws.Write(context.Background(), websocket.MessageText, b); err != nil {
		c.t.Fatalf("write: %v", err)
	}
}

func runFrame(typ string, step int) []byte {
	return []byte(fmt.Sprintf(`{"type":%q,"step":%d}`, typ, step))
}

// answerSnapshots plays the run's part: each snapshot request is answered
// with a Resync at the current step.
func answerSnapshots(r *Room, step func() int) {
	go func() {
		for {
			select {
			case <-r.SnapshotRequests():
				n := step()
				r.Publish(Resync, n, runFrame("snapshot", n))
			case <-r.Done():
				return
			}
		}
	}()
}

func TestFollowerSeesRunAndCannotDriveIt(t *testing.T) {
	reg := newTestRegistry(t, Limits{})
	r, key, err := reg.Open("test-ping", "session-1", "a")
	if err != nil {
		t.Fatal(err)
	}
	answerSnapshots(r, func() int { return 0 })
	ts := serve(t, reg)

	f := dial(t, ts, "/follow?code="+strings.ToLower(FormatCode(r.Code)))
	f.until("the first snapshot", func(a anyFrame) bool { return a.Type == "snapshot" })
	for step := 1; step <= 3; step++ {
		r.Publish(Delta, step, runFrame("delta", step))
	}
	for step := 1; step <= 3; step++ {
		if got := f.until("a delta", func(a anyFrame) bool { return a.Type == "delta" }); got.Step != step {
			t.Fatalf("delta out of order: step %d, want %d", got.Step, step)
		}
	}

	// Every driving message is refused, and nothing reaches the run.
	before := r.Stats().Frames
	for _, m := range []string{`{"type":"step","n":1}`, `{"type":"cmd","cmd":{"kind":"crash","node":"athens"}}`, `{"type":"reset"}`, `{"type":"predict","question":"q?","choices":["a","b"]}`, `{"type":"end"}`} {
		f.ws.Write(context.Background(), websocket.MessageText, []byte(m))
		e := f.until("an error frame", func(a anyFrame) bool { return a.Type == "error" })
		if !strings.Contains(e.Error, "only the presenter drives") {
			t.Errorf("%s: error %q does not say why", m, e.Error)
		}
	}
	if r.Stats().Frames != before {
		t.Error("a follower's message produced a frame of the run")
	}
	if key == "" || r.Authorized("") || r.Authorized(r.Code) || r.Authorized(key+"x") || !r.Authorized(key) {
		t.Error("Authorized accepts something other than the secret")
	}
}

func TestPredictionTally(t *testing.T) {
	reg := newTestRegistry(t, Limits{})
	r, key, _ := reg.Open("test-ping", "s", "a")
	answerSnapshots(r, func() int { return 7 })
	ts := serve(t, reg)
	p := dial(t, ts, "/present?code="+r.Code+"&key="+key)
	p.until("the room state", func(a anyFrame) bool { return a.Type == "room" && a.Role == "presenter" && a.Source == "s" })
	var fs []*client
	for i := 0; i < 3; i++ {
		f := dial(t, ts, "/follow?code="+r.Code)
		f.until("the snapshot", func(a anyFrame) bool { return a.Type == "snapshot" && a.Step == 7 })
		fs = append(fs, f)
	}
	p.until("three followers", func(a anyFrame) bool { return a.Followers() == 3 })

	p.send(map[string]any{"type": "predict", "question": "Who leads after the crash?", "choices": []string{"athens", "byzantium", "nobody"}})
	var qid int
	for _, f := range fs {
		q := f.until("the question", func(a anyFrame) bool { return a.Type == "room" && a.Question != nil })
		if q.Question.Counts != nil {
			t.Error("followers see the tally before the reveal")
		}
		if q.Source != "" {
			t.Error("a follower was told the presenter's session")
		}
		qid = q.Question.ID
	}
	fs[0].send(map[string]any{"type": "answer", "id": qid, "choice": 1})
	fs[1].send(map[string]any{"type": "answer", "id": qid, "choice": 1})
	fs[2].send(map[string]any{"type": "answer", "id": qid, "choice": 2})
	fs[2].send(map[string]any{"type": "answer", "id": qid, "choice": 0}) // a change of mind replaces the answer
	fs[0].send(map[string]any{"type": "answer", "id": qid, "choice": 9})
	if e := fs[0].until("an error", func(a anyFrame) bool { return a.Type == "error" }); !strings.Contains(e.Error, "0..2") {
		t.Errorf("bad choice: %q", e.Error)
	}
	tally := p.until("the tally", func(a anyFrame) bool {
		return a.Question != nil && a.Question.Answered == 3 && fmt.Sprint(a.Question.Counts) == "[1 2 0]"
	})
	if tally.Question.Answer != nil {
		t.Error("the answer shows before the reveal")
	}
	p.send(map[string]any{"type": "reveal", "answer": 1})
	rev := fs[2].until("the reveal", func(a anyFrame) bool { return a.Question != nil && a.Question.Answer != nil })
	if *rev.Question.Answer != 1 || fmt.Sprint(rev.Question.Counts) != "[1 2 0]" || rev.Question.Mine == nil || *rev.Question.Mine != 0 {
		t.Errorf("reveal: %+v", rev.Question)
	}
	fs[1].send(map[string]any{"type": "answer", "id": qid, "choice": 0})
	if e := fs[1].until("an error", func(a anyFrame) bool { return a.Type == "error" }); !strings.Contains(e.Error, "revealed") {
		t.Errorf("late answer: %q", e.Error)
	}
}

func (a anyFrame) Followers() int { return a.Follow }

// A follower that never drains its queue is resynced with one snapshot; the
// others get every delta and never see the Resync meant for it.
func TestStalledFollowerIsCoalescedNotWaitedFor(t *testing.T) {
	reg := newTestRegistry(t, Limits{Outbox: 4})
	r, _, _ := reg.Open("p", "s", "a")
	mk := func() *follower {
		f := &follower{room: r, out: make(chan []byte, r.lim.Outbox), note: make(chan struct{}, 1), quit: make(chan string, 1)}
		r.mu.Lock()
		r.followers[f] = struct{}{}
		r.mu.Unlock()
		return f
	}
	stalled, quick := mk(), mk()
	got := []string{}
	drainQuick := func() {
		for {
			select {
			case b := <-quick.out:
				got = append(got, string(b))
			default:
				return
			}
		}
	}
	for step := 1; step <= 10; step++ {
		r.Publish(Delta, step, runFrame("delta", step))
		drainQuick()
	}
	if !stalled.needSnap || stalled.resyncs != 1 {
		t.Fatalf("stalled follower: needSnap=%v resyncs=%d, want behind once", stalled.needSnap, stalled.resyncs)
	}
	select {
	case <-r.SnapshotRequests():
	default:
		t.Fatal("no snapshot was requested for the stalled follower")
	}
	if len(stalled.out) != 0 {
		t.Errorf("the stalled follower's queue holds %d stale frames", len(stalled.out))
	}
	r.Publish(Resync, 10, runFrame("snapshot", 10))
	drainQuick()
	if len(got) != 10 || got[9] != string(runFrame("delta", 10)) {
		t.Errorf("the quick follower got %d frames (last %q), want the 10 deltas only", len(got), got[len(got)-1])
	}
	if stalled.needSnap || len(stalled.out) != 1 || string(<-stalled.out) != string(runFrame("snapshot", 10)) {
		t.Error("the stalled follower did not get the resync snapshot")
	}
	// A Snapshot (rewind) goes to everyone.
	r.Publish(Snapshot, 3, runFrame("snapshot", 3))
	drainQuick()
	if got[len(got)-1] != string(runFrame("snapshot", 3)) || len(stalled.out) != 1 {
		t.Error("a rewind snapshot did not reach every follower")
	}
}

func TestLimitsAndIdleEnd(t *testing.T) {
	reg := newTestRegistry(t, Limits{MaxRooms: 2, FollowersPerRoom: 1, IdleTimeout: 150 * time.Millisecond})
	a, _, err1 := reg.Open("p", "1", "a")
	_, _, err2 := reg.Open("p", "2", "a")
	_, _, err3 := reg.Open("p", "3", "a")
	if err1 != nil || err2 != nil {
		t.Fatal(err1, err2)
	}
	if _, ok := err3.(LimitError); !ok {
		t.Fatalf("third room: %v, want a limit error", err3)
	}
	answerSnapshots(a, func() int { return 0 })
	ts := serve(t, reg)
	f := dial(t, ts, "/follow?code="+a.Code)
	f.until("the snapshot", func(x anyFrame) bool { return x.Type == "snapshot" })
	g := dial(t, ts, "/follow?code="+a.Code)
	if e := g.read(); e.Type != "error" || !strings.Contains(e.Error, "full") {
		t.Errorf("second follower of a room for one: %+v", e)
	}
	// Nobody presents: the room ends when idle, and says so.
	e := f.until("the end", func(x anyFrame) bool { return x.Type == "ended" })
	if !strings.Contains(e.Reason, "idle") {
		t.Errorf("end reason %q", e.Reason)
	}
	if reg.Get(a.Code) != nil {
		t.Error("an ended room can still be joined")
	}
}

func TestCodes(t *testing.T) {
	seen := map[string]bool{}
	for i := 0; i < 200; i++ {
		c := newCode()
		if len(c) != CodeLen || strings.ContainsAny(c, "0O1IL5S2Z8B") {
			t.Fatalf("code %q has an ambiguous character or a wrong length", c)
		}
		seen[c] = true
		if n, ok := NormalizeCode(" " + strings.ToLower(FormatCode(c)) + " "); !ok || n != c {
			t.Fatalf("NormalizeCode(FormatCode(%q)) = %q, %v", c, n, ok)
		}
	}
	if len(seen) < 190 {
		t.Errorf("only %d distinct codes in 200", len(seen))
	}
	for _, bad := range []string{"", "ABC", "ABCDEFG", "A0CDEF", "<scrip"} {
		if _, ok := NormalizeCode(bad); ok {
			t.Errorf("NormalizeCode(%q) accepted", bad)
		}
	}
}

// One client address gets a bounded share: of rooms, and of followers (and
// so of a room's answer tally); other addresses are still admitted, and a
// follower that leaves frees its slot.
func TestPerAddressShares(t *testing.T) {
	reg := newTestRegistry(t, Limits{RoomsPerAddr: 1, FollowersPerAddr: 2})
	r, key, err := reg.Open("p", "s1", "10.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := reg.Open("p", "s2", "10.0.0.1"); err == nil {
		t.Fatal("a second room from the same address was opened")
	} else if _, ok := err.(AddrLimitError); !ok {
		t.Fatalf("second room: %T %v, want an AddrLimitError", err, err)
	}
	if _, _, err := reg.Open("p", "s3", "10.0.0.2"); err != nil {
		t.Fatalf("another address's room: %v", err)
	}

	answerSnapshots(r, func() int { return 1 })
	ts := serve(t, reg)
	p := dial(t, ts, "/present?code="+r.Code+"&key="+key)
	var fs []*client
	for range 2 {
		f := dial(t, ts, "/follow?code="+r.Code+"&addr=x")
		f.until("the snapshot", func(a anyFrame) bool { return a.Type == "snapshot" })
		fs = append(fs, f)
	}
	third := dial(t, ts, "/follow?code="+r.Code+"&addr=x")
	if e := third.read(); e.Type != "error" || !strings.Contains(e.Error, "from your address") {
		t.Errorf("third follower from one address: %+v", e)
	}
	other := dial(t, ts, "/follow?code="+r.Code+"&addr=y")
	other.until("the snapshot", func(a anyFrame) bool { return a.Type == "snapshot" })
	if got := reg.Stats(); got.Followers != 3 || got.Rooms != 2 {
		t.Errorf("stats %+v, want 3 followers in 2 rooms", got)
	}

	p.send(map[string]any{"type": "predict", "question": "Who?", "choices": []string{"a", "b"}})
	for _, f := range append(fs, other) {
		q := f.until("the question", func(a anyFrame) bool { return a.Question != nil })
		f.send(map[string]any{"type": "answer", "id": q.Question.ID, "choice": 0})
	}
	p.until("three answers", func(a anyFrame) bool { return a.Question != nil && a.Question.Answered == 3 })

	fs[0].ws.Close(websocket.StatusNormalClosure, "")
	p.until("two followers", func(a anyFrame) bool { return a.Followers() == 2 })
	for deadline := time.Now().Add(5 * time.Second); reg.Stats().Followers != 2; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the follower's slot was not freed")
		}
	}
	again := dial(t, ts, "/follow?code="+r.Code+"&addr=x")
	again.until("the snapshot", func(a anyFrame) bool { return a.Type == "snapshot" })
}
