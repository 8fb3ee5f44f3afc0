package web

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"
)

// hub is the registry of live sessions, with the limits per client address
// and the server-wide budgets: session slots, retained steps, and slots for
// expensive work (replays, uploads, exports).
type hub struct {
	limits Limits
	log    *slog.Logger

	mu       sync.Mutex
	sessions map[string]*session
	pending  map[string]int // admission tickets not yet turned into sessions, per address
	pendingN int
	steps    int // steps held by all sessions (and reserved for replays in progress)
	closed   bool
	quit     chan struct{}
	wg       sync.WaitGroup

	cmdRate  *keyedBuckets // client messages per address
	connRate *keyedBuckets // new sockets per address
	replays  slots
	uploads  slots
	exports  slots
	searches slots
}

func newHub(l Limits, log *slog.Logger) *hub {
	return &hub{limits: l, log: log, sessions: map[string]*session{}, pending: map[string]int{}, quit: make(chan struct{}),
		cmdRate:  newKeyedBuckets(l.AddressCommandsPerSecond, l.AddressCommandBurst),
		connRate: newKeyedBuckets(l.ConnectsPerSecond, l.ConnectBurst),
		replays:  newSlots(l.MaxReplays), uploads: newSlots(l.MaxUploads), exports: newSlots(l.MaxExports), searches: newSlots(l.MaxSearches),
	}
}

// limitError is a refusal because of a limit (not a bad request). reason is
// the stable slug it is counted and logged under (refusals.go); code is the
// error frame's code: "limit" (close something first), "busy" (try again in
// a moment) or "step-cap" (the run holds as many steps as it may).
type limitError struct {
	reason string
	code   string
	msg    string
}

func (e *limitError) Error() string { return e.msg }

func refusal(reason, code, format string, args ...any) *limitError {
	return &limitError{reason: reason, code: code, msg: fmt.Sprintf(format, args...)}
}

// ticket is an admission slot reserved before any work is done for a new
// session (a link's replay may take a second and hundreds of MB): while it
// is held it counts as a session of its address and of the server.
type ticket struct {
	h    *hub
	ip   string
	done bool
}

// reserve takes an admission ticket for one more session from ip. When the
// address or the server is full, the longest-detached session (a closed tab
// waiting out its grace period) is ended to make room; only when every
// session is still connected is the newcomer refused.
func (h *hub) reserve(ip string) (*ticket, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return nil, errors.New("the server is shutting down")
	}
	var live int
	var mine, all []*session
	for _, o := range h.sessions {
		if o.isEvicted() {
			continue
		}
		live++
		if o.ip == ip {
			mine = append(mine, o)
		}
		all = append(all, o)
	}
	if len(mine)+h.pending[ip] >= h.limits.SessionsPerIP {
		victim := longestDetached(mine)
		if victim == nil {
			return nil, refusal("sessions-per-ip", "limit", "too many open clusters from your address (at most %d): close a tab first", h.limits.SessionsPerIP)
		}
		victim.evict()
		live--
	}
	if live+h.pendingN >= h.limits.MaxSessions {
		victim := longestDetached(all)
		if victim == nil {
			return nil, refusal("sessions-full", "busy", "the server is running as many clusters as it may (%d); try again in a few minutes", h.limits.MaxSessions)
		}
		victim.evict()
	}
	h.pending[ip]++
	h.pendingN++
	return &ticket{h: h, ip: ip}, nil
}

// longestDetached is the session whose page left first, skipping evicted
// ones and runs kept alive for a room.
func longestDetached(list []*session) *session {
	var victim *session
	var since time.Time
	for _, o := range list {
		d, presented, evicted := o.slotState()
		if d.IsZero() || presented || evicted {
			continue
		}
		if victim == nil || d.Before(since) {
			victim, since = o, d
		}
	}
	return victim
}

// release gives the ticket back (the session was not built); a no-op once
// the ticket became a session.
func (t *ticket) release() {
	t.h.mu.Lock()
	defer t.h.mu.Unlock()
	t.releaseLocked()
}

func (t *ticket) releaseLocked() {
	if t.done {
		return
	}
	t.done = true
	if t.h.pending[t.ip]--; t.h.pending[t.ip] <= 0 {
		delete(t.h.pending, t.ip)
	}
	t.h.pendingN--
}

// add turns a ticket into a registered session.
func (h *hub) add(s *session, t *ticket) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	t.releaseLocked()
	if h.closed {
		return errors.New("the server is shutting down")
	}
	h.sessions[s.id] = s
	h.wg.Add(1)
	return nil
}

// reserveSteps takes up to want steps of the server-wide budget and says how
// many it got.
func (h *hub) reserveSteps(want int) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	g := max(0, min(want, h.limits.MaxRetainedSteps-h.steps))
	h.steps += g
	return g
}

// adjustSteps corrects the budget by what a session really holds (negative:
// it gave steps back by rewinding, resetting or ending).
func (h *hub) adjustSteps(delta int) {
	h.mu.Lock()
	h.steps += delta
	h.mu.Unlock()
}

func (h *hub) heldSteps() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.steps
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
