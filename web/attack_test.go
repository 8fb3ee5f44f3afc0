package web

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// TestAttack runs every numbered attack of issue 21 against one server in
// this process, as a hostile visitor would (loopback only: attackers are
// distinct 127.0.0.x source addresses), then checks that the server is
// alive, that its RSS stayed under 1 GB, and that a visitor from another
// address is admitted and can step a run. Each attack is bounded in count
// and time. Skipped unless asked for:
//
//	CLUSTERSCOPE_ATTACK=1 go test ./web -run Attack -count=1 -v
//
// CLUSTERSCOPE_ATTACK_SKIP=1,2 leaves attacks out (by number), e.g. the ones
// that kill the process on a branch without their fix.
func TestAttack(t *testing.T) {
	if os.Getenv("CLUSTERSCOPE_ATTACK") == "" {
		t.Skip("attack run: set CLUSTERSCOPE_ATTACK=1 (takes a few minutes)")
	}
	skip := map[string]bool{}
	for _, n := range strings.Split(os.Getenv("CLUSTERSCOPE_ATTACK_SKIP"), ",") {
		skip[strings.TrimSpace(n)] = true
	}
	// As serve runs it: the default memory limit.
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(768 << 20))

	srv := New(Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	ts := httptest.NewServer(srv)
	defer func() { srv.Close(); ts.Close() }()
	if !strings.HasPrefix(ts.URL, "http://127.0.0.1:") {
		t.Fatalf("the attack run must stay on loopback, got %s", ts.URL)
	}
	a := &attacker{t: t, srv: srv, base: ts.URL, clients: map[string]*http.Client{}}
	rss := watchRSS()
	defer rss.stop()

	for _, at := range []struct {
		n    string
		name string
		run  func()
	}{
		{"9", "foreign-origin embeds", a.foreignEmbeds},
		{"10", "rooms, followers and join codes", a.fairness},
		{"8", "bad params", a.badParams},
		{"6", "5,000 reconnects", a.reconnects},
		{"7", "reconnecting to reset the rate", a.rateReset},
		{"5", "100 concurrent long link replays from one address", a.replays},
		{"4", "run 1m loops from several sessions", a.runLoops},
		{"11", "parallel trace downloads and back on a long run", a.longRunExports},
		{"2", "deeply nested YAML uploads", a.nestedYAML},
		{"1", "an upload with an allocation-heavy condition", a.repeatUpload},
	} {
		if skip[at.n] {
			t.Logf("attack %s (%s): skipped", at.n, at.name)
			continue
		}
		start := time.Now()
		at.run()
		t.Logf("attack %s (%s): %v, peak RSS so far %d MB, %d goroutines", at.n, at.name, time.Since(start).Round(time.Millisecond), rss.peakMB(), runtime.NumGoroutine())
		if !a.alive() {
			t.Fatalf("attack %s (%s): the server stopped answering", at.n, at.name)
		}
	}
	t.Log("attack 3 (a lesson.md symlinked to /dev/zero) is about the --lessons folder, not a request: lessons' own tests cover it")

	if peak := rss.peakMB(); peak >= 1024 {
		t.Errorf("peak RSS %d MB, want under 1 GB", peak)
	}
	// A legitimate visitor from another address is admitted and can step.
	c, err := a.dial("127.0.0.250", "/ws?pattern=leader-and-followers&seed=7", nil)
	if err != nil {
		t.Fatalf("a legitimate visitor could not connect: %v", err)
	}
	defer c.CloseNow()
	snap := a.until(c, 10*time.Second, func(f tframe) bool { return f.Type == "snapshot" || f.Type == "error" })
	if snap.Type != "snapshot" {
		t.Fatalf("a legitimate visitor was refused: %+v", snap)
	}
	a.send(c, `{"type":"step","n":5}`)
	if f := a.until(c, 10*time.Second, func(f tframe) bool { return f.Type == "delta" || f.Type == "error" }); f.Type != "delta" || f.Step != snap.Step+5 {
		t.Fatalf("a legitimate visitor could not step: %+v", f)
	}
	t.Logf("refusals: %+v", srv.refused.snapshot())
}

// attacker is the hostile client side of TestAttack.
type attacker struct {
	t    *testing.T
	srv  *Server
	base string

	mu      sync.Mutex
	clients map[string]*http.Client
}

// client is an HTTP client whose connections come from ip (127.0.0.x).
func (a *attacker) client(ip string) *http.Client {
	a.mu.Lock()
	defer a.mu.Unlock()
	if c, ok := a.clients[ip]; ok {
		return c
	}
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: 5 * time.Second}
	c := &http.Client{
		Transport:     &http.Transport{DialContext: d.DialContext, MaxIdleConnsPerHost: 16},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Timeout:       60 * time.Second,
	}
	a.clients[ip] = c
	return c
}

func (a *attacker) dial(ip, path string, hdr http.Header) (*websocket.Conn, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(a.base, "http")+path, &websocket.DialOptions{HTTPClient: a.client(ip), HTTPHeader: hdr})
	if err == nil {
		c.SetReadLimit(64 << 20)
	}
	return c, err
}

func (a *attacker) send(c *websocket.Conn, msg string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return c.Write(ctx, websocket.MessageText, []byte(msg))
}

// until reads frames until ok accepts one or the time is up (then the zero
// frame with Type "timeout", or "closed" when the connection ended).
func (a *attacker) until(c *websocket.Conn, d time.Duration, ok func(tframe) bool) tframe {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	for {
		_, b, err := c.Read(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return tframe{Type: "timeout"}
			}
			return tframe{Type: "closed", Error: err.Error()}
		}
		var f tframe
		if json.Unmarshal(b, &f) == nil && ok(f) {
			return f
		}
	}
}

// session opens a run from ip and returns its connection and first frame.
func (a *attacker) session(ip, query string) (*websocket.Conn, tframe, error) {
	c, err := a.dial(ip, "/ws?"+query, nil)
	if err != nil {
		return nil, tframe{}, err
	}
	f := a.until(c, 30*time.Second, func(f tframe) bool { return f.Type == "snapshot" || f.Type == "error" })
	if f.Type != "snapshot" {
		c.CloseNow()
		return nil, f, fmt.Errorf("no snapshot: %s %s %s", f.Type, f.Code, f.Error)
	}
	return c, f, nil
}

func (a *attacker) get(ip, path string) (int, error) {
	res, err := a.client(ip).Get(a.base + path)
	if err != nil {
		return 0, err
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.StatusCode, nil
}

func (a *attacker) alive() bool {
	code, err := a.get("127.0.0.251", "/healthz")
	return err == nil && code == http.StatusOK
}

const attackPattern = "pattern=leader-and-followers&seed=3"

// uploads: the payloads of attacks 1 and 2.
func repeatScenario() string {
	return "title: boom\npattern: leader-and-followers\nsteps:\n  - expect: len(repeat(repeat(\"ab\", 100000), 999999)) > 0\n"
}

func nestedScenario(depth int) string {
	return "title: deep\npattern: leader-and-followers\nsteps:\n  - say: " + strings.Repeat("[", depth) + strings.Repeat("]", depth) + "\n"
}

func scenarioMsg(yaml string) string {
	b, _ := json.Marshal(map[string]string{"type": "scenario", "yaml": yaml})
	return string(b)
}

// Attack 9: a page on another site delivers the other attacks through its
// visitors' browsers: uploads and long links must be refused there.
func (a *attacker) foreignEmbeds() {
	t := a.t
	evil := http.Header{"Origin": {"https://evil.example"}}
	for i, payload := range []string{repeatScenario(), nestedScenario(30_000)} {
		c, err := a.dial("127.0.0.9", "/embed/ws?"+attackPattern, evil)
		if err != nil {
			t.Errorf("attack 9: embed socket: %v", err)
			return
		}
		a.until(c, 10*time.Second, func(f tframe) bool { return f.Type == "snapshot" })
		a.send(c, scenarioMsg(payload))
		if f := a.until(c, 10*time.Second, func(f tframe) bool { return f.Type == "error" }); !strings.Contains(f.Error, "files cannot be opened") {
			t.Errorf("attack 9: upload %d from a foreign embed: %s %q, want it refused", i+1, f.Type, f.Error)
		}
		c.CloseNow()
	}
	c, err := a.dial("127.0.0.9", "/embed/ws?pattern=leader-and-followers&step=200000", evil)
	if err != nil {
		t.Errorf("attack 9: embed socket: %v", err)
		return
	}
	defer c.CloseNow()
	if f := a.until(c, 30*time.Second, func(f tframe) bool { return f.Type == "error" || f.Type == "snapshot" }); f.Code != "limit" {
		t.Errorf("attack 9: a long link from a foreign embed: %s %q, want it refused", f.Type, f.Error)
	}
}

// Attack 10: a few addresses take every room, fill a room and its tally,
// and guess join codes.
func (a *attacker) fairness() {
	t := a.t
	// A presenter opens a room from their own address.
	p, f, err := a.session("127.0.0.100", attackPattern)
	if err != nil {
		t.Errorf("attack 10: the presenter: %v", err)
		return
	}
	defer p.CloseNow()
	code, ok := a.openRoom("127.0.0.100", f.Session)
	if !ok {
		t.Error("attack 10: the presenter could not open a room")
		return
	}
	// One address opens as many rooms as its sessions allow.
	rooms := 0
	for range 8 {
		c, f, err := a.session("127.0.0.10", attackPattern)
		if err != nil {
			break
		}
		defer c.CloseNow()
		if _, ok := a.openRoom("127.0.0.10", f.Session); ok {
			rooms++
		}
	}
	if rooms > 3 {
		t.Errorf("attack 10: one address opened %d rooms", rooms)
	}
	// One address floods the presenter's room with followers and answers.
	var followers []*websocket.Conn
	for range 120 {
		c, err := a.dial("127.0.0.11", "/rooms/"+code+"/ws", nil)
		if err != nil {
			break
		}
		followers = append(followers, c)
	}
	admitted := 0
	for _, c := range followers {
		if f := a.until(c, 5*time.Second, func(f tframe) bool { return f.Type == "snapshot" || f.Type == "error" }); f.Type == "snapshot" {
			admitted++
		}
		defer c.CloseNow()
	}
	if admitted > 40 {
		t.Errorf("attack 10: one address holds %d of a room's follower slots", admitted)
	}
	// Join codes guessed as fast as one address can.
	var notFound, throttled int
	deadline := time.Now().Add(20 * time.Second)
	for i := 0; i < 2000 && time.Now().Before(deadline); i++ {
		guess := fmt.Sprintf("%06d", i)
		guess = strings.Map(func(r rune) rune { return rune(codeAlphabetAt(int(r - '0'))) }, guess)
		switch c, _ := a.get("127.0.0.12", "/join/"+guess); c {
		case http.StatusNotFound:
			notFound++
		case http.StatusTooManyRequests:
			throttled++
		}
	}
	if notFound > 20 || a.srv.refused.count("join-code-throttle") == 0 {
		t.Errorf("attack 10: %d join-code guesses answered (%d throttled), want a handful then 429 and a log line", notFound, throttled)
	}
	a.t.Logf("attack 10: %d rooms from one address, %d followers from one address, %d guesses answered and %d throttled", rooms, admitted, notFound, throttled)
}

func (a *attacker) openRoom(ip, session string) (string, bool) {
	res, err := a.client(ip).Post(a.base+"/rooms", "application/json", strings.NewReader(`{"session":"`+session+`"}`))
	if err != nil {
		return "", false
	}
	defer res.Body.Close()
	var r openRoomResp
	if res.StatusCode != http.StatusOK || json.NewDecoder(res.Body).Decode(&r) != nil {
		return "", false
	}
	return r.Code, true
}

// Attack 8: absurd param values must be refused, not crash the run.
func (a *attacker) badParams() {
	c, _, err := a.session("127.0.0.13", attackPattern)
	if err != nil {
		a.t.Errorf("attack 8: %v", err)
		return
	}
	defer c.CloseNow()
	a.send(c, `{"type":"cmd","cmd":{"kind":"param","name":"election-min-ms","value":-9223372036854775808}}`)
	a.send(c, `{"type":"run","dur":"5s"}`)
	// The first answer: an error for the value (a delta means it was taken).
	if f := a.until(c, 10*time.Second, func(f tframe) bool { return f.Type == "error" || f.Type == "delta" }); f.Type != "error" || f.Code == "crashed" {
		a.t.Errorf("attack 8: election-min-ms = -2^63 answered %s %s %q, want the value refused", f.Type, f.Code, f.Error)
	}
}

// Attack 6: every closed connection must give back its goroutines.
func (a *attacker) reconnects() {
	c, f, err := a.session("127.0.0.14", attackPattern)
	if err != nil {
		a.t.Errorf("attack 6: %v", err)
		return
	}
	c.Close(websocket.StatusNormalClosure, "")
	base := runtime.NumGoroutine()
	deadline := time.Now().Add(90 * time.Second)
	done := 0
	var wg sync.WaitGroup
	var next atomic.Int64
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= 5000 && time.Now().Before(deadline) {
				c, err := a.dial("127.0.0.14", "/ws?"+attackPattern+"&session="+f.Session, nil)
				if err != nil {
					continue
				}
				a.until(c, 5*time.Second, func(f tframe) bool { return f.Type == "snapshot" })
				c.Close(websocket.StatusNormalClosure, "")
			}
		}()
	}
	wg.Wait()
	done = int(min(next.Load(), 5000))
	var now int
	for end := time.Now().Add(15 * time.Second); time.Now().Before(end); time.Sleep(100 * time.Millisecond) {
		if now = runtime.NumGoroutine(); now <= base+50 {
			break
		}
	}
	if now > base+50 {
		a.t.Errorf("attack 6: %d goroutines after %d reconnects, %d before", now, done, base)
	}
}

// Attack 7: reconnecting must not reset the command rate.
func (a *attacker) rateReset() {
	c, f, err := a.session("127.0.0.17", attackPattern)
	if err != nil {
		a.t.Errorf("attack 7: %v", err)
		return
	}
	c.CloseNow()
	accepted := 0
	start := time.Now()
	for time.Since(start) < 5*time.Second {
		c, err := a.dial("127.0.0.17", "/ws?"+attackPattern+"&session="+f.Session, nil)
		if err != nil {
			continue
		}
		a.until(c, 5*time.Second, func(f tframe) bool { return f.Type == "snapshot" })
		for range 45 {
			a.send(c, `{"type":"pause"}`)
		}
		limited := 0
		// Each message is answered by a frame or by a limit error; count
		// the limit errors among the first answers.
		for i := 0; i < 45; i++ {
			fr := a.until(c, 300*time.Millisecond, func(tframe) bool { return true })
			if fr.Type == "timeout" || fr.Type == "closed" {
				break
			}
			if fr.Code == "limit" {
				limited++
			}
		}
		accepted += 45 - limited
		c.CloseNow()
	}
	// One bucket for the session, however often it reconnects: its burst
	// and its rate over the window, with a little slack.
	took := time.Since(start).Seconds()
	lim := a.srv.limits
	if most := float64(lim.CommandBurst) + 1.2*lim.CommandsPerSecond*took + 5; float64(accepted) > most {
		a.t.Errorf("attack 7: %d commands accepted in %.1f s by reconnecting (%.0f/s), at most %.0f within the rate of %g/s", accepted, took, float64(accepted)/took, most, lim.CommandsPerSecond)
	}
}

// Attack 5: one address starts 100 long link replays at once.
func (a *attacker) replays() {
	var wg sync.WaitGroup
	var snaps, refused, waited atomic.Int32
	// Every connection stays open to the end, so none is evicted to make
	// room for another: at most SessionsPerIP may be admitted.
	hold := make(chan struct{})
	defer close(hold)
	for range 100 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := a.dial("127.0.0.18", "/ws?pattern=leader-and-followers&seed=9&step=200000", nil)
			if err != nil {
				return
			}
			go func() { <-hold; c.CloseNow() }()
			switch f := a.until(c, 60*time.Second, func(f tframe) bool { return f.Type == "snapshot" || f.Type == "error" }); f.Type {
			case "snapshot":
				snaps.Add(1)
			case "error":
				refused.Add(1)
			default:
				waited.Add(1)
			}
		}()
	}
	wg.Wait()
	if int(snaps.Load()) > a.srv.limits.SessionsPerIP {
		a.t.Errorf("attack 5: %d replays admitted from one address, the limit is %d", snaps.Load(), a.srv.limits.SessionsPerIP)
	}
	if waited.Load() > 0 {
		a.t.Errorf("attack 5: %d of 100 links were neither admitted nor refused within a minute (replays queued up instead of being refused)", waited.Load())
	}
	a.t.Logf("attack 5: %d replays admitted, %d refused, %d left waiting", snaps.Load(), refused.Load(), waited.Load())
}

// Attack 4: several sessions ask for a minute of virtual time again and
// again, within the rate limit.
func (a *attacker) runLoops() {
	var wg sync.WaitGroup
	var maxStep atomic.Int64
	for i := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, _, err := a.session("127.0.0."+strconv.Itoa(20+i), attackPattern)
			if err != nil {
				a.t.Errorf("attack 4: %v", err)
				return
			}
			defer c.CloseNow()
			end := time.Now().Add(20 * time.Second)
			for time.Now().Before(end) {
				if a.send(c, `{"type":"run","dur":"1m"}`) != nil {
					return
				}
				f := a.until(c, 10*time.Second, func(f tframe) bool { return f.Type == "delta" || f.Type == "snapshot" || f.Type == "error" })
				if f.Type == "closed" || f.Type == "timeout" {
					return
				}
				if int64(f.Step) > maxStep.Load() {
					maxStep.Store(int64(f.Step))
				}
				time.Sleep(50 * time.Millisecond) // within 20 a second
			}
		}()
	}
	wg.Wait()
	a.t.Logf("attack 4: the longest run reached step %d", maxStep.Load())
}

// Attack 11: ten parallel trace downloads of a long run, then back.
func (a *attacker) longRunExports() {
	c, f, err := a.session("127.0.0.24", attackPattern)
	if err != nil {
		a.t.Errorf("attack 11: %v", err)
		return
	}
	defer c.CloseNow()
	// A long run within the rate limit (attack 4 made others like it).
	end := time.Now().Add(20 * time.Second)
	step := 0
	for time.Now().Before(end) {
		a.send(c, `{"type":"run","dur":"1m"}`)
		fr := a.until(c, 10*time.Second, func(f tframe) bool { return f.Type == "delta" || f.Type == "snapshot" || f.Type == "error" })
		if fr.Type == "closed" || fr.Type == "timeout" {
			break
		}
		step = max(step, fr.Step)
		time.Sleep(50 * time.Millisecond)
	}
	var wg sync.WaitGroup
	var statuses sync.Map
	for range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			code, err := a.get("127.0.0.24", "/session/"+f.Session+"/trace.json")
			if err != nil {
				statuses.Store(err.Error(), true)
				return
			}
			statuses.Store(strconv.Itoa(code), true)
		}()
	}
	wg.Wait()
	var seen []string
	statuses.Range(func(k, _ any) bool { seen = append(seen, k.(string)); return true })
	slices.Sort(seen)
	start := time.Now()
	for range 3 {
		a.send(c, `{"type":"back"}`)
		a.until(c, 30*time.Second, func(f tframe) bool { return f.Type == "snapshot" || f.Type == "error" })
	}
	a.t.Logf("attack 11: a run of %d steps, 10 trace downloads answered %v, 3 backs took %v", step, seen, time.Since(start).Round(time.Millisecond))
}

// Attack 2: three concurrent uploads of deeply nested YAML.
func (a *attacker) nestedYAML() {
	var wg sync.WaitGroup
	for i := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, _, err := a.session("127.0.0."+strconv.Itoa(30+i), attackPattern)
			if err != nil {
				a.t.Errorf("attack 2: %v", err)
				return
			}
			defer c.CloseNow()
			start := time.Now()
			a.send(c, scenarioMsg(nestedScenario(30_000)))
			f := a.until(c, 60*time.Second, func(f tframe) bool { return f.Type == "error" || f.Type == "delta" || f.Type == "snapshot" })
			if took := time.Since(start); f.Type != "error" || took > 5*time.Second {
				a.t.Errorf("attack 2: a nested upload answered %s %q after %v, want a prompt error", f.Type, f.Error, took.Round(time.Millisecond))
			}
		}()
	}
	wg.Wait()
}

// Attack 1: a ~160-byte scenario whose condition allocates without bound.
func (a *attacker) repeatUpload() {
	c, _, err := a.session("127.0.0.33", attackPattern)
	if err != nil {
		a.t.Errorf("attack 1: %v", err)
		return
	}
	defer c.CloseNow()
	a.send(c, scenarioMsg(repeatScenario()))
	if f := a.until(c, 60*time.Second, func(f tframe) bool { return f.Type == "error" || f.Type == "delta" || f.Type == "snapshot" }); f.Type != "error" {
		a.t.Errorf("attack 1: the repeat condition answered %s, want an error", f.Type)
	}
}

// rssWatch samples this process's resident memory (VmRSS) every 50 ms.
type rssWatch struct {
	peak atomic.Int64 // kB
	quit chan struct{}
	done chan struct{}
}

func watchRSS() *rssWatch {
	w := &rssWatch{quit: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(w.done)
		t := time.NewTicker(50 * time.Millisecond)
		defer t.Stop()
		for {
			if kb := vmRSS(); kb > w.peak.Load() {
				w.peak.Store(kb)
			}
			select {
			case <-w.quit:
				return
			case <-t.C:
			}
		}
	}()
	return w
}

func (w *rssWatch) peakMB() int64 { return w.peak.Load() / 1024 }
func (w *rssWatch) stop()         { close(w.quit); <-w.done }

func vmRSS() int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return n
		}
	}
	return 0
}
