package engine

import (
	"errors"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"sort"
	"strconv"
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
	// View renders the cluster panel's widgets (ClusterView.Widgets) from
	// the whole run. Optional.
	View func(w *World) []Widget
}

// Limits keep a run from growing without bound on input from outside.
const (
	MaxProcesses = 256
	maxQueued    = 1 << 20
)

// StepInfo says what one Step did.
type StepInfo struct {
	Step int
	At   int64
	Kind string // "deliver", "timer", "drop" (lost at delivery) or "held" (reached a paused process)
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
	id      string
	index   int
	sym     uint32 // id as a trace symbol
	node    int    // index in Sim.nodeProcs, -1 for a client
	client  bool
	p       Process
	env     *procEnv
	status  status
	storage *Storage
	rand    *rand.Rand
	// clock: local = t*(1+ppm/1e6) + offset + jumps + driftFix. offset is what
	// the offset command set, jumps the sum of jumps since, driftFix keeps the
	// reading continuous when the drift changes.
	offset, jumps, driftFix time.Duration
	ppm                     int64
	timers                  map[string]*timer
	held                    []heldItem // what reached the process while paused, in arrival order
}

// heldItem is a timer or a message that waits for a paused process. It
// names the message by id and the timer by generation too: their records
// may have been recycled since.
type heldItem struct {
	t  *timer
	m  *inFlight
	id uint64 // the message's id, or the timer's gen
}

// timer is one named timer of a process. The record is reused when the name
// is armed again, and for another name once cancelled (gen counts those
// lives); evSeq names the one queued event that may fire it.
type timer struct {
	slot     int32 // index in Sim.timerSlab
	gen      uint32
	name     string
	proc     *proc
	deadline time.Duration // local clock time
	at       time.Duration // true time of its queued event
	evSeq    uint64        // 0: no live event
	// placed is the seq of the event physically queued for this timer,
	// due at placedAt (0: none). It may be an earlier event that stands in
	// for evSeq: see queueTimerAt.
	placed   uint64
	placedAt time.Duration
	armed    bool
	held     bool // fired while its process was paused; fires at resume
}

// inFlight is a message between send and delivery or loss.
type inFlight struct {
	slot   int32 // index in Sim.msgSlab
	id     uint64
	from   int
	to     int
	msg    Message
	kind   uint32 // msg.Kind() as a trace symbol
	sentAt time.Duration
	dueAt  time.Duration // 0 while held
	evSeq  uint64        // the queued delivery event that is live; 0: none
	dupOf  uint64
	held   bool // waiting: for the learner (manual mode) or, when parked, for its paused receiver
	parked bool
	gone   bool // delivered or lost; the record waits for reuse
}

// event is one entry of the queue: a delivery or a timer, named by slab
// index (ref ≥ 0: Sim.msgSlab[ref]; ref < 0: Sim.timerSlab[^ref]) so the
// queue holds no pointers: its heap swaps need no GC write barriers. It is
// live only while its seq is the one its message or timer expects, so
// re-arming, cancelling, crashing or re-delivering voids old events without
// a search.
type event struct {
	at  time.Duration
	seq uint64
	ref int32
}

// top drops void events off the queue, and puts a timer's stand-in back at
// the timer's own (at, seq), until the first event is live. It reports
// whether one is.
func (s *Sim) top() bool {
	for len(s.queue) > 0 {
		e := &s.queue[0]
		if e.ref >= 0 {
			if s.msgSlab[e.ref].evSeq == e.seq {
				return true
			}
			s.queue.pop()
			continue
		}
		t := s.timerSlab[^e.ref]
		if e.seq == t.placed && e.seq == t.evSeq {
			return true
		}
		if e.seq == t.placed && t.evSeq != 0 {
			t.placed, t.placedAt = t.evSeq, t.at
			s.queue.replaceTop(event{at: t.at, seq: t.evSeq, ref: e.ref})
			continue
		}
		if e.seq == t.placed {
			t.placed = 0
		}
		s.queue.pop()
	}
	return false
}

// eventQueue is a binary min-heap on (at, seq), typed to avoid the boxing of
// container/heap.
type eventQueue []event

func (q eventQueue) less(i, j int) bool {
	if q[i].at != q[j].at {
		return q[i].at < q[j].at
	}
	return q[i].seq < q[j].seq
}

func (q *eventQueue) push(e event) {
	*q = append(*q, e)
	h := *q
	i := len(h) - 1
	for i > 0 {
		parent := (i - 1) / 2
		if !h.less(i, parent) {
			break
		}
		h[i], h[parent] = h[parent], h[i]
		i = parent
	}
}

func (q *eventQueue) pop() event {
	h := *q
	top := h[0]
	n := len(h) - 1
	h[0] = h[n]
	*q = h[:n]
	q.down()
	return top
}

// replaceTop swaps the first event for e: a pop and a push in one pass.
func (q *eventQueue) replaceTop(e event) {
	(*q)[0] = e
	q.down()
}

// down restores the heap from the top.
func (q *eventQueue) down() {
	h := *q
	n := len(h)
	i := 0
	for {
		l := 2*i + 1
		if l >= n {
			break
		}
		small := l
		if r := l + 1; r < n && h.less(r, l) {
			small = r
		}
		if !h.less(small, i) {
			break
		}
		h[i], h[small] = h[small], h[i]
		i = small
	}
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
	cfg       Config
	model     Model
	now       time.Duration
	step      int
	seq       uint64
	queue     eventQueue
	procs     []*proc
	byID      map[string]*proc
	nodeIDs   []string
	nodeProcs []*proc // in nodeIDs order
	handled   *proc   // whose Handle ran in the last step, if any
	links     [][]link
	// flight holds the messages in flight in id order (ids only grow), plus
	// records that are gone, swept out when they are half the slice.
	flight     []*inFlight
	live, dead int
	free       []*inFlight
	// Every message and timer record ever made, by slot: queue events name
	// records by slot. Records are recycled, so these stay small.
	msgSlab    []*inFlight
	timerSlab  []*timer
	freeTimers []*timer
	nextMsg    uint64
	netRand    *rand.Rand
	manual     bool
	rules      []dropRule
	variants   map[string]bool
	params     map[string]int
	// The same settings as short lists: processes read them on nearly
	// every event, and a scan of a few names beats hashing the name.
	variantList []setting[bool]
	paramList   []setting[int]
	trace       Trace
	log         []LoggedCommand
	history     []Operation
	invariants  []Invariant
	violations  []Violation
	broken      map[string]bool
	curStep     int // step number stamped on trace events being written
	world       World
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
		variants: map[string]bool{},
		params:   map[string]int{},
		broken:   map[string]bool{},
		netRand:  rand.New(rand.NewPCG(cfg.Seed, 0x6e6574)), // "net"
	}
	for k, v := range cfg.Variants {
		s.setVariant(k, v)
	}
	for k, v := range cfg.Params {
		s.setParam(k, v)
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
		p.sym = s.trace.sym(id)
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
	for _, p := range s.procs {
		p.node = -1
	}
	for i, id := range s.nodeIDs {
		s.nodeProcs = append(s.nodeProcs, s.byID[id])
		s.byID[id].node = i
	}
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
	// Written as !(in range) so NaN is refused too.
	if !(n.DropPct >= 0 && n.DropPct <= 100 && n.DupPct >= 0 && n.DupPct <= 100) {
		return errors.New("drop and duplicate percentages must be within 0..100")
	}
	return nil
}

func (s *Sim) boot(p *proc) {
	p.p = s.model.NewProcess(p.id, p.client)
	p.status = statusUp
	s.record(symStart, p.sym, 0, 0, 0, 0, "")
	p.p.Handle(p.env, Event{Kind: EvStart})
}

// procByID finds a process by name: a scan of at most MaxProcesses names,
// which usually share their bytes with the name asked for (env.Peers), is
// quicker than a map lookup on every send.
func (s *Sim) procByID(id string) *proc {
	for _, p := range s.procs {
		if p.id == id {
			return p
		}
	}
	return nil
}

// setting is one named variant or parameter.
type setting[T any] struct {
	name string
	v    T
}

// maxScan is how many settings a lookup scans before it asks the map.
const maxScan = 16

func lookupSetting[T any](list []setting[T], m map[string]T, name string) (T, bool) {
	if len(list) > maxScan {
		v, ok := m[name]
		return v, ok
	}
	for i := range list {
		if list[i].name == name {
			return list[i].v, true
		}
	}
	var zero T
	return zero, false
}

func putSetting[T any](list []setting[T], m map[string]T, name string, v T) []setting[T] {
	m[name] = v
	for i := range list {
		if list[i].name == name {
			list[i].v = v
			return list
		}
	}
	return append(list, setting[T]{name, v})
}

func (s *Sim) setVariant(name string, on bool) {
	s.variantList = putSetting(s.variantList, s.variants, name, on)
}

func (s *Sim) setParam(name string, v int) { s.paramList = putSetting(s.paramList, s.params, name, v) }

func (s *Sim) variant(name string) bool {
	on, _ := lookupSetting(s.variantList, s.variants, name)
	return on
}

func (s *Sim) param(name string, def int) int {
	if v, ok := lookupSetting(s.paramList, s.params, name); ok {
		return v
	}
	return def
}

// ---- time and steps ----

// Virtual time ticks in whole microseconds: every event is due on a
// microsecond, so the µs times in the trace and the command log are exact and
// a replay lands on the very same instants.
const tick = time.Microsecond

// maxTime keeps virtual time far from overflow (about 146 years).
const maxTime = time.Duration(1 << 62)

func ceilTick(d time.Duration) time.Duration {
	if r := d % tick; r > 0 {
		d += tick - r
	}
	return d
}

// Now is the true virtual time.
func (s *Sim) Now() time.Duration { return s.now }

// StepCount is the number of steps run so far.
func (s *Sim) StepCount() int { return s.step }

// Pending is the number of queued events (some may be void: a timer that was
// re-armed, a message already delivered by hand).
func (s *Sim) Pending() int { return len(s.queue) }

// Step runs exactly one event. It returns false when nothing is queued.
func (s *Sim) Step() (StepInfo, bool) {
	for s.top() {
		ev := s.queue.pop()
		if ev.ref < 0 {
			s.timerSlab[^ev.ref].placed = 0
		}
		if ev.at > s.now {
			s.now = ev.at
		}
		s.step++
		s.curStep = s.step
		s.handled = nil
		var info StepInfo
		if ev.ref < 0 {
			info = s.fire(s.timerSlab[^ev.ref])
		} else {
			info = s.deliver(s.msgSlab[ev.ref])
		}
		info.Step = s.step
		info.At = micros(s.now)
		s.checkInvariants()
		return info, true
	}
	return StepInfo{}, false
}

func (s *Sim) fire(t *timer) StepInfo {
	p := t.proc
	t.evSeq = 0
	if p.status == statusPaused {
		if !t.held {
			t.held = true
			p.held = append(p.held, heldItem{t: t, id: uint64(t.gen)})
		}
		return StepInfo{Kind: "held", Node: p.id, Text: "timer " + t.name + " waits: " + p.id + " is paused"}
	}
	t.armed = false
	s.handled = p
	s.record(symTimer, p.sym, 0, 0, 0, 0, t.name)
	p.p.Handle(p.env, Event{Kind: EvTimer, Timer: t.name})
	return StepInfo{Kind: "timer", Node: p.id, Text: t.name}
}

func (s *Sim) deliver(m *inFlight) StepInfo {
	m.evSeq = 0
	p := s.procs[m.to]
	from := s.procs[m.from]
	id := m.id
	if !s.links[m.from][m.to].up {
		s.lose(m, "link cut")
		return StepInfo{Kind: "drop", Node: p.id, From: from.id, Msg: id, Text: "link cut"}
	}
	switch p.status {
	case statusCrashed:
		s.lose(m, p.id+" is down")
		return StepInfo{Kind: "drop", Node: p.id, From: from.id, Msg: id, Text: p.id + " is down"}
	case statusPaused:
		if !m.parked {
			m.held, m.parked, m.dueAt = true, true, 0
			p.held = append(p.held, heldItem{m: m, id: id})
		}
		return StepInfo{Kind: "held", Node: p.id, From: from.id, Msg: id, Text: p.id + " is paused"}
	}
	msg, kind := m.msg, m.kind
	s.trace.recordSummary(traceRec{step: s.curStep, at: micros(s.now), msg: id, kind: symDeliver, node: p.sym, from: from.sym, to: p.sym, msgKind: kind}, msg)
	s.remove(m) // before Handle: its sends may reuse the record
	s.handled = p
	p.p.Handle(p.env, Event{Kind: EvReceive, From: from.id, Msg: msg})
	return StepInfo{Kind: "deliver", Node: p.id, From: from.id, Msg: id, Text: s.trace.syms[kind]}
}

// RunFor runs every event due within d of virtual time, then moves the clock
// to the end of the window. It stops early after maxSteps (0 = no limit). A
// negative d or maxSteps does nothing.
func (s *Sim) RunFor(d time.Duration, maxSteps int) int {
	if d < 0 || maxSteps < 0 {
		return 0
	}
	end := maxTime
	if d < maxTime-s.now {
		end = s.now + d
	}
	end -= end % tick
	n := 0
	for maxSteps == 0 || n < maxSteps {
		if s.nextAt() > end {
			break
		}
		if _, ok := s.Step(); !ok {
			break
		}
		n++
	}
	if (maxSteps == 0 || n < maxSteps) && s.now < end {
		s.now = end
	}
	return n
}

// nextAt is the time of the next live event, dropping void ones off the top.
func (s *Sim) nextAt() time.Duration {
	if s.top() {
		return s.queue[0].at
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

// Stabilize runs until no message is in flight (timers may stay armed; held
// messages wait for the learner) or maxSteps ran. It reports whether the
// network went quiet.
func (s *Sim) Stabilize(maxSteps int) bool {
	return s.RunUntil(s.quiet, maxSteps)
}

func (s *Sim) quiet() bool {
	for _, m := range s.flight {
		if !m.gone && !m.held {
			return false
		}
	}
	return true
}

// AdvanceTo moves virtual time forward to at (µs) without running anything,
// as long as no event is due before it. Replay uses it to restore idle time.
func (s *Sim) AdvanceTo(at int64) {
	if at < 0 || at > int64(maxTime/tick) {
		return
	}
	t := time.Duration(at) * tick
	if t > s.now && s.nextAt() >= t {
		s.now = t
	}
}

func micros(d time.Duration) int64 { return int64(d / time.Microsecond) }

// ---- sending and the network ----

func (s *Sim) send(from *proc, toID string, msg Message) {
	to := s.procByID(toID)
	ok := to != nil
	s.nextMsg++
	id := s.nextMsg
	kindName := msg.Kind()
	kind := s.trace.kindSym(kindName)
	if !ok {
		s.record(symDrop, from.sym, from.sym, s.trace.sym(toID), id, kind, "no such process")
		return
	}
	s.record(symSend, from.sym, from.sym, to.sym, id, kind, "")
	if s.live >= maxQueued {
		s.record(symDrop, from.sym, from.sym, to.sym, id, kind, "network overloaded")
		return
	}
	m := s.add(id, from.index, to.index, msg, kind)
	l := &s.links[from.index][to.index]
	if !l.up {
		s.lose(m, "link cut")
		return
	}
	if len(s.rules) > 0 && s.matchRule(from.id, toID, kindName) {
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
	s.scheduleAt(m, s.dueTime(l))
	if l.net.DupPct > 0 && s.netRand.Float64()*100 < l.net.DupPct {
		s.duplicate(m, s.dueTime(l))
	}
}

// add records a new message in flight, reusing a gone record if there is one.
func (s *Sim) add(id uint64, from, to int, msg Message, kind uint32) *inFlight {
	var m *inFlight
	if n := len(s.free); n > 0 {
		m = s.free[n-1]
		s.free = s.free[:n-1]
		*m = inFlight{slot: m.slot}
	} else {
		m = &inFlight{slot: int32(len(s.msgSlab))}
		s.msgSlab = append(s.msgSlab, m)
	}
	m.id, m.from, m.to, m.msg, m.kind, m.sentAt = id, from, to, msg, kind, s.now
	s.flight = append(s.flight, m)
	s.live++
	return m
}

// remove takes a message out of flight (delivered or lost).
func (s *Sim) remove(m *inFlight) {
	m.gone, m.held, m.parked, m.evSeq = true, false, false, 0
	s.live--
	s.dead++
	if s.dead >= 64 && s.dead*2 >= len(s.flight) {
		keep := s.flight[:0]
		for _, f := range s.flight {
			if f.gone {
				f.msg = nil
				s.free = append(s.free, f)
			} else {
				keep = append(keep, f)
			}
		}
		clear(s.flight[len(keep):])
		s.flight = keep
		s.dead = 0
	}
}

// message finds a message in flight by id.
func (s *Sim) message(id uint64) (*inFlight, bool) {
	i := sort.Search(len(s.flight), func(i int) bool { return s.flight[i].id >= id })
	if i < len(s.flight) && s.flight[i].id == id && !s.flight[i].gone {
		return s.flight[i], true
	}
	return nil, false
}

// dueTime picks when a message sent now on l arrives: min delay plus a
// uniform jitter with the configured mean, after the previous message on a
// FIFO link.
func (s *Sim) dueTime(l *link) time.Duration {
	// Uniform over [min, 2·mean − min]; NetSettings.MaxDelay relies on it.
	lo, mean := time.Duration(l.net.MinDelay), time.Duration(l.net.MeanDelay)
	d := lo
	if mean > lo {
		d += time.Duration(s.netRand.Int64N(int64(2*(mean-lo)) + 1))
	}
	due := ceilTick(s.now + d)
	if l.net.FIFO && due < l.lastDue {
		due = l.lastDue
	}
	if due > l.lastDue {
		l.lastDue = due
	}
	return due
}

// scheduleAt queues the delivery of m at at, voiding any delivery queued
// before.
func (s *Sim) scheduleAt(m *inFlight, at time.Duration) {
	m.held, m.parked = false, false
	m.dueAt = at
	s.seq++
	m.evSeq = s.seq
	s.queue.push(event{at: at, seq: s.seq, ref: m.slot})
}

func (s *Sim) duplicate(m *inFlight, at time.Duration) {
	s.nextMsg++
	from, to := s.procs[m.from], s.procs[m.to]
	id, orig, msg, sentAt := s.nextMsg, m.id, m.msg, m.sentAt
	c := s.add(id, m.from, m.to, msg, m.kind)
	c.sentAt, c.dupOf = sentAt, orig
	s.record(symDuplicate, from.sym, from.sym, to.sym, id, m.kind, "copy of #"+strconv.FormatUint(orig, 10))
	s.scheduleAt(c, at)
}

func (s *Sim) lose(m *inFlight, why string) {
	to := s.procs[m.to].sym
	s.record(symDrop, to, s.procs[m.from].sym, to, m.id, m.kind, why)
	s.remove(m)
}

func (s *Sim) matchRule(from, to, kind string) bool {
	for i := range s.rules {
		r := &s.rules[i]
		if (r.from == "" || r.from == from) && (r.to == "" || r.to == to) && (r.kind == "" || r.kind == kind) {
			r.left--
			if r.left == 0 {
				s.rules = append(s.rules[:i], s.rules[i+1:]...)
			}
			return true
		}
	}
	return false
}

func (s *Sim) emit(ev TraceEvent) {
	ev.Step = s.curStep
	ev.At = micros(s.now)
	s.trace.add(&ev)
}

// record is emit for the engine's own events, with symbols at hand.
func (s *Sim) record(kind, node, from, to uint32, msg uint64, msgKind uint32, text string) {
	s.trace.record(traceRec{step: s.curStep, at: micros(s.now), msg: msg, kind: kind, node: node, from: from, to: to, msgKind: msgKind}, text)
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
	return t + mulDiv(t, p.ppm, 1_000_000) + p.offset + p.jumps + p.driftFix
}

// trueTimeOf is the first true time at which the local clock reads local.
func (p *proc) trueTimeOf(local time.Duration) time.Duration {
	x := local - p.offset - p.jumps - p.driftFix // = t * (1e6+ppm) / 1e6
	t := mulDiv(x, 1_000_000, 1_000_000+p.ppm)
	for p.localTime(t) < local { // rounding
		t++
	}
	return t
}

// mulDiv is a*b/c without overflowing in the product (c > 0, |b| ≤ 2c).
func mulDiv(a time.Duration, b, c int64) time.Duration {
	q := int64(a) / c
	r := int64(a) % c
	return time.Duration(q*b + r*b/c)
}

func (s *Sim) armTimer(p *proc, name string, d time.Duration) {
	if d < 0 {
		d = 0
	}
	t := p.timers[name]
	if t == nil {
		t = s.newTimer(p, name)
		p.timers[name] = t
	}
	t.armed, t.held = true, false
	t.deadline = p.localTime(s.now) + d
	s.queueTimer(t)
}

// newTimer makes a timer record, recycling a cancelled one.
func (s *Sim) newTimer(p *proc, name string) *timer {
	if n := len(s.freeTimers); n > 0 {
		t := s.freeTimers[n-1]
		s.freeTimers = s.freeTimers[:n-1]
		*t = timer{slot: t.slot, gen: t.gen + 1, name: name, proc: p}
		return t
	}
	t := &timer{slot: int32(len(s.timerSlab)), name: name, proc: p}
	s.timerSlab = append(s.timerSlab, t)
	return t
}

// cancelTimer disarms p's timer called name and recycles its record: a
// client names a timer per operation, and the records would otherwise pile
// up for the whole run. Queued events and held items that still name it are
// void (its evSeq is 0 and, once reused, its gen differs).
func (s *Sim) cancelTimer(p *proc, name string) {
	if t := p.timers[name]; t != nil {
		t.armed, t.held, t.evSeq = false, false, 0
		delete(p.timers, name)
		s.freeTimers = append(s.freeTimers, t)
	}
}

// queueTimer queues t's event at the first microsecond its local clock reads
// the deadline, voiding any event queued for it before.
func (s *Sim) queueTimer(t *timer) {
	at := ceilTick(t.proc.trueTimeOf(t.deadline))
	if at < s.now {
		at = s.now
	}
	if at > maxTime {
		at = maxTime
	}
	s.queueTimerAt(t, at)
}

// queueTimerAt makes t due at at under a fresh seq. An event already queued
// for t no later than that stands in for it: when it comes up, top puts it
// back at t's own (at, seq). So an election timeout re-armed on every
// heartbeat costs no queue push per re-arm, and the run is exactly as if
// each re-arm had queued its own event: the queue orders by (at, seq), and
// the stand-in comes up before that pair would.
func (s *Sim) queueTimerAt(t *timer, at time.Duration) {
	t.at = at
	s.seq++
	t.evSeq = s.seq
	if t.placed != 0 && t.placedAt <= at {
		return
	}
	t.placed, t.placedAt = s.seq, at
	s.queue.push(event{at: at, seq: s.seq, ref: ^t.slot})
}

// reclock re-queues every armed timer after the process's clock changed:
// timers are set in local time, so a jump forward fires them early and a jump
// back fires them late.
func (s *Sim) reclock(p *proc) {
	for _, t := range p.armedTimers() {
		t.held = false // a held timer is due again only if the new clock says so
		s.queueTimer(t)
	}
}

// armedTimers lists the armed timers by name.
func (p *proc) armedTimers() []*timer {
	var out []*timer
	for _, t := range p.timers {
		if t.armed {
			out = append(out, t)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}
