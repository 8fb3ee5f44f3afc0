package engine

import (
	"errors"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"sort"
	"time"
)

// Config is everything about a run that is fixed before its first step.
type Config struct {
	Nodes   []string `json:"nodes"`
	Clients []string `json:"clients,omitempty"`
	// Standby are server processes that exist from the start (names, links,
	// disks) but wait outside the cluster until a join command boots them.
	Standby []string `json:"standby,omitempty"`
	// Roles gives each process its role; a process not listed is RoleNode
	// (Nodes, Standby) or RoleClient (Clients).
	Roles map[string]Role `json:"roles,omitempty"`
	// Setup names which of the pattern's setups built this config ("" for
	// its first). The engine does not read it; it travels with the run.
	Setup    string          `json:"setup,omitempty"`
	Seed     uint64          `json:"seed"`
	Variants map[string]bool `json:"variants,omitempty"`
	Params   map[string]int  `json:"params,omitempty"`
	Net      *NetSettings    `json:"net,omitempty"` // default link settings; DefaultNet when nil
}

// Model is what a pattern gives the engine: how to build its processes and
// which invariants to check.
type Model struct {
	// NewProcess builds a fresh process of the given role (at boot, at
	// every restart and at every join; a restarted node must recover from
	// env.Storage() on EvStart).
	NewProcess func(id string, role Role) Process
	// Invariants returns fresh checkers for one run.
	Invariants func() []Invariant
	// View renders the cluster panel's widgets (ClusterView.Widgets) from
	// the whole run. Optional.
	View func(w *World) []Widget
	// Params are the integer settings the run accepts, with their ranges.
	// When set, a setting not listed, or out of its range, is refused (in
	// the config and in param commands) instead of reaching the processes.
	Params []ParamRange
	// Causal keeps the run's happens-before relation (World.Causal), for
	// checks of clock patterns. It costs a clock's worth of work per event
	// and message, so only models that read it ask for it.
	Causal bool
	// CheckParams refuses a combination of settings that cannot run
	// together (a write quorum larger than the replicas), each value being
	// in range: it sees every setting as it would be. Optional.
	CheckParams func(params map[string]int) error
	// CheckCommand refuses a command the pattern cannot take in the run
	// as it stands (leaving the last data node), with the reason, before
	// anything changes; the engine's own checks come after. Optional.
	CheckCommand func(w *World, c Command) error
}

// ParamRange is one integer setting a model accepts: Min ≤ value ≤ Max.
type ParamRange struct {
	Name     string
	Min, Max int
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

// Sim is one simulated cluster. It is not safe for concurrent use: one
// goroutine owns it (see web/).
type Sim struct {
	cfg         Config
	net         NetSettings // every link's, as last set for all of them (at first the config's)
	model       Model
	now         time.Duration
	step        int
	seq         uint64
	queue       eventQueue
	voided      int // queued events of timers cancelled since the last compactQueue
	procs       []*proc
	byID        map[string]*proc
	lookup      map[string]*proc // byID once the cluster is too big to scan
	peers       []string         // the server members, sorted (Env.Peers)
	roleMembers []roleList       // membersOf's answers until membership changes
	nodeIDs     []string
	nodeProcs   []*proc // in nodeIDs order
	handled     *proc   // whose Handle ran in the last step, if any
	links       [][]link
	traffic     traffic
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
	conns      []*conn // by id: open ones, and closed ones an end has not heard of
	nextConn   uint64
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
	log         cmdLog
	history     []Operation
	invariants  []Invariant
	violations  []Violation
	broken      map[string]bool
	curStep     int // step number stamped on trace events being written
	world       World
	causal      *Causal          // nil unless Model.Causal
	spareKVs    []map[string]any // empty storage maps from finished runs (Spares), for New
}

// New builds a cluster and boots every process (their EvStart runs now, as
// step 0).
func New(cfg Config, model Model) (*Sim, error) { return newRun(cfg, model, nil) }

// newRun is New, taking memory from spares first (nil: none).
func newRun(cfg Config, model Model, spares *Spares) (*Sim, error) {
	if model.NewProcess == nil {
		return nil, errors.New("model has no process factory")
	}
	if len(cfg.Nodes) == 0 {
		return nil, errors.New("a cluster needs at least one node")
	}
	if n := len(cfg.Nodes) + len(cfg.Clients) + len(cfg.Standby); n > MaxProcesses {
		return nil, fmt.Errorf("at most %d processes (nodes, standby nodes and clients), not %d", MaxProcesses, n)
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
	spares.take(s)
	for _, k := range sortedKeys(cfg.Variants) {
		s.setVariant(k, cfg.Variants[k])
	}
	for _, k := range sortedKeys(cfg.Params) {
		if err := s.checkParam(k, cfg.Params[k]); err != nil {
			return nil, err
		}
		s.setParam(k, cfg.Params[k])
	}
	if err := s.checkCombination("", 0); err != nil {
		return nil, err
	}
	net := DefaultNet
	if cfg.Net != nil {
		net = *cfg.Net
	}
	if err := checkNet(net); err != nil {
		return nil, err
	}
	s.net = net
	add := func(id string, client bool, status Status) error {
		if id == "" {
			return errors.New("a process needs a name")
		}
		if _, dup := s.byID[id]; dup {
			return fmt.Errorf("%q is named twice", id)
		}
		role := cfg.Roles[id]
		if role == "" {
			role = RoleNode
			if client {
				role = RoleClient
			}
		}
		p := &proc{
			id: id, index: len(s.procs), client: client, role: role, status: status,
			storage: s.newStorage(),
			disk:    newDisk(cfg.Seed, id),
			rand:    rand.New(rand.NewPCG(cfg.Seed, nameHash(id))),
		}
		p.sym = s.trace.sym(id)
		p.env = &procEnv{sim: s, proc: p}
		s.procs = append(s.procs, p)
		s.byID[id] = p
		if len(s.procs) > maxScan {
			s.lookup = s.byID
		}
		if !client {
			s.nodeIDs = append(s.nodeIDs, id)
		}
		return nil
	}
	for _, id := range cfg.Nodes {
		if err := add(id, false, StatusUp); err != nil {
			return nil, err
		}
	}
	for _, id := range cfg.Clients {
		if err := add(id, true, StatusUp); err != nil {
			return nil, err
		}
	}
	for _, id := range cfg.Standby {
		if err := add(id, false, StatusStandby); err != nil {
			return nil, err
		}
	}
	for id := range cfg.Roles {
		if s.byID[id] == nil {
			return nil, fmt.Errorf("roles: no process called %q", id)
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
	s.members()
	if model.Causal {
		s.causal = newCausal(s)
	}
	for _, p := range s.procs {
		if p.status == StatusUp {
			s.boot(p)
		}
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
	if n.Bandwidth < 0 {
		return fmt.Errorf("link bandwidth must be ≥ 0 bytes/s (0: unlimited), not %d", n.Bandwidth)
	}
	if n.PerMsg < 0 || n.PerMsg > Duration(time.Hour) {
		return fmt.Errorf("per-message cost must be within 0..1h, not %v", time.Duration(n.PerMsg))
	}
	return nil
}

func (s *Sim) boot(p *proc) {
	p.p = s.model.NewProcess(p.id, p.role)
	p.status = StatusUp
	s.membershipChanged()
	s.record(symStart, p.sym, 0, 0, 0, 0, "")
	s.handle(p, Event{Kind: EvStart}, nil)
}

// handle runs one event of process p: a delivery, a timer, a disk
// completion, a request or a boot. carried is the clock the delivered
// message carries for the happens-before oracle (nil otherwise).
func (s *Sim) handle(p *proc, ev Event, carried []uint32) {
	if s.causal != nil {
		s.causal.event(p.index, carried)
	}
	woke := s.trace.n - 1 // every caller has just recorded what woke p
	p.p.Handle(p.env, ev)
	if st, ok := p.p.(Stamped); ok && woke >= 0 {
		s.trace.stamp(woke, st)
	}
}

// procByID finds a process by name. In a small cluster a scan of the
// names, which usually share their bytes with the name asked for
// (env.Peers), is quicker than a map lookup on every send; past maxScan
// processes the map is (s.lookup is set then).
func (s *Sim) procByID(id string) *proc {
	if s.lookup != nil {
		return s.lookup[id]
	}
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
	p.viewStale = true
	t.evSeq = 0
	var done DiskDone
	if t.fsync != nil {
		done = p.disk.complete(t.fsync) // the disk finishes even while its process is paused or busy
	}
	if p.status == StatusPaused || (p.busy != "" && !(t.work && t.name == p.busy)) {
		if !t.held {
			t.held = true
			p.held = append(p.held, heldItem{t: t, id: uint64(t.gen)})
		}
		return StepInfo{Kind: "held", Node: p.id, Text: "timer " + t.name + " waits: " + p.id + " is " + p.waitReason()}
	}
	t.armed = false
	s.handled = p
	s.record(symTimer, p.sym, 0, 0, 0, 0, t.name)
	switch {
	case t.fsync != nil:
		s.cancelTimer(p, t.name) // one use: recycle the record
		s.handle(p, Event{Kind: EvDisk, Disk: done}, nil)
	case t.work:
		p.busy = ""
		s.cancelTimer(p, t.name)
		s.handle(p, Event{Kind: EvTimer, Timer: t.name}, nil)
		if p.busy == "" && p.status == StatusUp {
			s.release(p)
		}
	default:
		name := t.name
		s.handle(p, Event{Kind: EvTimer, Timer: name}, nil)
		s.forgetFired(p, t)
		return StepInfo{Kind: "timer", Node: p.id, Text: name}
	}
	return StepInfo{Kind: "timer", Node: p.id, Text: t.name}
}

func (s *Sim) deliver(m *inFlight) StepInfo {
	m.evSeq = 0
	p := s.procs[m.to]
	p.viewStale = true
	from := s.procs[m.from]
	id := m.id
	if !m.engine && !s.links[m.from][m.to].up {
		s.lose(m, "link cut")
		return StepInfo{Kind: "drop", Node: p.id, From: from.id, Msg: id, Text: "link cut"}
	}
	switch p.status {
	case StatusCrashed:
		s.lose(m, p.id+" is down")
		return StepInfo{Kind: "drop", Node: p.id, From: from.id, Msg: id, Text: p.id + " is down"}
	case StatusStandby, StatusLeft:
		s.lose(m, p.id+" is not in the cluster")
		return StepInfo{Kind: "drop", Node: p.id, From: from.id, Msg: id, Text: p.id + " is not in the cluster"}
	}
	if c := m.conn; c != nil && c.dead && !c.drain[c.dir(m.from)] {
		s.refuse(m)
		return StepInfo{Kind: "drop", Node: p.id, From: from.id, Msg: id, Text: "connection reset by " + p.id}
	}
	if p.status == StatusPaused || p.busy != "" {
		if !m.parked {
			m.held, m.parked, m.dueAt = true, true, 0
			p.held = append(p.held, heldItem{m: m, id: id})
		}
		return StepInfo{Kind: "held", Node: p.id, From: from.id, Msg: id, Text: p.id + " is " + p.waitReason()}
	}
	msg, kind := m.msg, m.kind
	var cid ConnID
	if m.conn != nil {
		cid = m.conn.id
	}
	if !m.engine {
		s.links[m.from][m.to].stats.Delivered++
	}
	s.trace.recordSummary(traceRec{step: s.curStep, at: micros(s.now), msg: id, kind: symDeliver, node: p.sym, from: from.sym, to: p.sym, msgKind: kind}, msg)
	var carried []uint32
	if s.causal != nil {
		carried = s.causal.carried(m)
	}
	s.remove(m) // before Handle: its sends may reuse the record (what it carried is taken in first)
	s.handled = p
	s.handle(p, Event{Kind: EvReceive, From: from.id, Msg: msg, Conn: cid}, carried)
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

func (s *Sim) emit(ev TraceEvent) {
	ev.Step = s.curStep
	ev.At = micros(s.now)
	s.trace.add(&ev)
}

// closeEvent files an event of kind at node whose text was appended to
// c.text since off (Trace.open).
func (s *Sim) closeEvent(c *traceBlock, kind, node uint32, off int) {
	s.trace.close(c, traceRec{step: s.curStep, at: micros(s.now), kind: kind, node: node}, off)
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
