package engine

import (
	"container/heap"
	"errors"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"sort"
	"time"
)

// Config is everything about a run that is fixed before its first step.
type Config struct {
	Nodes    []string        `json:"nodes"`
	Clients  []string        `json:"clients,omitempty"`
	Seed     uint64          `json:"seed"`
	Variants map[string]bool `json:"variants,omitempty"`
	Params   map[string]int  `json:"params,omitempty"`
	Net      *NetSettings    `json:"net,omitempty"` // default link settings; DefaultNet when nil
}

// Model is what a pattern gives the engine: how to build its processes and
// which invariants to check.
type Model struct {
	// NewProcess builds a fresh process (at boot and at every restart; a
	// restarted node must recover from env.Storage() on EvStart).
	NewProcess func(id string, client bool) Process
	// Invariants returns fresh checkers for one run.
	Invariants func() []Invariant
}

// Limits keep a run from growing without bound on input from outside.
const (
	MaxProcesses = 16
	maxQueued    = 1 << 20
)

// StepInfo says what one Step did.
type StepInfo struct {
	Step int
	At   int64
	Kind string // "deliver", "timer", "idle"
	Node string
	From string
	Msg  uint64
	Text string
}

type status uint8

const (
	statusUp status = iota
	statusCrashed
	statusPaused
)

func (s status) String() string {
	return [...]string{"up", "crashed", "paused"}[s]
}

// proc is the engine's record of one process.
type proc struct {
	id          string
	index       int
	client      bool
	p           Process
	env         *procEnv
	status      status
	incarnation int // bumped at crash: events of an old life are void
	storage     *Storage
	rand        *rand.Rand
	// clock: local = t*(1+ppm/1e6) + offset, where offset includes jumps.
	offset time.Duration
	ppm    int64
	timers map[string]*timer
	held   []event // events that reached a paused process, replayed on resume
}

type timer struct {
	name     string
	deadline time.Duration // local clock time
	gen      uint64
}

// inFlight is a message between send and delivery or loss.
type inFlight struct {
	id      uint64
	from    int
	to      int
	msg     Message
	sentAt  time.Duration
	dueAt   time.Duration // 0 while held
	held    bool
	dupOf   uint64
	pending bool // a delivery event is queued for it
}

type eventKind uint8

const (
	evDeliver eventKind = iota + 1
	evTimer
)

type event struct {
	at    time.Duration
	seq   uint64
	kind  eventKind
	proc  int
	msgID uint64 // evDeliver
	name  string // evTimer
	gen   uint64 // evTimer: must match the armed timer
	inc   int    // incarnation when queued
}

type eventQueue []event

func (q eventQueue) Len() int { return len(q) }
func (q eventQueue) Less(i, j int) bool {
	if q[i].at != q[j].at {
		return q[i].at < q[j].at
	}
	return q[i].seq < q[j].seq
}
func (q eventQueue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *eventQueue) Push(x any)   { *q = append(*q, x.(event)) }
func (q *eventQueue) Pop() any {
	old := *q
	n := len(old)
	e := old[n-1]
	*q = old[:n-1]
	return e
}

type link struct {
	up      bool
	net     NetSettings
	lastDue time.Duration // FIFO: no delivery before the previous one
}

type dropRule struct {
	from, to, kind string // "" matches any
	left           int
}

// Sim is one simulated cluster. It is not safe for concurrent use: one
// goroutine owns it (see web/).
type Sim struct {
	cfg        Config
	model      Model
	now        time.Duration
	step       int
	seq        uint64
	queue      eventQueue
	procs      []*proc
	byID       map[string]*proc
	nodeIDs    []string
	links      [][]link
	flight     map[uint64]*inFlight
	nextMsg    uint64
	netRand    *rand.Rand
	manual     bool
	rules      []dropRule
	variants   map[string]bool
	params     map[string]int
	trace      Trace
	log        []LoggedCommand
	history    []Operation
	invariants []Invariant
	violations []Violation
	broken     map[string]bool
	curStep    int // step number stamped on trace events being written
}

// New builds a cluster and boots every process (their EvStart runs now, as
// step 0).
func New(cfg Config, model Model) (*Sim, error) {
	if model.NewProcess == nil {
		return nil, errors.New("model has no process factory")
	}
	if len(cfg.Nodes) == 0 {
		return nil, errors.New("a cluster needs at least one node")
	}
	if len(cfg.Nodes)+len(cfg.Clients) > MaxProcesses {
		return nil, fmt.Errorf("at most %d nodes and clients", MaxProcesses)
	}
	s := &Sim{
		cfg:      cfg,
		model:    model,
		byID:     map[string]*proc{},
		flight:   map[uint64]*inFlight{},
		variants: map[string]bool{},
		params:   map[string]int{},
		broken:   map[string]bool{},
		netRand:  rand.New(rand.NewPCG(cfg.Seed, 0x6e6574)), // "net"
	}
	for k, v := range cfg.Variants {
		s.variants[k] = v
	}
	for k, v := range cfg.Params {
		s.params[k] = v
	}
	net := DefaultNet
	if cfg.Net != nil {
		net = *cfg.Net
	}
	if err := checkNet(net); err != nil {
		return nil, err
	}
	add := func(id string, client bool) error {
		if id == "" {
			return errors.New("a process needs a name")
		}
		if _, dup := s.byID[id]; dup {
			return fmt.Errorf("%q is named twice", id)
		}
		p := &proc{
			id: id, index: len(s.procs), client: client,
			storage: NewStorage(),
			rand:    rand.New(rand.NewPCG(cfg.Seed, nameHash(id))),
			timers:  map[string]*timer{},
		}
		p.env = &procEnv{sim: s, proc: p}
		s.procs = append(s.procs, p)
		s.byID[id] = p
		if !client {
			s.nodeIDs = append(s.nodeIDs, id)
		}
		return nil
	}
	for _, id := range cfg.Nodes {
		if err := add(id, false); err != nil {
			return nil, err
		}
	}
	for _, id := range cfg.Clients {
		if err := add(id, true); err != nil {
			return nil, err
		}
	}
	sort.Strings(s.nodeIDs)
	s.links = make([][]link, len(s.procs))
	for i := range s.links {
		s.links[i] = make([]link, len(s.procs))
		for j := range s.links[i] {
			s.links[i][j] = link{up: true, net: net}
		}
	}
	if model.Invariants != nil {
		s.invariants = model.Invariants()
	}
	for _, p := range s.procs {
		s.boot(p)
	}
	s.checkInvariants()
	return s, nil
}

func nameHash(id string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(id))
	return h.Sum64()
}

func checkNet(n NetSettings) error {
	if n.MinDelay < 0 || n.MeanDelay < n.MinDelay {
		return fmt.Errorf("link delay must be 0 ≤ min ≤ mean (got min %v, mean %v)", time.Duration(n.MinDelay), time.Duration(n.MeanDelay))
	}
	if n.MeanDelay > Duration(time.Hour) {
		return errors.New("link delay over an hour")
	}
	if n.DropPct < 0 || n.DropPct > 100 || n.DupPct < 0 || n.DupPct > 100 {
		return errors.New("drop and duplicate percentages must be within 0..100")
	}
	return nil
}

func (s *Sim) boot(p *proc) {
	p.p = s.model.NewProcess(p.id, p.client)
	p.status = statusUp
	p.timers = map[string]*timer{}
	s.emit(TraceEvent{Kind: TrStart, Node: p.id})
	p.p.Handle(p.env, Event{Kind: EvStart})
}

// ---- time and steps ----

// Now is the true virtual time.
func (s *Sim) Now() time.Duration { return s.now }

// StepCount is the number of steps run so far.
func (s *Sim) StepCount() int { return s.step }

// Pending is the number of queued events.
func (s *Sim) Pending() int { return len(s.queue) }

// Step runs exactly one event. It returns false when nothing is queued.
func (s *Sim) Step() (StepInfo, bool) {
	for len(s.queue) > 0 {
		ev := heap.Pop(&s.queue).(event)
		p := s.procs[ev.proc]
		// Void events: a timer re-armed or cancelled, or from a past life.
		if ev.kind == evTimer {
			t, ok := p.timers[ev.name]
			if !ok || t.gen != ev.gen || ev.inc != p.incarnation {
				continue
			}
		}
		if ev.kind == evDeliver {
			m, ok := s.flight[ev.msgID]
			if !ok || !m.pending {
				continue
			}
		}
		if ev.at > s.now {
			s.now = ev.at
		}
		s.step++
		s.curStep = s.step
		info := s.run(ev)
		info.Step = s.step
		info.At = micros(s.now)
		s.checkInvariants()
		return info, true
	}
	return StepInfo{}, false
}

func (s *Sim) run(ev event) StepInfo {
	p := s.procs[ev.proc]
	switch ev.kind {
	case evTimer:
		if p.status == statusPaused {
			p.held = append(p.held, ev)
			return StepInfo{Kind: "held", Node: p.id, Text: "timer " + ev.name + " waits: " + p.id + " is paused"}
		}
		delete(p.timers, ev.name)
		s.emit(TraceEvent{Kind: TrTimer, Node: p.id, Text: ev.name})
		p.p.Handle(p.env, Event{Kind: EvTimer, Timer: ev.name})
		return StepInfo{Kind: "timer", Node: p.id, Text: ev.name}
	case evDeliver:
		m := s.flight[ev.msgID]
		m.pending = false
		from := s.procs[m.from]
		if !s.links[m.from][m.to].up {
			s.lose(m, "link cut")
			return StepInfo{Kind: "drop", Node: p.id, From: from.id, Msg: m.id, Text: "link cut"}
		}
		switch p.status {
		case statusCrashed:
			s.lose(m, p.id+" is down")
			return StepInfo{Kind: "drop", Node: p.id, From: from.id, Msg: m.id, Text: p.id + " is down"}
		case statusPaused:
			m.held = true
			m.dueAt = 0
			p.held = append(p.held, ev)
			return StepInfo{Kind: "held", Node: p.id, From: from.id, Msg: m.id, Text: p.id + " is paused"}
		}
		delete(s.flight, m.id)
		s.emit(TraceEvent{Kind: TrDeliver, Node: p.id, From: from.id, To: p.id, Msg: m.id, MsgKind: m.msg.Kind(), Text: summary(m.msg)})
		p.p.Handle(p.env, Event{Kind: EvReceive, From: from.id, Msg: m.msg})
		return StepInfo{Kind: "deliver", Node: p.id, From: from.id, Msg: m.id, Text: m.msg.Kind()}
	}
	return StepInfo{Kind: "idle"}
}

// RunFor runs every event due within d of virtual time, then moves the clock
// to the end of the window. It stops early after maxSteps (0 = no limit).
func (s *Sim) RunFor(d time.Duration, maxSteps int) int {
	end := s.now + d
	n := 0
	for len(s.queue) > 0 && (maxSteps == 0 || n < maxSteps) {
		if s.nextAt() > end {
			break
		}
		if _, ok := s.Step(); ok {
			n++
		}
	}
	if (maxSteps == 0 || n < maxSteps) && s.now < end {
		s.now = end
	}
	return n
}

// nextAt is the time of the next live event, dropping void ones off the top.
func (s *Sim) nextAt() time.Duration {
	for len(s.queue) > 0 {
		ev := s.queue[0]
		p := s.procs[ev.proc]
		void := false
		if ev.kind == evTimer {
			t, ok := p.timers[ev.name]
			void = !ok || t.gen != ev.gen || ev.inc != p.incarnation
		} else {
			m, ok := s.flight[ev.msgID]
			void = !ok || !m.pending
		}
		if !void {
			return ev.at
		}
		heap.Pop(&s.queue)
	}
	return 1<<63 - 1
}

// RunUntil steps until cond holds (checked before each step) or maxSteps
// ran. It reports whether cond held.
func (s *Sim) RunUntil(cond func() bool, maxSteps int) bool {
	for i := 0; i < maxSteps; i++ {
		if cond() {
			return true
		}
		if _, ok := s.Step(); !ok {
			return cond()
		}
	}
	return cond()
}

// Stabilize runs until no message is in flight (timers may stay armed) or
// maxSteps ran. It reports whether the network went quiet.
func (s *Sim) Stabilize(maxSteps int) bool {
	return s.RunUntil(func() bool { return s.quiet() }, maxSteps)
}

func (s *Sim) quiet() bool {
	for _, m := range s.flight {
		if !m.held {
			return false
		}
	}
	return true
}

// AdvanceTo moves virtual time forward to at (µs) without running anything,
// as long as no event is due before it. Replay uses it to restore idle time.
func (s *Sim) AdvanceTo(at int64) {
	t := time.Duration(at) * time.Microsecond
	if t > s.now && s.nextAt() >= t {
		s.now = t
	}
}

func micros(d time.Duration) int64 { return int64(d / time.Microsecond) }

// ---- sending and the network ----

func (s *Sim) send(from *proc, toID string, msg Message) {
	to, ok := s.byID[toID]
	s.nextMsg++
	id := s.nextMsg
	kind := msg.Kind()
	if !ok {
		s.emit(TraceEvent{Kind: TrDrop, Node: from.id, From: from.id, To: toID, Msg: id, MsgKind: kind, Text: "no such process"})
		return
	}
	s.emit(TraceEvent{Kind: TrSend, Node: from.id, From: from.id, To: toID, Msg: id, MsgKind: kind})
	m := &inFlight{id: id, from: from.index, to: to.index, msg: msg, sentAt: s.now}
	if len(s.flight) >= maxQueued {
		s.emit(TraceEvent{Kind: TrDrop, Node: from.id, From: from.id, To: toID, Msg: id, MsgKind: kind, Text: "network overloaded"})
		return
	}
	s.flight[id] = m
	l := &s.links[from.index][to.index]
	if !l.up {
		s.lose(m, "link cut")
		return
	}
	if s.matchRule(from.id, toID, kind) {
		s.lose(m, "drop rule")
		return
	}
	if s.manual {
		m.held = true
		return
	}
	if l.net.DropPct > 0 && s.netRand.Float64()*100 < l.net.DropPct {
		s.lose(m, "lost by the network")
		return
	}
	s.schedule(m, s.delay(l))
	if l.net.DupPct > 0 && s.netRand.Float64()*100 < l.net.DupPct {
		s.duplicate(m, s.delay(l))
	}
}

func (s *Sim) delay(l *link) time.Duration {
	lo, mean := time.Duration(l.net.MinDelay), time.Duration(l.net.MeanDelay)
	d := lo
	if mean > lo {
		d += time.Duration(s.netRand.Int64N(int64(2*(mean-lo)) + 1))
	}
	due := s.now + d
	if l.net.FIFO && due < l.lastDue {
		due = l.lastDue
	}
	if due > l.lastDue {
		l.lastDue = due
	}
	return due - s.now
}

func (s *Sim) schedule(m *inFlight, d time.Duration) {
	m.held = false
	m.pending = true
	m.dueAt = s.now + d
	s.push(event{at: m.dueAt, kind: evDeliver, proc: m.to, msgID: m.id})
}

func (s *Sim) duplicate(m *inFlight, d time.Duration) *inFlight {
	s.nextMsg++
	c := &inFlight{id: s.nextMsg, from: m.from, to: m.to, msg: m.msg, sentAt: m.sentAt, dupOf: m.id}
	s.flight[c.id] = c
	s.emit(TraceEvent{Kind: TrDuplicate, Node: s.procs[m.from].id, From: s.procs[m.from].id, To: s.procs[m.to].id, Msg: c.id, MsgKind: m.msg.Kind(), Text: fmt.Sprintf("copy of #%d", m.id)})
	s.schedule(c, d)
	return c
}

func (s *Sim) lose(m *inFlight, why string) {
	delete(s.flight, m.id)
	s.emit(TraceEvent{Kind: TrDrop, Node: s.procs[m.to].id, From: s.procs[m.from].id, To: s.procs[m.to].id, Msg: m.id, MsgKind: m.msg.Kind(), Text: why})
}

func (s *Sim) matchRule(from, to, kind string) bool {
	for i := range s.rules {
		r := &s.rules[i]
		if r.left > 0 && (r.from == "" || r.from == from) && (r.to == "" || r.to == to) && (r.kind == "" || r.kind == kind) {
			r.left--
			return true
		}
	}
	return false
}

func (s *Sim) push(ev event) {
	s.seq++
	ev.seq = s.seq
	heap.Push(&s.queue, ev)
}

func (s *Sim) emit(ev TraceEvent) {
	ev.Step = s.curStep
	ev.At = micros(s.now)
	s.trace.add(ev)
}

func summary(m Message) string {
	if sm, ok := m.(Summarizer); ok {
		return sm.Summary()
	}
	return ""
}

// ---- clocks ----

// localTime is the process's clock at true time t.
func (p *proc) localTime(t time.Duration) time.Duration {
	return t + mulDiv(t, p.ppm, 1_000_000) + p.offset
}

// trueTimeOf is the first true time at which the local clock reads local.
func (p *proc) trueTimeOf(local time.Duration) time.Duration {
	x := local - p.offset // = t * (1e6+ppm) / 1e6
	t := mulDiv(x, 1_000_000, 1_000_000+p.ppm)
	for p.localTime(t) < local { // rounding
		t++
	}
	return t
}

// mulDiv is a*b/c without overflowing in the product (c > 0).
func mulDiv(a time.Duration, b, c int64) time.Duration {
	q := int64(a) / c
	r := int64(a) % c
	return time.Duration(q*b + r*b/c)
}

func (s *Sim) armTimer(p *proc, name string, d time.Duration) {
	if d < 0 {
		d = 0
	}
	s.seq++ // a fresh generation, unique across the run
	t := &timer{name: name, deadline: p.localTime(s.now) + d, gen: s.seq}
	p.timers[name] = t
	s.queueTimer(p, t)
}

func (s *Sim) queueTimer(p *proc, t *timer) {
	at := p.trueTimeOf(t.deadline)
	if at < s.now {
		at = s.now
	}
	s.push(event{at: at, kind: evTimer, proc: p.index, name: t.name, gen: t.gen, inc: p.incarnation})
}

// reclock re-queues every armed timer after the process's clock changed:
// timers are set in local time, so a jump forward fires them early and a jump
// back fires them late.
func (s *Sim) reclock(p *proc) {
	names := make([]string, 0, len(p.timers))
	for n := range p.timers {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		t := p.timers[n]
		s.seq++
		t.gen = s.seq
		s.queueTimer(p, t)
	}
}
