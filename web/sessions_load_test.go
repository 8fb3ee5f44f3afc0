package web

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"clusterscope/web/testlog"
)

// TestLoadSessions: N sessions (CLUSTERSCOPE_SESSIONS, default 1000) each
// playing the 3-node Leader and Followers page at 1× for
// CLUSTERSCOPE_SECONDS (default 20) against a server in a child process, so
// the server's CPU and memory are measured apart from the clients'. It
// prints frames per second per session, the gaps between frames
// (p50/p99/max), the server's CPU in cores and its RSS. It fails when a
// session is refused or gets no frames; the goals (every session at its full
// 20 frames/s, p99 gap < 100 ms, RSS < 1 GB on 2 cores) are for a quiet
// machine and are printed, not asserted:
//
//	CLUSTERSCOPE_LOAD=1 go test ./web -run LoadSessions -count=1 -v
func TestLoadSessions(t *testing.T) {
	if os.Getenv("CLUSTERSCOPE_LOAD") != "1" {
		t.Skip("load test: set CLUSTERSCOPE_LOAD=1")
	}
	n, secs := envInt("CLUSTERSCOPE_SESSIONS", 1000), envInt("CLUSTERSCOPE_SECONDS", 20)
	server, addr := startLoadServer(t, n)
	url := "ws://" + addr + "/ws?pattern=leader-and-followers&seed="

	type result struct {
		frames int
		gaps   []time.Duration
		err    string
	}
	results := make([]result, n)
	ctx, cancel := context.WithTimeout(context.Background(), time.Duration(secs+60)*time.Second)
	defer cancel()
	conns := make([]*websocket.Conn, n)
	for i := range conns {
		ws, _, err := websocket.Dial(ctx, url+strconv.Itoa(i+1), nil)
		if err != nil {
			t.Fatalf("session %d: %v", i, err)
		}
		ws.SetReadLimit(16 << 20)
		conns[i] = ws
	}
	window := time.Duration(secs) * time.Second
	cpu0, start := procCPU(t, server), time.Now()
	var wg sync.WaitGroup
	for i, ws := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer ws.CloseNow()
			r := &results[i]
			if err := ws.Write(ctx, websocket.MessageText, []byte(`{"type":"play"}`)); err != nil {
				r.err = err.Error()
				return
			}
			var last time.Time
			for time.Since(start) < window {
				_, b, err := ws.Read(ctx)
				if err != nil {
					r.err = err.Error()
					return
				}
				if strings.HasPrefix(string(b), `{"type":"error"`) {
					r.err = string(b)
					return
				}
				now := time.Now()
				if !last.IsZero() && now.Sub(start) > time.Second { // the first second is the start
					r.gaps = append(r.gaps, now.Sub(last))
					r.frames++
				}
				last = now
			}
		}()
	}
	wg.Wait()
	wall := time.Since(start).Seconds()
	cores := (procCPU(t, server) - cpu0) / wall
	var gaps []time.Duration
	frames := 0
	for i, r := range results {
		if r.err != "" || r.frames == 0 {
			t.Errorf("session %d: %d frames, %s", i, r.frames, r.err)
		}
		frames += r.frames
		gaps = append(gaps, r.gaps...)
	}
	slices.Sort(gaps)
	q := func(p float64) float64 {
		if len(gaps) == 0 {
			return 0
		}
		return float64(gaps[min(len(gaps)-1, int(p*float64(len(gaps))))].Microseconds()) / 1000
	}
	fmt.Printf("sessions=%d frames/s/session=%.1f gap_ms p50=%.1f p99=%.1f max=%.1f server_cpu=%.2f cores rss_mb=%d\n",
		n, float64(frames)/float64(n)/(wall-1), q(0.5), q(0.99), q(1), cores, procRSS(t, server)>>20)
}

// TestLoadSessionsServer is the child process of TestLoadSessions: a server
// that lets one address open every session, printing its address and
// serving until its stdin closes.
func TestLoadSessionsServer(t *testing.T) {
	n, err := strconv.Atoi(os.Getenv("CLUSTERSCOPE_LOAD_SERVER"))
	if err != nil {
		t.Skip("the child of TestLoadSessions")
	}
	srv := New(Options{Logger: testlog.New(t), Limits: Limits{MaxSessions: n, SessionsPerIP: n,
		ConnectsPerSecond: float64(n), ConnectBurst: n, AddressCommandsPerSecond: float64(n), AddressCommandBurst: n}})
	defer srv.Close()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	// CLUSTERSCOPE_LOAD_CPUPROFILE=file profiles the server's side of the run.
	if path := os.Getenv("CLUSTERSCOPE_LOAD_CPUPROFILE"); path != "" {
		f, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			t.Fatal(err)
		}
		defer pprof.StopCPUProfile()
	}
	go http.Serve(l, srv)
	fmt.Println("listening", l.Addr())
	bufio.NewReader(os.Stdin).ReadString('\n') // until the parent is done
}

func startLoadServer(t *testing.T, n int) (pid int, addr string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestLoadSessionsServer$", "-test.v")
	cmd.Env = append(os.Environ(), "CLUSTERSCOPE_LOAD_SERVER="+strconv.Itoa(n))
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stdin.Close(); cmd.Wait() })
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if a, ok := strings.CutPrefix(sc.Text(), "listening "); ok {
			go func() { // keep draining its output
				for sc.Scan() {
				}
			}()
			return cmd.Process.Pid, a
		}
	}
	t.Fatal("the load server did not start")
	return 0, ""
}

// procCPU is the CPU seconds process pid has used (/proc/pid/stat fields
// utime and stime, in clock ticks of 1/100 s).
func procCPU(t *testing.T, pid int) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		t.Skipf("no /proc: %v", err)
	}
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+2:]))
	ut, _ := strconv.ParseFloat(f[11], 64)
	st, _ := strconv.ParseFloat(f[12], 64)
	return (ut + st) / 100
}

// procRSS is process pid's resident memory in bytes.
func procRSS(t *testing.T, pid int) int {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Skipf("no /proc: %v", err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), " kB"))
			return kb << 10
		}
	}
	return 0
}

func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}
