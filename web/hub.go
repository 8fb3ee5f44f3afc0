package web

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"strconv"
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

// admit reports whether a session from ip would be accepted now, without
// registering or evicting anything: the cheap check made before a replay.
func (h *hub) admit(ip string) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	_, err := h.makeRoomLocked(ip)
	return err
}

// add registers a new session. At the per-address limit it first evicts that
// address's longest-detached session (a learner who reloaded a few times),
// and refuses only when every one of them is still connected.
func (h *hub) add(s *session) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	evict, err := h.makeRoomLocked(s.ip)
	if err != nil {
		return err
	}
	if evict != nil {
		evict.evict()
	}
	h.sessions[s.id] = s
	h.wg.Add(1)
	return nil
}

// makeRoomLocked checks the limits for one more session from ip; evict is
// the session to end first to make room, if any. h.mu must be held.
func (h *hub) makeRoomLocked(ip string) (evict *session, err error) {
	if h.closed {
		return nil, errors.New("the server is shutting down")
	}
	if len(h.sessions) >= h.limits.MaxSessions {
		return nil, limitError("the server is running as many clusters as it may; try again in a few minutes")
	}
	var mine []*session
	for _, o := range h.sessions {
		if o.ip == ip && !o.isEvicted() {
			mine = append(mine, o)
		}
	}
	if len(mine) < h.limits.SessionsPerIP {
		return nil, nil
	}
	for _, o := range mine {
		if d := o.detachedSince(); !d.IsZero() && (evict == nil || d.Before(evict.detachedSince())) {
			evict = o
		}
	}
	if evict == nil {
		return nil, limitError("too many open clusters from your address (at most " + strconv.Itoa(h.limits.SessionsPerIP) + "): close a tab first")
	}
	return evict, nil
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
