package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"

	"clusterscope/templates"
	"clusterscope/web/room"
	"clusterscope/web/share"

	"github.com/coder/websocket"
	"github.com/go-chi/chi/v5"
)

// Rooms (a presenter's run watched live by followers) and embedding (a
// pattern's cluster in someone else's page). The fan-out lives in web/room;
// this file ties it to sessions, pages and sockets.
//
// A presented session publishes each frame it renders to its room, with the
// session id taken out (the id lets its holder drive the run). Followers
// connect to /rooms/{code}/ws and may only answer questions. The presenter's
// secret, returned once by POST /rooms and kept in the presenter's tab,
// is needed both for the room's control socket and to reattach to the
// presented session: the session id alone no longer drives it.

// roomSockets registers the WebSocket endpoints (outside the compressor).
func (s *Server) roomSockets(r chi.Router) {
	r.Get("/rooms/{code}/ws", s.handleRoomWS)
	r.Get("/embed/ws", s.handleEmbedWS)
}

// roomPages registers the pages and small documents.
func (s *Server) roomPages(r chi.Router) {
	r.Post("/rooms", s.handleOpenRoom)
	r.Get("/join", s.handleJoin)
	r.Get("/join/{code}", s.handleFollow)
	r.Get("/rooms/{code}/qr.svg", s.handleQR)
	r.Get("/embed/{id}", s.handleEmbed)
}

// ---- the session side ----

// publish hands a frame the presenter was sent to the session's room.
func (s *session) publish(kind room.Kind, f frame) {
	if s.room == nil {
		return
	}
	f.Session = "" // never let a follower hold the key to the run
	s.room.Publish(kind, f.Step, mustJSON(f))
}

// publishResync answers the room's request for a whole state. Pending
// changes go to the presenter first, so the presenter and the followers
// stay on the same baseline.
func (s *session) publishResync() {
	if s.room == nil {
		return
	}
	if s.conn != nil {
		s.flush()
	}
	f := s.snapshotFrame()
	if s.conn == nil {
		s.resync = true // the presenter gets a snapshot when they come back
	}
	f.Session = ""
	s.room.Publish(room.Resync, f.Step, mustJSON(f))
}

// keepForRoom: a presented session outlives its presenter's dropped
// connection for as long as its room lives.
func (s *session) keepForRoom() bool {
	if s.room == nil {
		return false
	}
	select {
	case <-s.room.Done():
		s.room = nil
		return false
	default:
		return true
	}
}

// bindRoom makes sess feed rm, and pumps the room's snapshot requests to the
// session until either ends. A room whose session ends, ends too.
func (s *Server) bindRoom(sess *session, rm *room.Room) error {
	if err := sess.query(context.Background(), func() { sess.room = rm }); err != nil {
		return err
	}
	rm.Bind(sess.id)
	go func() {
		for {
			select {
			case <-rm.SnapshotRequests():
				if rm.Source() != sess.id {
					rm.RequestSnapshot() // the presenter moved the room to another run: pass it on
					return
				}
				if err := sess.query(context.Background(), sess.publishResync); errors.Is(err, errNoSession) {
					rm.End("the presenter's run has ended")
					return
				}
			case <-rm.Done():
				sess.query(context.Background(), func() {
					if sess.room == rm {
						sess.room = nil
					}
				})
				return
			case <-sess.done:
				if rm.Source() == sess.id {
					rm.End("the presenter's run has ended")
				}
				return
			}
		}
	}()
	return nil
}

// unbindRoom detaches sess from rm (the presenter resumed in another tab).
func unbindRoom(sess *session, rm *room.Room) {
	sess.query(context.Background(), func() {
		if sess.room == rm {
			sess.room = nil
		}
	})
}

// presented reports whether attaching to sess needs a presenter's key, and
// whether key is it.
func (s *Server) presenterKeyOK(sess *session, key string) (presented, ok bool) {
	rm := s.rooms.BySource(sess.id)
	if rm == nil {
		return false, true
	}
	return true, rm.Authorized(key)
}

// ---- HTTP handlers ----

type openRoomReq struct {
	Session string `json:"session"`
}

type openRoomResp struct {
	Code      string `json:"code"`
	Formatted string `json:"formatted"`
	Key       string `json:"key"`
	Join      string `json:"join"`
	QR        string `json:"qr"`
	// Warning says when followers on other machines cannot reach the join URL.
	Warning string `json:"warning,omitempty"`
}

// handleOpenRoom opens a room for the caller's session. Holding the session
// id (which only that page was sent) is the proof of ownership.
func (s *Server) handleOpenRoom(w http.ResponseWriter, r *http.Request) {
	if !sameOrigin(r) {
		jsonError(w, http.StatusForbidden, errors.New("rooms are opened from clusterscope's own pages"))
		return
	}
	var req openRoomReq
	if err := json.NewDecoder(io.LimitReader(r.Body, 4<<10)).Decode(&req); err != nil || req.Session == "" {
		jsonError(w, http.StatusBadRequest, errors.New(`send {"session": "<id>"}: the run to present`))
		return
	}
	sess := s.hub.get(req.Session)
	if sess == nil {
		jsonError(w, http.StatusNotFound, errNoSession)
		return
	}
	if s.rooms.BySource(sess.id) != nil {
		jsonError(w, http.StatusConflict, errors.New("this run is presented already; its presenter link resumes it"))
		return
	}
	addr := addrKey(clientIP(r))
	rm, key, err := s.rooms.Open(sess.pat.ID, sess.id, addr)
	if err != nil {
		status := http.StatusServiceUnavailable
		switch err.(type) {
		case room.LimitError:
			status = http.StatusTooManyRequests
			s.refused.note(r.Context(), "rooms", addr)
		case room.AddrLimitError:
			status = http.StatusTooManyRequests
			s.refused.note(r.Context(), "rooms-per-ip", addr)
		}
		jsonError(w, status, err)
		return
	}
	join := s.joinURL(r, rm.Code)
	rm.SetJoinURL(join)
	if err := s.bindRoom(sess, rm); err != nil {
		rm.End("the presenter's run has ended")
		jsonError(w, http.StatusNotFound, err)
		return
	}
	resp := openRoomResp{Code: rm.Code, Formatted: room.FormatCode(rm.Code), Key: key, Join: join, QR: "/rooms/" + rm.Code + "/qr.svg"}
	if u, err := url.Parse(join); err == nil && isLoopback(u.Hostname()) {
		resp.Warning = "the join link points at this computer only: to let a room join, start clusterscope with --addr 0.0.0.0:8080 and open this page through the computer's network address (or set --public-url)"
	}
	s.log.Info("presenting", "room", rm.Code, "session", sess.id, "pattern", sess.pat.ID)
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, mustJSON(resp))
}

// joinURL is where followers go: --public-url when set, else this request's
// own scheme and host.
func (s *Server) joinURL(r *http.Request, code string) string {
	base := s.publicURL
	if base == "" {
		scheme := "http"
		if r.TLS != nil {
			scheme = "https"
		}
		base = scheme + "://" + r.Host
	}
	return strings.TrimRight(base, "/") + "/join/" + code
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// sameOrigin: a browser's cross-site POST carries a foreign Origin (or
// Sec-Fetch-Site); tools that send neither are not browsers.
func sameOrigin(r *http.Request) bool {
	if site := r.Header.Get("Sec-Fetch-Site"); site != "" && site != "same-origin" && site != "none" {
		return false
	}
	o := r.Header.Get("Origin")
	if o == "" {
		return true
	}
	u, err := url.Parse(o)
	return err == nil && strings.EqualFold(u.Host, r.Host)
}

// getRoom finds the room by the code a client typed, within the client's
// join-code throttle (throttle.go); nil and false when it has answered 429.
func (s *Server) getRoom(w http.ResponseWriter, r *http.Request, typed string) (rm *room.Room, ok bool) {
	_, ok = s.throttledLookup(w, r, func() bool {
		rm = s.rooms.Get(typed)
		return rm != nil
	})
	return rm, ok
}

func (s *Server) handleJoin(w http.ResponseWriter, r *http.Request) {
	typed := r.URL.Query().Get("code")
	if typed == "" {
		s.render(w, r, http.StatusOK, templates.Join(s.chrome(), templates.JoinPage{}))
		return
	}
	rm, ok := s.getRoom(w, r, typed)
	if !ok {
		return
	}
	if rm != nil {
		http.Redirect(w, r, "/join/"+rm.Code, http.StatusSeeOther)
		return
	}
	s.render(w, r, http.StatusNotFound, templates.Join(s.chrome(), templates.JoinPage{Code: truncate(typed, 20), Error: noRoomMsg(typed)}))
}

func noRoomMsg(typed string) string {
	if _, ok := room.NormalizeCode(typed); !ok {
		return fmt.Sprintf("%s is not a room code: codes have %d letters and digits, like K7M-3QX.", quote(typed), room.CodeLen)
	}
	return fmt.Sprintf("No room with the code %s is open. Check the code on the presenter's screen; rooms end when the presenter ends them or after a while without activity.", quote(strings.ToUpper(typed)))
}

func (s *Server) handleFollow(w http.ResponseWriter, r *http.Request) {
	typed := chi.URLParam(r, "code")
	rm, ok := s.getRoom(w, r, typed)
	if !ok {
		return
	}
	if rm == nil {
		s.render(w, r, http.StatusNotFound, templates.Join(s.chrome(), templates.JoinPage{Code: truncate(typed, 20), Error: noRoomMsg(typed)}))
		return
	}
	if c, _ := room.NormalizeCode(typed); c != typed {
		http.Redirect(w, r, "/join/"+rm.Code, http.StatusSeeOther)
		return
	}
	p, ok := s.byID[rm.Pattern]
	if !ok {
		s.notFound(w, r, "pattern called "+quote(rm.Pattern))
		return
	}
	page := templates.FollowPage{Code: rm.Code, Formatted: room.FormatCode(rm.Code),
		Pattern: templates.PatternPage{ID: p.ID, Title: p.Title, Intent: p.Intent, TrackID: p.Track, Live: true}}
	w.Header().Set("Referrer-Policy", "no-referrer")
	s.render(w, r, http.StatusOK, templates.Follow(s.chrome(), page))
}

func (s *Server) handleQR(w http.ResponseWriter, r *http.Request) {
	rm, ok := s.getRoom(w, r, chi.URLParam(r, "code"))
	if !ok {
		return
	}
	if rm == nil {
		http.NotFound(w, r)
		return
	}
	svg, err := share.QRSVG(rm.JoinURL())
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "image/svg+xml")
	w.Header().Set("Cache-Control", "no-store")
	w.Write(svg)
}

// handleRoomWS: with ?key= the presenter's control socket (a wrong key is
// refused, never demoted to a follower), without it a follower's.
func (s *Server) handleRoomWS(w http.ResponseWriter, r *http.Request) {
	rm, ok := s.getRoom(w, r, chi.URLParam(r, "code")) // a throttled guesser gets 429 instead of a socket
	if !ok {
		return
	}
	ws, err := websocket.Accept(w, r, nil) // same origin only
	if err != nil {
		return
	}
	fail := func(code, msg string) {
		ws.Write(r.Context(), websocket.MessageText, mustJSON(frame{Type: "error", Code: code, Error: msg}))
		ws.Close(websocket.StatusPolicyViolation, truncate(msg, 120))
	}
	if rm == nil {
		fail("no-room", "this room has ended (or the code is wrong)")
		return
	}
	q := r.URL.Query()
	if !q.Has("key") {
		addr := addrKey(clientIP(r))
		switch rm.ServeFollower(ws, addr).(type) {
		case room.AddrLimitError:
			s.refused.note(r.Context(), "followers-per-ip", addr, slog.String("room", rm.Code))
		case room.LimitError:
			s.refused.note(r.Context(), "room-full", addr, slog.String("room", rm.Code))
		}
		return
	}
	if !rm.Authorized(q.Get("key")) {
		s.refused.note(r.Context(), "presenter-key", clientIP(r), slog.String("room", rm.Code))
		fail("forbidden", "that is not this room's presenter secret")
		return
	}
	// A presenter who came back in a new tab replays the same run there
	// (the URL holds it): the room moves to that run.
	if id := q.Get("session"); id != "" && id != rm.Source() {
		sess := s.hub.get(id)
		if sess == nil || sess.pat.ID != rm.Pattern {
			fail("no-session", "that run has ended; reload the page")
			return
		}
		if old := s.hub.get(rm.Source()); old != nil {
			unbindRoom(old, rm)
		}
		if err := s.bindRoom(sess, rm); err != nil {
			fail("no-session", err.Error())
			return
		}
	}
	rm.ServePresenter(ws)
}

// ---- embedding ----

// handleEmbed serves /embed/{pattern}: the cluster and a choice of controls,
// framable by the sites --frame-ancestors names (any site by default).
func (s *Server) handleEmbed(w http.ResponseWriter, r *http.Request) {
	p, ok := s.byID[chi.URLParam(r, "id")]
	if !ok || !p.Live() {
		s.notFound(w, r, "live pattern called "+quote(chi.URLParam(r, "id")))
		return
	}
	q := r.URL.Query()
	controls := q.Get("controls")
	switch controls {
	case "":
		controls = "minimal"
	case "full", "minimal":
	default:
		http.Error(w, fmt.Sprintf("controls must be full or minimal, not %s", quote(controls)), http.StatusBadRequest)
		return
	}
	scenario := q.Get("scenario")
	if scenario != "" {
		if _, _, known := s.lessons.scenario(p.ID, scenario); !known {
			http.Error(w, fmt.Sprintf("%s has no scenario called %s", p.Title, quote(scenario)), http.StatusNotFound)
			return
		}
	}
	autoplay := q.Get("autoplay") == "1" || q.Get("autoplay") == "true"
	compare := q.Get("compare") == "1" || q.Get("compare") == "true"
	h := w.Header()
	h.Set("Content-Security-Policy", embedCSP(s.frameAncestors))
	h.Del("X-Frame-Options")
	s.render(w, r, http.StatusOK, templates.Embed(s.chrome(), templates.EmbedPage{
		ID: p.ID, Title: p.Title, Controls: controls, Autoplay: autoplay, Compare: compare, Scenario: scenario, Link: "/patterns/" + p.ID,
	}))
}

func embedCSP(ancestors string) string {
	if ancestors == "" {
		ancestors = "*"
	}
	return "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
		"connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors " + ancestors
}

// CheckFrameAncestors validates a --frame-ancestors value: CSP sources
// separated by spaces ('self', 'none', *, or scheme://host[:port] with an
// optional *. prefix on the host).
func CheckFrameAncestors(v string) error {
	fields := strings.Fields(v)
	if len(fields) == 0 {
		return errors.New("frame-ancestors: give at least one source, e.g. 'self' or https://workshop.example.org")
	}
	for _, f := range fields {
		switch f {
		case "*", "'self'", "'none'":
			continue
		}
		if strings.ContainsAny(f, ";,'\"") {
			return fmt.Errorf("frame-ancestors: %s is not a source (use spaces between sources, no ; or ,)", quote(f))
		}
		u, err := url.Parse(strings.Replace(f, "://*.", "://wildcard.", 1))
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
			return fmt.Errorf("frame-ancestors: %s is not a source like https://workshop.example.org", quote(f))
		}
	}
	return nil
}

// handleEmbedWS is /ws for embed pages. Those run inside other sites' pages
// (and sandboxed frames send Origin: null), so it accepts any origin, on
// purpose. It only ever starts a fresh run: it never attaches to an existing
// session, so a foreign page cannot reach anyone else's cluster through it.
// And any site can make its visitors' browsers open this socket, so a page
// on another origin gets a bounded protocol (capabilities.go): no uploads,
// short links, short runs, a lower rate.
func (s *Server) handleEmbedWS(w http.ResponseWriter, r *http.Request) {
	ws, err := websocket.Accept(w, r, &websocket.AcceptOptions{OriginPatterns: []string{"*"}})
	if err != nil {
		return
	}
	q := r.URL.Query()
	q.Del("session")
	if !sameOrigin(r) {
		caps := s.embedCaps()
		ip, origin := clientIP(r), truncate(r.Header.Get("Origin"), 100)
		caps.note = func(reason string) {
			s.refused.note(context.Background(), reason, ip, slog.String("origin", origin))
		}
		if err := caps.checkLink(q); err != nil {
			caps.note("embed-replay")
			c := newConn(ws, s.limits)
			c.fail("limit", err.Error(), websocket.StatusPolicyViolation)
			return
		}
		r = r.WithContext(withCaps(r.Context(), caps))
	}
	s.serveWS(ws, r, q)
}
