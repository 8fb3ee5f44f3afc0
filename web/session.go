package web

import (
	"context"
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
	id        string
	ip        string
	pat       *patterns.Pattern
	hub       *hub
	lim       Limits
	log       *slog.Logger
	refused   *refusals
	exportKey string // export URLs must carry it (export.go): the id alone drives no download
	// noQuietFrames builds every delta frame the long way, even when only
	// time moved: tests compare the two ways.
	noQuietFrames bool

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
	searchC chan searchState       // reports of the search goroutine (search.go)
	search  *search                // a search in progress
	compare *compare               // the twin run of compare mode (compare.go)
	// compareOff: compare mode was closed; the next frame tells the page.
	compareOff bool
	// compareByStory: the scenario's compare step opened it (story.go).
	compareByStory bool
	storyCompareAt int           // the story's compare step last acted on (-1: none)
	story          *story        // a scenario being played (story.go)
	room           *room.Room    // the room this run is presented to, if any (rooms.go)
	lessons        *Lessons      // where scenarios are found by name (lessons.go)
	caps           *capabilities // what its client may do; nil: anything within Limits (capabilities.go)
	play           playState
	conn           *conn
	base           baseline
	resync         bool
	held           int // steps counted against the server's budget (hub.steps)
	work           int // steps run or replayed for the message being handled

	mu        sync.Mutex // guards the fields read by the hub and the readers
	detached  time.Time
	evicted   bool
	presented bool        // kept for a room: never evicted to make room
	resyncs   int         // slow-client resyncs, for tests and logs
	cmds      tokenBucket // messages to this run, whichever socket sends them
	noted     time.Time   // when a rate refusal was last logged
	dropped   int         // messages refused since then
}

// Bounds on one request, so a single message cannot occupy a session for long.
const (
	maxStepN       = 10_000
	maxRunDur      = time.Minute
	maxStepsPerRun = 100_000
	runStepChunk   = 1024 // steps a run reserves from the server's budget at a time
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
	caps     *capabilities
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
// Refusals are *limitError.
func (s *Server) newSession(sp sessionParams, ip string) (sess *session, warn error, err error) {
	cfg, err := sp.pattern.ConfigFor(sp.setup, sp.nodes, sp.seed, sp.variants)
	if err != nil {
		return nil, nil, err
	}
	// The slot is reserved before the replay: a link may replay many steps,
	// and neither one address nor many may make the server replay more than
	// it admits sessions.
	t, err := s.hub.reserve(ip)
	if err != nil {
		return nil, nil, err
	}
	defer t.release() // a no-op once the session is registered
	now := time.Now()
	sess = &session{
		id: newSessionID(), ip: ip, pat: sp.pattern, hub: s.hub, lim: s.limits, log: s.log, refused: s.refused,
		exportKey: newSessionID(),
		in:        make(chan inbound, 16), attachC: make(chan *conn), detachC: make(chan *conn), evictC: make(chan struct{}, 1), done: make(chan struct{}), queryC: make(chan func()), searchC: make(chan searchState, 1),
		play: playState{Speed: 1}, storyCompareAt: -1, lessons: s.lessons, caps: sp.caps, cmds: newBucket(s.limits.CommandsPerSecond, s.limits.CommandBurst, now),
	}
	if target := replayTarget(sp.log, sp.step); target > 0 {
		if !s.hub.replays.try() {
			return nil, nil, refusal("replays-busy", "busy", "the server is replaying other shared links right now; try again in a few seconds")
		}
		defer s.hub.replays.release()
		if err := sess.reserveReplay(target); err != nil {
			return nil, nil, refusal("server-steps", "busy", "the server is keeping as many steps as it may for all runs right now; "+
				"try the link again in a few minutes, or open it at an earlier step")
		}
	}
	if err := sess.start(cfg, sp.log, sp.step); err != nil {
		warn = fmt.Errorf("could not replay the run in the link (%v); started afresh", err)
		if err := sess.start(cfg, nil, 0); err != nil {
			sess.releaseSteps()
			return nil, nil, err
		}
	}
	sess.settle()
	if err := s.hub.add(sess, t); err != nil {
		sess.releaseSteps()
		return nil, nil, err
	}
	go sess.run()
	return sess, warn, nil
}

// replayTarget is the step a link asks to be replayed to (0: none).
func replayTarget(log []engine.LoggedCommand, step int) int {
	if step < 0 && len(log) > 0 {
		return log[len(log)-1].Step
	}
	return max(step, 0)
}

// ---- steps: what a run holds ----
//
// A run keeps its whole trace (≈ 93 bytes a step), so a run may hold at most
// MaxSessionSteps and all runs together MaxRetainedSteps. At either cap the
// run stops with a "step-cap" error frame that says so and what to do: go
// back or branch from an earlier step, export first, or start a new run.
// Nothing is dropped: the run, its log and its branches stay as they were.

// stepAllowance reserves up to want more steps for this run. capReason is
// the limit that stops the run if it uses them all ("" when want was given).
func (s *session) stepAllowance(want int) (granted int, capReason string) {
	room := s.lim.MaxSessionSteps - s.sim.StepCount()
	if room < want {
		want, capReason = max(room, 0), "session-steps"
	}
	granted = s.hub.reserveSteps(want)
	s.held += granted
	if granted < want {
		capReason = "server-steps"
	}
	return granted, capReason
}

// reserveReplay reserves what a replay to step n needs beyond what the run
// holds now.
func (s *session) reserveReplay(n int) error {
	if n > s.lim.MaxSessionSteps {
		return s.capError("session-steps")
	}
	need := n - s.held
	if need <= 0 {
		return nil
	}
	if g := s.hub.reserveSteps(need); g < need {
		s.hub.adjustSteps(-g)
		return s.capError("server-steps")
	}
	s.held = n
	return nil
}

// settle makes the budget match what the run holds now (after a run, a
// rewind, a reset or a story's steps).
func (s *session) settle() {
	if s.sim == nil {
		return
	}
	cur := s.sim.StepCount()
	if s.compare != nil && s.compare.sim != nil {
		cur += s.compare.sim.StepCount() // compare mode's twin is kept too
	}
	if cur != s.held {
		s.hub.adjustSteps(cur - s.held)
		s.held = cur
	}
}

func (s *session) releaseSteps() {
	s.hub.adjustSteps(-s.held)
	s.held = 0
}

func (s *session) capError(reason string) *limitError {
	if reason == "session-steps" {
		return refusal(reason, "step-cap", "this run has reached %d steps, the most one run may keep, and has stopped there. "+
			"Go back or branch from an earlier step, export the run first (trace, scenario file), or start a new run (reset)", s.lim.MaxSessionSteps)
	}
	return refusal(reason, "step-cap", "the server is keeping as many steps as it may for all runs together (%d), so this run has stopped here. "+
		"Go back or branch from an earlier step, export the run first, start a new run (reset), or try again later", s.lim.MaxRetainedSteps)
}

// ---- rate: what a client may ask ----

// admitMessage takes one token from the run's bucket and the address's; it
// is called by the readers, so a reconnect or a second socket gets no more.
func (s *session) admitMessage(now time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var err *limitError
	switch {
	case !s.cmds.ready(now):
		err = refusal("command-rate-session", "limit", "too many messages (at most %g a second, and long runs and rewinds count for more): this one was ignored", s.lim.CommandsPerSecond)
	case !s.hub.cmdRate.take(s.ip, now):
		err = refusal("command-rate-address", "limit", "too many messages from your address, across all its tabs (at most %g a second): this one was ignored", s.lim.AddressCommandsPerSecond)
	default:
		s.cmds.charge(now, 1)
		return nil
	}
	// One log line a second at most: a flood must not flood the log too.
	if s.dropped++; now.Sub(s.noted) >= time.Second {
		s.refused.note(context.Background(), err.reason, s.ip, slog.String("session", s.id), slog.Int("dropped", s.dropped))
		s.noted, s.dropped = now, 0
	}
	return err
}

// chargeWork charges the steps run or replayed (by messages and play ticks)
// to the run's and the address's buckets: every StepsPerCommand steps cost
// one message more. The remainder carries over, so many small steps add up.
func (s *session) chargeWork() {
	if s.work < s.lim.StepsPerCommand {
		return
	}
	cost, now := float64(s.work/s.lim.StepsPerCommand), time.Now()
	s.work %= s.lim.StepsPerCommand
	s.mu.Lock()
	s.cmds.charge(now, cost)
	s.mu.Unlock()
	s.hub.cmdRate.charge(s.ip, now, cost)
}

// throttled reports whether charged work is still being paid back: play
// ticks wait it out.
func (s *session) throttled() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cmds.inDebt(time.Now())
}

// clientGone reports whether nobody is waiting for the work in progress.
func (s *session) clientGone() bool { return s.conn == nil || s.conn.gone.Load() }

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

// slotState is what the hub needs to choose a session to end for room.
func (s *session) slotState() (detached time.Time, presented, evicted bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.detached, s.presented, s.evicted
}

func (s *session) setPresented(p bool) {
	s.mu.Lock()
	s.presented = p
	s.mu.Unlock()
}

// run is the session's goroutine: it owns the Sim and serialises messages,
// play ticks and (re)connections.
func (s *session) run() {
	defer s.hub.wg.Done()
	defer close(s.done)
	defer s.hub.remove(s)
	defer s.releaseSteps()
	defer s.cancelSearch()
	grace := time.NewTimer(s.lim.Grace)
	defer grace.Stop()
	idle := time.NewTimer(s.lim.IdleTimeout)
	defer idle.Stop()
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
			idle.Reset(s.lim.IdleTimeout)
			if !s.protect(func() { s.handle(in) }) {
				return
			}
		case <-tick:
			if s.throttled() { // rewinds and long runs are paid back first
				break
			}
			if err := s.caps.allowRun(s.sim.StepCount()); err != nil {
				s.play.Playing = false
				s.errorFrame("limit", err)
				break
			}
			if !s.protect(s.playTick) {
				return
			}
		case <-idle.C:
			if s.keepForRoom() {
				idle.Reset(s.lim.IdleTimeout)
				break
			}
			s.log.Info("session idle", "session", s.id, "pattern", s.pat.ID, "ip", s.ip)
			if s.conn != nil {
				msg := fmt.Sprintf("this run ended after %v without a message from its page; reload the page to start again", s.lim.IdleTimeout)
				s.errorFrame("idle", errors.New(msg))
				s.conn.close(websocket.StatusPolicyViolation, msg)
			}
			return
		case <-grace.C:
			if s.conn == nil && s.keepForRoom() {
				grace.Reset(s.lim.Grace)
			} else if s.conn == nil {
				s.log.Debug("session reclaimed", "session", s.id, "pattern", s.pat.ID)
				return
			}
		case st := <-s.searchC:
			s.searchUpdate(st)
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
		s.settle()
		s.setPresented(s.room != nil)
		setTicker()
	}
}

// playTick runs one tick of play, up to the step cap.
func (s *session) playTick() {
	if st := s.story; st != nil && st.follow && st.pacing && s.sim == st.pl.Sim() {
		if err := s.paceStory(); err != nil {
			s.errorFrame("scenario", err)
		}
		s.chargeWork()
		s.flush()
		return
	}
	virtual := time.Duration(float64(s.lim.Tick) * playRate * s.play.Speed)
	if err := s.runFor(max(virtual, time.Microsecond)); err != nil {
		s.play.Playing = false
		s.refuse(err)
		s.errorFrame(err.code, err)
	}
	s.chargeWork()
	s.flush()
}

// refuse logs a refusal made inside the run.
func (s *session) refuse(err *limitError) {
	s.refused.note(context.Background(), err.reason, s.ip, slog.String("session", s.id), slog.String("pattern", s.pat.ID))
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
	s.syncStoryCompare()
	if s.conn == nil {
		s.resync = true
		return
	}
	if s.resync {
		s.resync = false
		f := s.snapshotFrame()
		s.attachCompare(&f, true)
		s.send(mustJSON(s.own(f)))
		s.publish(room.Snapshot, f)
		return
	}
	f, ok := s.deltaFrame()
	if s.attachCompare(&f, false) {
		ok = true
	}
	if ok {
		s.send(mustJSON(f))
		s.publish(room.Delta, f)
	}
}

// own adds what only the run's own page may hold to a snapshot: the export
// key. Frames published to a room never carry it.
func (s *session) own(f frame) frame {
	f.ExportKey = s.exportKey
	return f
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
	case s.conn.out <- mustJSON(s.own(s.snapshotFrame())):
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
	err := s.do(in.msg)
	s.base.trafficDue = true // what the learner did shows in the counters at once
	s.chargeWork()
	if err != nil {
		code := "bad-message"
		var le *limitError
		if errors.As(err, &le) {
			s.refuse(le)
			code = le.code
		}
		s.errorFrame(code, err)
		return
	}
	s.flush()
}

func (s *session) do(m clientMsg) error {
	if err := s.caps.allow(m, s.sim.StepCount()); err != nil {
		return err
	}
	if m.Type == "scenario" && m.YAML != "" {
		// Parsing an uploaded file is bounded (lessons), but many at once
		// are not: a few at a time across the server.
		if !s.hub.uploads.try() {
			return refusal("uploads-busy", "busy", "the server is reading other scenario files right now; try again in a few seconds")
		}
		defer s.hub.uploads.release()
	}
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
		if err := s.switchBranch(*m.ID, m.Step); err != nil {
			return err
		}
		if s.compare != nil {
			return s.rebuildTwin() // another branch: another log
		}
	case "step":
		n := m.N
		if n == 0 {
			n = 1
		}
		if n < 1 || n > maxStepN {
			return fmt.Errorf("step: n must be 1..%d, not %d", maxStepN, m.N)
		}
		granted, capReason := s.stepAllowance(n)
		if granted == 0 {
			return s.capError(capReason)
		}
		ran := s.stepN(granted)
		if ran == 0 {
			return errors.New("step: nothing is scheduled; the cluster is idle (send a request or restart a node)")
		}
		if ran == granted && capReason != "" {
			return s.capError(capReason)
		}
	case "run":
		d, err := time.ParseDuration(m.Dur)
		if err != nil || d <= 0 || d > maxRunDur {
			return fmt.Errorf("run: dur must be a duration like \"1s\" up to %v, not %s", maxRunDur, quote(m.Dur))
		}
		if err := s.runFor(d); err != nil {
			return err
		}
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
			granted, capReason := s.stepAllowance(n - cur)
			if s.stepN(granted) == granted && capReason != "" {
				return s.capError(capReason)
			}
		}
	case "compare":
		return s.startCompare(m.Variants)
	case "compare-branch":
		return s.startCompareBranch(m.ID)
	case "compare-off":
		return s.stopCompare()
	case "find-failure":
		return s.startSearch()
	case "find-cancel":
		if s.search == nil {
			return errors.New("find-cancel: no search is running")
		}
		s.cancelSearch()
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
		s.settle()
		s.future = nil
		s.tree = branchTree{}
		s.play.Playing = false
		s.resync = true
		if s.compare != nil {
			return s.rebuildTwin()
		}
	default:
		return fmt.Errorf("unknown message type %s (expected cmd, step, run, play, pause, back, seek, reset, branch, compare, compare-off, find-failure or find-cancel)", quote(m.Type))
	}
	return nil
}

// replaySlotWait is how long a rewind or a branch switch waits for one of
// the server's replay slots before saying the server is busy.
const replaySlotWait = 5 * time.Second

// replay rebuilds this run's Sim at step n from log, within the server's
// replay slots; the steps replayed count as work.
func (s *session) replay(log []engine.LoggedCommand, n int) (*engine.Sim, error) {
	if !s.hub.replays.wait(replaySlotWait) {
		return nil, refusal("replays-busy", "busy", "the server is busy replaying other runs; try again in a few seconds")
	}
	defer s.hub.replays.release()
	s.work += n
	return engine.Replay(s.cfg, s.model, log, n)
}

// rewind replays the run to step n, keeping later commands as the future.
func (s *session) rewind(n int) error {
	full := s.fullLog()
	applied, future := splitLog(full, n)
	sim, err := s.replay(applied, n)
	var le *limitError
	if errors.As(err, &le) {
		return le
	}
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

// goneCheckEvery: long loops look this often whether their client left.
const goneCheckEvery = 1024

// stepN runs up to n events and returns how many ran. It stops early when
// the client has left: nobody would see the result.
func (s *session) stepN(n int) int {
	ran := 0
	for ran < n {
		if ran%goneCheckEvery == goneCheckEvery-1 && s.clientGone() {
			break
		}
		s.applyDue(math.MaxInt64)
		if _, ok := s.sim.Step(); !ok {
			break
		}
		ran++
	}
	s.work += ran
	return ran
}

// runFor runs every event due within d of virtual time, then moves the clock
// to the end of the window; at most maxStepsPerRun events, fewer at the step
// cap (then it stops there and says so) or when the client has left.
func (s *session) runFor(d time.Duration) *limitError {
	end := s.sim.Now() + d
	steps, granted, capReason := 0, 0, ""
	defer func() { s.work += steps }()
	for ; steps < maxStepsPerRun; steps++ {
		if steps == granted {
			// Reserve a chunk at a time: the budget is shared, and a play
			// tick that reserved its whole allowance (most of it never
			// used) refused other runs the step cap while it ran.
			if capReason != "" {
				return s.capError(capReason)
			}
			var g int
			g, capReason = s.stepAllowance(min(runStepChunk, maxStepsPerRun-steps))
			if g == 0 {
				return s.capError(capReason)
			}
			granted += g
		}
		if steps%goneCheckEvery == goneCheckEvery-1 && s.clientGone() {
			return nil
		}
		s.applyDue(end.Microseconds())
		if s.sim.RunFor(end-s.sim.Now(), 1) == 0 {
			return nil
		}
	}
	return nil
}
