package web

import (
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/coder/websocket"
)

// handleWS connects a page to its session: the one named by ?session= when it
// is still alive (a reconnect), otherwise a new one built from the pattern,
// seed, nodes, variants and command log in the query.
func (s *Server) handleWS(w http.ResponseWriter, r *http.Request) {
	// Same origin only (the library's default): a page elsewhere cannot
	// drive a learner's cluster.
	ws, err := websocket.Accept(w, r, nil)
	if err != nil {
		return // Accept has answered the request
	}
	s.serveWS(ws, r, r.URL.Query())
}

// serveWS runs the session protocol on an accepted connection; the embed
// endpoint (rooms.go) comes here too, without a session to resume.
func (s *Server) serveWS(ws *websocket.Conn, r *http.Request, q url.Values) {
	ws.SetReadLimit(s.limits.ReadLimit)
	c := newConn(ws, s.limits)
	ip := addrKey(clientIP(r)) // an IPv6 /64 is one address, as for rooms
	// New sockets per address: a reconnect loop (or a script) cannot open
	// sockets faster than a person reloads pages.
	if !s.hub.connRate.take(ip, time.Now()) {
		s.refused.note(r.Context(), "connect-rate", ip)
		c.fail("busy", "too many new connections from your address; wait a moment", websocket.StatusTryAgainLater)
		return
	}
	if id := q.Get("session"); id != "" {
		if sess := s.hub.get(id); sess != nil && (q.Get("pattern") == "" || q.Get("pattern") == sess.pat.ID) && !sess.isEvicted() {
			// A run presented to a room is driven only with the
			// presenter's secret (rooms.go), not its id alone.
			if presented, ok := s.presenterKeyOK(sess, q.Get("key")); presented && !ok {
				c.fail("forbidden", "this run is presented to a room: only its presenter, with the presenter's secret, can drive it", websocket.StatusPolicyViolation)
				return
			}
			if sess.attach(c) {
				go c.readLoop(sess)
				return
			}
		}
		if q.Get("pattern") == "" {
			c.fail("no-session", "this run has ended (it waited for its page too long); reload to start again", websocket.StatusPolicyViolation)
			return
		}
	}
	sp, code, err := s.parseParams(q)
	if err != nil {
		c.fail(code, err.Error(), websocket.StatusPolicyViolation)
		return
	}
	sp.caps = capsOf(r.Context())
	sess, warn, err := s.newSession(sp, ip)
	if err != nil {
		var le *limitError
		if !errors.As(err, &le) {
			c.fail("bad-param", err.Error(), websocket.StatusPolicyViolation)
			return
		}
		s.refused.note(r.Context(), le.reason, ip, slog.String("pattern", sp.pattern.ID))
		status := websocket.StatusPolicyViolation
		if le.code == "busy" {
			status = websocket.StatusTryAgainLater // the page retries by itself
		}
		c.fail(le.code, le.Error(), status)
		return
	}
	s.log.Info("session", "session", sess.id, "pattern", sp.pattern.ID, "seed", sp.seed, "ip", sess.ip)
	if !sess.attach(c) {
		c.fail("no-session", "this run ended before it started", websocket.StatusInternalError)
		return
	}
	if warn != nil {
		sess.in <- inbound{c: c, err: warn, code: "replay"}
	}
	go c.readLoop(sess)
}
