// Package web serves clusterscope: the catalog and pattern pages (templ), the
// embedded browser assets, and the WebSocket sessions through which a page
// drives its own simulated cluster.
package web

import (
	"context"
	"crypto/tls"
	"log/slog"
	"net"
	"net/http"
	"runtime"
	"time"

	"clusterscope/patterns"
	"clusterscope/templates"
	"clusterscope/web/room"
	"clusterscope/web/share"

	"github.com/a-h/templ"
	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
)

// Options configure a Server. The zero value serves every pattern of the
// registry with the default limits.
type Options struct {
	// Patterns is the list the catalog shows and sessions can run;
	// patterns.All() when nil. Tests pass their own.
	Patterns []*patterns.Pattern
	// Lessons are the lessons and scenarios served (lessons.go);
	// BundledLessons() when nil.
	Lessons *Lessons
	Logger  *slog.Logger
	Limits  Limits
	// Rooms bound the presenters' rooms (rooms.go, web/room).
	Rooms room.Limits
	// PublicURL is the base of the join links a room shows ("" = the
	// address the presenter's browser used).
	PublicURL string
	// FrameAncestors is the CSP frame-ancestors of /embed pages ("" = any
	// site may frame them); every other page refuses framing.
	FrameAncestors string
	// AllowedHosts are the host names requests may name in their Host
	// header (hosts.go), against DNS rebinding: "*" allows any, and
	// "*.example.org" its subdomains. nil allows IP addresses, localhost,
	// this machine's name and PublicURL's host.
	AllowedHosts []string
	// TLS, when set, makes ListenAndServe serve HTTPS.
	TLS *tls.Config
}

// Limits bound what one client can make the server do.
type Limits struct {
	SessionsPerIP     int           // live sessions per client address (8)
	MaxSessions       int           // across the server (500 per core: sessionsPerCore)
	CommandsPerSecond float64       // per run (kept across reconnects), token bucket rate (20)
	CommandBurst      int           // token bucket size (40)
	ReadLimit         int64         // largest message a client may send (64 KiB)
	Grace             time.Duration // how long a dropped session waits for its client (2 min)
	Tick              time.Duration // real time between play frames (50 ms)
	Outbox            int           // frames queued per connection before a resync (32)
	WriteTimeout      time.Duration // one frame write (10 s)
	MaxReplaySteps    int           // a URL may ask to replay at most this many steps (200 000)
	// Session lifecycle (session.go, hub.go, ratelimit.go).
	MaxSessionSteps          int           // steps one run may hold (300 000, ≈ 28 MB); at the cap it stops and says so
	MaxRetainedSteps         int           // steps all runs together may hold (3 000 000, ≈ 280 MB)
	AddressCommandsPerSecond float64       // per client address, shared by its sockets and sessions (60)
	AddressCommandBurst      int           // (120)
	StepsPerCommand          int           // steps run or replayed that cost one more command token (10 000)
	ConnectsPerSecond        float64       // new WebSockets per client address (5)
	ConnectBurst             int           // (30)
	MaxReplays               int           // link replays at once, server-wide (4)
	MaxUploads               int           // scenario uploads parsed at once, server-wide (4)
	MaxExports               int           // exports (trace, history, scenario) at once, server-wide (4)
	MaxSearches              int           // "find me a failure" searches at once, server-wide (half the cores, at least 1)
	SearchTime               time.Duration // how long one search may run (10 s)
	PingInterval             time.Duration // WebSocket pings that find dead clients (20 s)
	IdleTimeout              time.Duration // a run nobody sends anything to ends (30 min)
}

// sessionsPerCore is how many sessions playing at 1× one core keeps at full
// frame rate with room to spare: BenchmarkPlayFrame and wsload measure
// 75–150 µs of CPU per frame, 20 frames a second, so a session costs
// 1.5–3 ms of CPU a second and 500 take 75–150% of a core at most; a
// paused session costs nothing.
const sessionsPerCore = 500

func (l Limits) withDefaults() Limits {
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&l.SessionsPerIP, 8)
	def(&l.MaxSessions, sessionsPerCore*runtime.GOMAXPROCS(0))
	def(&l.CommandBurst, 40)
	def(&l.Outbox, 32)
	def(&l.MaxReplaySteps, 200_000)
	if l.CommandsPerSecond <= 0 {
		l.CommandsPerSecond = 20
	}
	if l.ReadLimit <= 0 {
		l.ReadLimit = 64 << 10
	}
	if l.Grace <= 0 {
		l.Grace = 2 * time.Minute
	}
	if l.Tick <= 0 {
		l.Tick = 50 * time.Millisecond
	}
	if l.WriteTimeout <= 0 {
		l.WriteTimeout = 10 * time.Second
	}
	def(&l.MaxSessionSteps, 300_000)
	def(&l.MaxRetainedSteps, 3_000_000)
	def(&l.AddressCommandBurst, 120)
	def(&l.StepsPerCommand, 10_000)
	def(&l.ConnectBurst, 30)
	def(&l.MaxReplays, 4)
	def(&l.MaxUploads, 4)
	def(&l.MaxExports, 4)
	def(&l.MaxSearches, max(1, runtime.GOMAXPROCS(0)/2))
	if l.SearchTime <= 0 {
		l.SearchTime = 10 * time.Second
	}
	if l.AddressCommandsPerSecond <= 0 {
		l.AddressCommandsPerSecond = 60
	}
	if l.ConnectsPerSecond <= 0 {
		l.ConnectsPerSecond = 5
	}
	if l.PingInterval <= 0 {
		l.PingInterval = 20 * time.Second
	}
	if l.IdleTimeout <= 0 {
		l.IdleTimeout = 30 * time.Minute
	}
	return l
}

// Server is the HTTP handler of clusterscope.
type Server struct {
	patterns []*patterns.Pattern
	byID     map[string]*patterns.Pattern
	lessons  *Lessons
	log      *slog.Logger
	limits   Limits
	assets   *assets
	hub      *hub
	refused  *refusals // refusals.go: counts and log lines for every refusal
	router   chi.Router
	// rooms.go
	rooms          *room.Registry
	publicURL      string
	frameAncestors string
	hosts          hostPolicy // hosts.go
	tls            *tls.Config
	embedCaps      func() *capabilities // for an embed on another site (capabilities.go); tests shrink it
	codeMisses     *missThrottle        // join codes that lead nowhere, per address (throttle.go)
}

// New builds a server.
func New(opts Options) *Server {
	s := &Server{
		patterns: opts.Patterns,
		lessons:  opts.Lessons,
		log:      opts.Logger,
		limits:   opts.Limits.withDefaults(),
		assets:   newAssets(),
	}
	if s.patterns == nil {
		s.patterns = patterns.All()
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.lessons == nil {
		s.lessons = BundledLessons()
	}
	s.byID = map[string]*patterns.Pattern{}
	for _, p := range s.patterns {
		s.byID[p.ID] = p
	}
	s.refused = newRefusals(s.log)
	s.hub = newHub(s.limits, s.log)
	s.rooms = room.NewRegistry(opts.Rooms, s.log)
	s.publicURL, s.frameAncestors = opts.PublicURL, opts.FrameAncestors
	s.hosts, s.tls = newHostPolicy(opts.AllowedHosts, opts.PublicURL), opts.TLS
	s.embedCaps = foreignEmbedCaps
	s.codeMisses = newMissThrottle(6*time.Second, 10)
	s.router = s.routes()
	return s
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.router.ServeHTTP(w, r) }

// Close ends every session and closes their connections (going away). The
// http.Server does not track hijacked WebSocket connections, so call it on
// shutdown (RegisterOnShutdown).
func (s *Server) Close() {
	s.rooms.Close()
	s.hub.close()
}

// Sessions is the number of live sessions.
func (s *Server) Sessions() int { return s.hub.count() }

func (s *Server) routes() chi.Router {
	r := chi.NewRouter()
	r.Use(middleware.RequestID, s.logRequests, middleware.Recoverer, s.checkHost, securityHeaders)
	// The WebSocket endpoint stays out of the compressor: it hijacks the
	// connection and frames are small JSON.
	r.Get("/ws", s.handleWS)
	s.roomSockets(r) // rooms.go: /rooms/{code}/ws, /embed/ws
	r.Get("/healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		w.Write([]byte("ok\n"))
	})
	// Assets come gzipped already (static.go), so they skip the compressor.
	r.Get("/static/{version}/*", s.assets.serve)
	r.Group(func(r chi.Router) {
		r.Use(middleware.Compress(5, "text/html", "text/css", "text/javascript", "application/javascript", "image/svg+xml", "application/json"))
		r.Get("/", s.handleCatalog)
		r.Get("/patterns/{id}", s.handlePattern)
		s.roomPages(r)    // rooms.go: /rooms, /join, /join/{code}, /rooms/{code}/qr.svg, /embed/{id}
		s.lessonRoutes(r) // lessons.go: /schema/scenario.json, /lessons/{pattern}/{file}, /session/{id}/scenario.yaml
		s.exportRoutes(r) // export.go: /session/{id}/trace.json, history.json, history.html, /schema/trace.json
		r.NotFound(func(w http.ResponseWriter, r *http.Request) { s.notFound(w, r, "page") })
	})
	return r
}

// securityHeaders: nothing on a page may come from another origin, and normal
// pages may not be framed (embedding gets its own route and policy).
func securityHeaders(next http.Handler) http.Handler {
	const csp = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
		"connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", csp)
		h.Set("X-Frame-Options", "DENY")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		next.ServeHTTP(w, r)
	})
}

func (s *Server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		ww := middleware.NewWrapResponseWriter(w, r.ProtoMajor)
		next.ServeHTTP(ww, r)
		s.log.LogAttrs(r.Context(), slog.LevelDebug, "http",
			slog.String("id", middleware.GetReqID(r.Context())),
			slog.String("method", r.Method), slog.String("path", r.URL.Path),
			slog.Int("status", ww.Status()), slog.Duration("took", time.Since(start)))
	})
}

func (s *Server) chrome() templates.Chrome {
	return templates.Chrome{Static: "/static/" + s.assets.version}
}

func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, c templ.Component) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(status)
	if err := c.Render(r.Context(), w); err != nil && r.Context().Err() == nil {
		s.log.Error("render", "path", r.URL.Path, "err", err)
	}
}

func (s *Server) handleCatalog(w http.ResponseWriter, r *http.Request) {
	var tracks []templates.Track
	for _, t := range patterns.Tracks {
		tv := templates.Track{ID: t.ID, Title: t.Title, Theme: t.Theme}
		for _, p := range s.patterns {
			if p.Track == t.ID {
				tv.Patterns = append(tv.Patterns, card(p))
			}
		}
		tracks = append(tracks, tv)
	}
	s.render(w, r, http.StatusOK, templates.Catalog(s.chrome(), tracks))
}

func card(p *patterns.Pattern) templates.Card {
	return templates.Card{ID: p.ID, Title: p.Title, Intent: p.Intent, Live: p.Live()}
}

func (s *Server) handlePattern(w http.ResponseWriter, r *http.Request) {
	p, ok := s.byID[chi.URLParam(r, "id")]
	if !ok {
		s.notFound(w, r, "pattern called "+quote(chi.URLParam(r, "id")))
		return
	}
	page := templates.PatternPage{ID: p.ID, Title: p.Title, Intent: p.Intent, TrackID: p.Track, Live: p.Live(), MaxShareURL: share.MaxURL}
	for _, t := range patterns.Tracks {
		if t.ID == p.Track {
			page.TrackTitle = t.Title
		}
	}
	for _, id := range p.Related {
		if rp, ok := s.byID[id]; ok {
			page.Related = append(page.Related, card(rp))
		}
	}
	if v, ok := s.lessons.view(p.ID); ok {
		page.Lesson = &v
	}
	s.render(w, r, http.StatusOK, templates.Pattern(s.chrome(), page))
}

func (s *Server) notFound(w http.ResponseWriter, r *http.Request, what string) {
	s.render(w, r, http.StatusNotFound, templates.NotFound(s.chrome(), what))
}

func quote(s string) string {
	if len(s) > 60 {
		s = s[:60] + "…"
	}
	return "“" + s + "”"
}

// ListenAndServe runs the server on addr until ctx is cancelled, then shuts
// down gracefully: new connections are refused, requests in progress get
// shutdownGrace to finish, and every session is told the server is going away.
func (s *Server) ListenAndServe(ctx context.Context, addr string, ready func(addr string)) error {
	hs := &http.Server{
		Addr:              addr,
		Handler:           s,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      30 * time.Second, // cleared for WebSockets when they hijack
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	hs.RegisterOnShutdown(s.Close)
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	if s.tls != nil {
		// HTTP/1.1 only (no "h2" in NextProtos): browsers open WebSockets by
		// upgrading an HTTP/1.1 connection.
		ln = tls.NewListener(ln, s.tls)
	}
	if ready != nil {
		ready(ln.Addr().String())
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err = hs.Shutdown(sctx)
	<-errc
	return err
}
