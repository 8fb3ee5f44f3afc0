package web

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"runtime"
	"runtime/metrics"
	"time"
)

// The admin listener (serve --admin-addr, off by default) is for the
// operator only: it profiles the process and counts what the server holds,
// so it listens on its own address (keep it on 127.0.0.1) and is never part
// of the public router.

// Counts is what /counts reports.
type Counts struct {
	Sessions   int            `json:"sessions"`
	Rooms      int            `json:"rooms"`
	Followers  int            `json:"followers"`
	Goroutines int            `json:"goroutines"`
	HeapBytes  uint64         `json:"heapBytes"`  // live and not yet collected heap objects
	TotalBytes uint64         `json:"totalBytes"` // all memory mapped by the Go runtime
	Refusals   []RefusalCount `json:"refusals"`   // by reason (refusals.go)
}

// Counts reads the server's counts now.
func (s *Server) Counts() Counts {
	rs := s.rooms.Stats()
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}, {Name: "/memory/classes/total:bytes"}}
	metrics.Read(sample) // cheap: no stop-the-world, unlike ReadMemStats
	return Counts{
		Sessions: s.hub.count(), Rooms: rs.Rooms, Followers: rs.Followers,
		Goroutines: runtime.NumGoroutine(),
		HeapBytes:  sample[0].Value.Uint64(), TotalBytes: sample[1].Value.Uint64(),
		Refusals: s.refused.snapshot(),
	}
}

// AdminHandler serves /counts (JSON) and /debug/pprof/.
func (s *Server) AdminHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /counts", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		writeJSON(w, mustJSON(s.Counts()))
	})
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Write([]byte("clusterscope admin: /counts, /debug/pprof/\n"))
	})
	return mux
}

// ListenAndServeAdmin runs the admin listener on addr until ctx ends. An
// address that is not loopback is allowed (a container may need it) but
// logged as a warning: profiles show the process's insides.
func (s *Server) ListenAndServeAdmin(ctx context.Context, addr string, ready func(addr string)) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	if h, _, _ := net.SplitHostPort(ln.Addr().String()); !isLoopback(h) {
		s.log.Warn("the admin listener is reachable from other machines: keep --admin-addr on 127.0.0.1", "addr", ln.Addr().String())
	}
	if ready != nil {
		ready(ln.Addr().String())
	}
	hs := &http.Server{Handler: s.AdminHandler(), ReadHeaderTimeout: 5 * time.Second, ErrorLog: slog.NewLogLogger(s.log.Handler(), slog.LevelWarn)}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	hs.Close()
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
