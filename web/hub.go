package web

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"
)

// hub is the registry of live sessions, with the limits per client address.
type hub struct {
	limits Limits
	log    *slog.Logger

	mu       sync.Mutex
	sessions map[string]*session
	closed   bool
	quit     chan struct{}
	wg       sync.WaitGroup
}

func newHub(l Limits, log *slog.Logger) *hub {
	return &hub{limits: l, log: log, sessions: map[string]*session{}, quit: make(chan struct{})}
}

// limitError is a refusal because of a limit (not a bad request).
type limitError string

func (e limitError) Error() string { return string(e) }

// add registers a new session. At the per-address limit it first evicts that
// address's longest-detached session (a learner who reloaded a few times),
// and refuses only when every one of them is still connected.
func (h *hub) add(s *session) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return errors.New("the server is shutting down")
	}
	if len(h.sessions) >= h.limits.MaxSessions {
		return limitError("the server is running as many clusters as it may; try again in a few minutes")
	}
	var mine []*session
	for _, o := range h.sessions {
		if o.ip == s.ip && !o.isEvicted() {
			mine = append(mine, o)
		}
	}
	if len(mine) >= h.limits.SessionsPerIP {
		var oldest *session
		for _, o := range mine {
			if d := o.detachedSince(); !d.IsZero() && (oldest == nil || d.Before(oldest.detachedSince())) {
				oldest = o
			}
		}
		if oldest == nil {
			return limitError("too many open clusters from your address (at most " + itoa(h.limits.SessionsPerIP) + "): close a tab first")
		}
		oldest.evict()
	}
	h.sessions[s.id] = s
	h.wg.Add(1)
	return nil
}

func (h *hub) get(id string) *session {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.sessions[id]
}

func (h *hub) remove(s *session) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.sessions[s.id] == s {
		delete(h.sessions, s.id)
	}
}

func (h *hub) count() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.sessions)
}

// close ends every session and waits (a little) for them to say goodbye.
func (h *hub) close() {
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return
	}
	h.closed = true
	close(h.quit)
	h.mu.Unlock()
	done := make(chan struct{})
	go func() { h.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
	}
}

func newSessionID() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// clientIP is the peer address. Forwarded-for headers are not trusted: the
// server is meant to be reached directly (a laptop on a classroom network).
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func itoa(n int) string {
	return fmtInt(int64(n))
}
