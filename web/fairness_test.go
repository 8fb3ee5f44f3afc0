package web

import (
	"context"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"clusterscope/web/room"

	"github.com/coder/websocket"
)

// clientFrom is an HTTP client whose connections come from the loopback
// address ip (127.0.0.x), so a test can be several client addresses.
func clientFrom(ip string) *http.Client {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: 5 * time.Second}
	return &http.Client{
		Transport:     &http.Transport{DialContext: d.DialContext},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Timeout:       10 * time.Second,
	}
}

func statusOf(t *testing.T, c *http.Client, url string) (int, http.Header) {
	t.Helper()
	res, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode, res.Header
}

// Guessing join codes: a few misses are fine (a person mistypes), then the
// address gets 429 on every room lookup — the page, the form, the QR code
// and the socket, even for a code that exists — with one log line; another
// address is not affected, and lookups that find a room spend nothing.
func TestJoinCodeGuessingIsThrottled(t *testing.T) {
	srv, ts := newRoomServer(t, Options{})
	_, _, rm := present(t, ts)
	guesser, visitor := clientFrom("127.0.0.1"), clientFrom("127.0.0.2")
	for range 30 {
		if code, _ := statusOf(t, guesser, ts.URL+"/join/"+rm.Code); code != http.StatusOK {
			t.Fatalf("a known code: %d", code)
		}
	}
	misses := 0
	for i := range 40 {
		code, hdr := statusOf(t, guesser, ts.URL+"/join?code=QQQQQ"+string(codeAlphabetAt(i)))
		if code == http.StatusTooManyRequests {
			if hdr.Get("Retry-After") == "" {
				t.Error("429 without Retry-After")
			}
			break
		}
		if code != http.StatusNotFound {
			t.Fatalf("guess %d: %d", i, code)
		}
		misses++
	}
	if misses < 5 || misses > 15 {
		t.Fatalf("%d misses before the throttle, want about 10", misses)
	}
	for _, path := range []string{"/join/" + rm.Code, "/join?code=" + rm.Code, "/rooms/" + rm.Code + "/qr.svg", "/rooms/" + rm.Code + "/ws"} {
		if code, _ := statusOf(t, guesser, ts.URL+path); code != http.StatusTooManyRequests {
			t.Errorf("%s while throttled: %d, want 429", path, code)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, res, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(ts.URL, "http")+"/rooms/"+rm.Code+"/ws", &websocket.DialOptions{HTTPClient: guesser}); err == nil || res == nil || res.StatusCode != http.StatusTooManyRequests {
		t.Errorf("the follower socket while throttled: %v", err)
	}
	if n := srv.refused.count("join-code-throttle"); n != 1 {
		t.Errorf("%d throttle log lines, want 1 (one per address per %v)", n, noteEvery)
	}
	if code, _ := statusOf(t, visitor, ts.URL+"/join/"+rm.Code); code != http.StatusOK {
		t.Errorf("another address: %d", code)
	}
}

func codeAlphabetAt(i int) byte { return "34679ACDEFGHJKMNPQRTUVWXY"[i%25] }

// One address may open a few rooms, not all of them.
func TestRoomsPerAddress(t *testing.T) {
	srv, ts := newRoomServer(t, Options{Rooms: room.Limits{RoomsPerAddr: 2}})
	present(t, ts)
	present(t, ts)
	p := mustDial(t, ts, "/ws?pattern=test-ping")
	id := p.until("the snapshot", func(f tframe) bool { return f.Type == "snapshot" }).Session
	if code, body := postRoom(t, ts, id, nil); code != http.StatusTooManyRequests || !strings.Contains(body, "your address") {
		t.Errorf("third room from one address: %d %s", code, body)
	}
	if srv.refused.count("rooms-per-ip") != 1 {
		t.Error("the refusal was not counted")
	}
}

// One address may follow with a bounded number of connections; the room is
// not full for others.
func TestFollowersPerAddress(t *testing.T) {
	srv, ts := newRoomServer(t, Options{Rooms: room.Limits{FollowersPerAddr: 3}})
	_, _, rm := present(t, ts)
	for range 3 {
		f := mustDial(t, ts, "/rooms/"+rm.Code+"/ws")
		f.until("the snapshot", func(x tframe) bool { return x.Type == "snapshot" })
	}
	f := mustDial(t, ts, "/rooms/"+rm.Code+"/ws")
	if e := f.until("an error", func(x tframe) bool { return x.Type == "error" }); e.Code != "limit" || !strings.Contains(e.Error, "your address") {
		t.Errorf("fourth follower: %+v", e)
	}
	for _, err := f.read(); err == nil; _, err = f.read() { // to the close frame
	}
	for deadline := time.Now().Add(5 * time.Second); srv.refused.count("followers-per-ip") != 1; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the refusal was not counted")
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(ts.URL, "http")+"/rooms/"+rm.Code+"/ws", &websocket.DialOptions{HTTPClient: clientFrom("127.0.0.3")})
	if err != nil {
		t.Fatal(err)
	}
	defer ws.CloseNow()
	c := &client{t: t, ws: ws}
	c.until("the snapshot", func(x tframe) bool { return x.Type == "snapshot" })
}
