package web

import (
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/url"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"time"

	"clusterscope/engine"
	"clusterscope/patterns"
	"clusterscope/web/room"
	"clusterscope/web/share"

	"github.com/coder/websocket"
)

// A session is one learner's run of one pattern. Its goroutine (run) is the
// only one that touches the Sim; connections come and go around it.
type session struct {
	id  string
	ip  string
	pat *patterns.Pattern
	hub *hub
	lim Limits
	log *slog.Logger

	in      chan inbound
	attachC chan *conn
	detachC chan *conn
	evictC  chan struct{}
	done    chan struct{}

	// Owned by the run goroutine.
	sim     *engine.Sim
	cfg     engine.Config
	model   engine.Model
	meta    *patternMeta
	future  []engine.LoggedCommand // commands undone by a step back, re-applied when stepping forward again
	tree    branchTree             // the runs kept when acting at a past step (branches.go)
	queryC  chan func()            // reads of the run for HTTP exports, run on this goroutine (export.go)
	story   *story                 // a scenario being played (story.go)
	room    *room.Room             // the room this run is presented to, if any (rooms.go)
	lessons *Lessons               // where scenarios are found by name (lessons.go)
	play    playState
	conn    *conn
	base    baseline
	resync  bool

	mu       sync.Mutex // guards the fields read by the hub
	detached time.Time
	evicted  bool
	resyncs  int // slow-client resyncs, for tests and logs
}

// Bounds on one request, so a single message cannot occupy a session for long.
const (
	maxStepN       = 10_000
	maxRunDur      = time.Minute
	maxStepsPerRun = 100_000
	maxSeekAhead   = 100_000
	minSpeed       = 0.05
	maxSpeed       = 200.0
	// playRate is virtual time per real time at speed 1: 100 ms heartbeats
	// come once a second, slow enough to follow.
	playRate = 0.1
)

// sessionParams are what a page asks for in its /ws URL.
type sessionParams struct {
	pattern  *patterns.Pattern
	setup    string // one of the pattern's setups; "" = its first
	seed     uint64
	nodes    int
	variants []string
	log      []engine.LoggedCommand
	step     int // -1: up to the last logged command
}

func (s *Server) parseParams(q url.Values) (sessionParams, string, error) {
	sp := sessionParams{seed: 1, step: -1}
	id := q.Get("pattern")
	p, ok := s.byID[id]
	if !ok {
		if id == "" {
			return sp, "bad-pattern", errors.New("which pattern? (the pattern parameter is missing)")
		}
		return sp, "bad-pattern", fmt.Errorf("no pattern called %s", quote(id))
	}
	if !p.Live() {
		return sp, "bad-pattern", fmt.Errorf("%s is not built yet", p.Title)
	}
	sp.pattern = p
	if v := q.Get("setup"); v != "" {
		if _, err := p.Cluster.SetupCluster(v); err != nil {
			return sp, "bad-param", fmt.Errorf("%s: %w", p.Title, err)
		}
		sp.setup = v
	}
	if v := q.Get("seed"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			return sp, "bad-param", fmt.Errorf("seed must be a whole number ≥ 0, not %s", quote(v))
		}
		sp.seed = n
	}
	if v := q.Get("nodes"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return sp, "bad-param", fmt.Errorf("nodes must be a whole number ≥ 1, not %s", quote(v))
		}
		sp.nodes = n
	}
	if v := q.Get("variants"); v != "" {
		sp.variants = strings.Split(v, ",")
	}
	log, err := share.DecodeLog(q.Get("log"))
	if err != nil {
		return sp, "bad-param", err
	}
	sp.log = log
	if v := q.Get("step"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return sp, "bad-param", fmt.Errorf("step must be a whole number ≥ 0, not %s", quote(v))
		}
		if n > s.limits.MaxReplaySteps {
			return sp, "bad-param", fmt.Errorf("a link may replay at most %d steps, not %d", s.limits.MaxReplaySteps, n)
		}
		sp.step = n
	}
	return sp, "", nil
}

// newSession builds the run a page asked for and registers it. A link whose
// log cannot be replayed still gets a fresh run; warn says what was lost.
func (s *Server) newSession(sp sessionParams, ip string) (sess *session, warn error, err error) {
	cfg, err := sp.pattern.ConfigFor(sp.setup, sp.nodes, sp.seed, sp.variants)
	if err != nil {
		return nil, nil, err
	}
	// Refuse before the replay: a link may replay many steps, and a client at
	// its limit must not make the server do that for every connection.
	if err := s.hub.admit(ip); err != nil {
		return nil, nil, err
	}
	sess = &session{
		id: newSessionID(), ip: ip, pat: sp.pattern, hub: s.hub, lim: s.limits, log: s.log,
		in: make(chan inbound, 16), attachC: make(chan *conn), detachC: make(chan *conn), evictC: make(chan struct{}, 1), done: make(chan struct{}), queryC: make(chan func()),
		play: playState{Speed: 1}, lessons: s.lessons,
	}
	if err := sess.start(cfg, sp.log, sp.step); err != nil {
		warn = fmt.Errorf("could not replay the run in the link (%v); started afresh", err)
		if err := sess.start(cfg, nil, 0); err != nil {
			return nil, nil, err
		}
	}
	if err := s.hub.add(sess); err != nil {
		return nil, nil, err
	}
	go sess.run()
	return sess, warn, nil
}

// start (re)builds the Sim: fresh, or replayed from a log up to step n.
func (s *session) start(cfg engine.Config, log []engine.LoggedCommand, n int) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("the simulation failed while starting: %v", r)
		}
	}()
	cl, err := s.pat.ClusterOf(cfg)
	if err != nil {
		return err
	}
	model := cl.Model(cfg)
	var sim *engine.Sim
	if len(log) == 0 && n <= 0 {
		sim, err = engine.New(cfg, model)
	} else {
		if n < 0 {
			n = log[len(log)-1].Step
		}
		if n > s.lim.MaxReplaySteps {
			return fmt.Errorf("at most %d steps can be replayed", s.lim.MaxReplaySteps)
		}
		applied, future := splitLog(log, n)
		sim, err = engine.Replay(cfg, model, applied, n)
		s.future = future
	}
	if err != nil {
		s.future = nil
		return err
	}
	s.sim, s.cfg, s.model = sim, cfg, model
	s.meta = newPatternMeta(s.pat, sim)
	return nil
}

func splitLog(log []engine.LoggedCommand, n int) (applied, future []engine.LoggedCommand) {
	i := 0
	for i < len(log) && log[i].Step <= n {
		i++
	}
	return log[:i:i], append([]engine.LoggedCommand(nil), log[i:]...)
}

func (s *session) fullLog() []engine.LoggedCommand {
	if len(s.future) == 0 {
		return s.sim.Log()
	}
	return append(append([]engine.LoggedCommand(nil), s.sim.Log()...), s.future...)
}

// attach hands a connection to the session; false if it has ended.
func (s *session) attach(c *conn) bool {
	select {
	case s.attachC <- c:
		return true
	case <-s.done:
		return false
	}
}

func (s *session) detach(c *conn) {
	select {
	case s.detachC <- c:
	case <-s.done:
	}
}

func (s *session) evict() {
	s.mu.Lock()
	s.evicted = true
	s.mu.Unlock()
	select {
	case s.evictC <- struct{}{}:
	default:
	}
}

func (s *session) isEvicted() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.evicted
}

// detachedSince is when the last connection dropped (zero while connected).
func (s *session) detachedSince() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.detached
}

func (s *session) setDetached(t time.Time) {
	s.mu.Lock()
	s.detached = t
	s.mu.Unlock()
}

// run is the session's goroutine: it owns the Sim and serialises messages,
// play ticks and (re)connections.
func (s *session) run() {
	defer s.hub.wg.Done()
	defer close(s.done)
	defer s.hub.remove(s)
	grace := time.NewTimer(s.lim.Grace)
	defer grace.Stop()
	s.setDetached(time.Now())
	var ticker *time.Ticker
	var tick <-chan time.Time
	setTicker := func() {
		if s.play.Playing && s.conn != nil && ticker == nil {
			ticker = time.NewTicker(s.lim.Tick)
			tick = ticker.C
		} else if (!s.play.Playing || s.conn == nil) && ticker != nil {
			ticker.Stop()
			ticker, tick = nil, nil
		}
	}
	defer func() {
		if ticker != nil {
			ticker.Stop()
		}
	}()
	for {
		select {
		case c := <-s.attachC:
			if s.conn != nil {
				s.conn.close(statusTakenOver, "this run was opened in another tab")
			}
			s.conn = c
			s.setDetached(time.Time{})
			grace.Stop()
			s.resync = true
			s.flush()
		case c := <-s.detachC:
			if c != s.conn {
				continue
			}
			s.conn = nil
			// Coming back after a dropped connection finds the run where it was.
			s.play.Playing = false
			s.setDetached(time.Now())
			grace.Reset(s.lim.Grace)
		case in := <-s.in:
			if in.c != s.conn {
				continue
			}
			if !s.protect(func() { s.handle(in) }) {
				return
			}
		case <-tick:
			if !s.protect(func() {
				virtual := time.Duration(float64(s.lim.Tick) * playRate * s.play.Speed)
				s.runFor(max(virtual, time.Microsecond))
				s.flush()
			}) {
				return
			}
		case <-grace.C:
			if s.conn == nil && s.keepForRoom() {
				grace.Reset(s.lim.Grace)
			} else if s.conn == nil {
				s.log.Debug("session reclaimed", "session", s.id, "pattern", s.pat.ID)
				return
			}
		case f := <-s.queryC:
			// A failed query may have left the Sim half-updated: end the run.
			if !s.protect(f) {
				return
			}
		case <-s.evictC:
			if s.conn != nil {
				s.conn.close(websocket.StatusPolicyViolation, "too many clusters open from this address")
			}
			return
		case <-s.hub.quit:
			if s.conn != nil {
				s.conn.close(websocket.StatusGoingAway, "the server is shutting down")
			}
			return
		}
		setTicker()
	}
}

// protect runs f; a panic in the simulation ends the session with an error
// frame, and the server lives on. It reports whether the session continues.
func (s *session) protect(f func()) bool {
	ok := false
	func() {
		defer func() {
			if r := recover(); r != nil {
				s.log.Error("simulation panic", "session", s.id, "pattern", s.pat.ID, "panic", r, "stack", string(debug.Stack()))
				if s.conn != nil {
					// Never block here: the writer may be gone with a full outbox.
					select {
					case s.conn.out <- mustJSON(frame{Type: "error", Step: s.safeStep(), Code: "crashed",
						Error: fmt.Sprintf("the simulation failed (%v); this run has ended, reload the page to start again", r)}):
					default:
					}
					s.conn.close(websocket.StatusInternalError, "the simulation failed")
				}
			}
		}()
		f()
		ok = true
	}()
	return ok
}

func (s *session) safeStep() (n int) {
	defer func() { recover() }()
	return s.sim.StepCount()
}

// flush sends what changed since the last frame (or a snapshot after a gap).
func (s *session) flush() {
	if s.conn == nil {
		s.resync = true
		return
	}
	if s.resync {
		s.resync = false
		f := s.snapshotFrame()
		s.send(mustJSON(f))
		s.publish(room.Snapshot, f)
		return
	}
	if f, ok := s.deltaFrame(); ok {
		s.send(mustJSON(f))
		s.publish(room.Delta, f)
	}
}

// send queues a frame. A client that cannot keep up is not kicked: what waits
// in its outbox is dropped and replaced by one snapshot.
func (s *session) send(b []byte) {
	select {
	case s.conn.out <- b:
		return
	default:
	}
	for drained := false; !drained; {
		select {
		case <-s.conn.out:
		default:
			drained = true
		}
	}
	s.mu.Lock()
	s.resyncs++
	s.mu.Unlock()
	select {
	case s.conn.out <- mustJSON(s.snapshotFrame()):
	default:
		s.resync = true
	}
}

func (s *session) errorFrame(code string, err error) {
	if s.conn == nil {
		return
	}
	f := frame{Type: "error", Step: s.sim.StepCount(), Time: s.sim.Now().Microseconds(), Error: err.Error(), Code: code}
	// Keep the frame order: pending changes first, then the error.
	s.flush()
	select {
	case s.conn.out <- mustJSON(f):
	default:
	}
}

// handle carries out one client message.
func (s *session) handle(in inbound) {
	if in.err != nil {
		code := in.code
		if code == "" {
			code = "bad-message"
		}
		s.errorFrame(code, in.err)
		return
	}
	if err := s.do(in.msg); err != nil {
		s.errorFrame("bad-message", err)
		return
	}
	s.flush()
}

func (s *session) do(m clientMsg) error {
	if handled, err := s.doStory(m); handled {
		return err
	}
	switch m.Type {
	case "cmd":
		if m.Cmd == nil {
			return errors.New(`cmd: the "cmd" object is missing`)
		}
		step, hadFuture, old := s.sim.StepCount(), len(s.future) > 0, s.fullLog()
		if err := s.sim.Apply(*m.Cmd); err != nil {
			return err
		}
		s.future = nil // a new command writes a new future; the old one is kept as a branch
		s.tree.acted(step, old, hadFuture, *m.Cmd)
	case "branch":
		if m.ID == nil {
			return errors.New(`branch: which branch? ("id" is missing)`)
		}
		return s.switchBranch(*m.ID, m.Step)
	case "step":
		n := m.N
		if n == 0 {
			n = 1
		}
		if n < 1 || n > maxStepN {
			return fmt.Errorf("step: n must be 1..%d, not %d", maxStepN, m.N)
		}
		if ran := s.stepN(n); ran == 0 {
			return errors.New("step: nothing is scheduled; the cluster is idle (send a request or restart a node)")
		}
	case "run":
		d, err := time.ParseDuration(m.Dur)
		if err != nil || d <= 0 || d > maxRunDur {
			return fmt.Errorf("run: dur must be a duration like \"1s\" up to %v, not %s", maxRunDur, quote(m.Dur))
		}
		s.runFor(d)
	case "play":
		if m.Speed != 0 {
			if m.Speed < minSpeed || m.Speed > maxSpeed || math.IsNaN(m.Speed) {
				return fmt.Errorf("play: speed must be within %g..%g, not %g", minSpeed, maxSpeed, m.Speed)
			}
			s.play.Speed = m.Speed
		}
		s.play.Playing = true
	case "pause":
		s.play.Playing = false
	case "back":
		cur := s.sim.StepCount()
		if cur == 0 {
			return errors.New("back: already at the first step")
		}
		return s.rewind(cur - 1)
	case "seek":
		if m.Step == nil {
			return errors.New(`seek: which step? ("step" is missing)`)
		}
		n, cur := *m.Step, s.sim.StepCount()
		switch {
		case n < 0 || n > cur+maxSeekAhead:
			return fmt.Errorf("seek: step must be within 0..%d, not %d", cur+maxSeekAhead, n)
		case n < cur:
			return s.rewind(n)
		case n > cur:
			s.stepN(n - cur)
		}
	case "reset":
		seed := s.cfg.Seed
		if m.Seed != nil {
			seed = *m.Seed
		}
		variants := sortedTrue(s.cfg.Variants)
		if m.Variants != nil {
			variants = *m.Variants
		}
		cfg, err := s.pat.ConfigFor(s.cfg.Setup, m.Nodes, seed, variants)
		if err != nil {
			return fmt.Errorf("reset: %w", err)
		}
		if err := s.start(cfg, nil, 0); err != nil {
			return fmt.Errorf("reset: %w", err)
		}
		s.future = nil
		s.tree = branchTree{}
		s.play.Playing = false
		s.resync = true
	default:
		return fmt.Errorf("unknown message type %s (expected cmd, step, run, play, pause, back, seek, reset or branch)", quote(m.Type))
	}
	return nil
}

// rewind replays the run to step n, keeping later commands as the future.
func (s *session) rewind(n int) error {
	full := s.fullLog()
	applied, future := splitLog(full, n)
	sim, err := engine.Replay(s.cfg, s.model, applied, n)
	if err != nil {
		return fmt.Errorf("cannot go back to step %d: %w", n, err)
	}
	s.sim, s.future = sim, future
	s.play.Playing = false
	s.resync = true
	return nil
}

// applyDue re-applies the commands of the future that belong at the current
// step, no later than virtual time limit (µs).
func (s *session) applyDue(limit int64) {
	for len(s.future) > 0 {
		lc := s.future[0]
		if lc.Step < s.sim.StepCount() {
			s.future = s.future[1:] // cannot happen with our own logs; never loop on it
			continue
		}
		if lc.Step > s.sim.StepCount() || lc.At > limit {
			return
		}
		s.sim.AdvanceTo(lc.At)
		if err := s.sim.Apply(lc.Command); err != nil {
			s.future = nil
			return
		}
		s.future = s.future[1:]
	}
}

// stepN runs up to n events and returns how many ran.
func (s *session) stepN(n int) int {
	ran := 0
	for ran < n {
		s.applyDue(math.MaxInt64)
		if _, ok := s.sim.Step(); !ok {
			break
		}
		ran++
	}
	return ran
}

// runFor runs every event due within d of virtual time, then moves the clock
// to the end of the window.
func (s *session) runFor(d time.Duration) {
	end := s.sim.Now() + d
	for steps := 0; steps < maxStepsPerRun; steps++ {
		s.applyDue(end.Microseconds())
		if s.sim.RunFor(end-s.sim.Now(), 1) == 0 {
			return
		}
	}
}
