package updatequeue

import (
	"strconv"
	"time"

	"clusterscope/engine"
	"clusterscope/patterns/kit"
)

// VarParallelHandlers is the broken variant: no queue, every request's
// handler runs at once, each reading the balance, waiting for the disk and
// writing back what it read minus its amount.
const VarParallelHandlers = "parallel-handlers"

// walFile is the write-ahead log on athens's disk.
const walFile = "wal"

// stage is where a task is in the update thread's pipeline.
type stage uint8

const (
	stQueued stage = iota
	stRead
	stValidate
	stWAL
	stApply
	stRespond
	// With external calls on, a withdrawal first asks the fraud check
	// (stCall, on the update thread) and then waits off the thread for
	// the answer (stAwait), which the callback puts back in the queue.
	stCall
	stAwait
)

var stageNames = [...]string{"queued", "read", "validate", "WAL write", "apply", "respond", "external call", "awaiting reply"}

func (s stage) String() string { return stageNames[s] }

// critical reports whether a task in this stage is inside its
// read-modify-write of the balance: from reading it to applying the new
// value. Two mutating tasks in here at once can lose an update.
func (s stage) critical() bool { return s >= stRead && s <= stApply }

// task is one request on its way through the update thread.
type task struct {
	seq    int    // athens's own number for it (timers are keyed by it)
	from   string // the client, or the heartbeating peer
	req    int    // the client's operation id (the heartbeat's seq)
	op     Op
	beat   bool // a heartbeat to answer, not a client operation
	stage  stage
	read   int    // the balance it read
	pos    int    // its record's position in the WAL, once written
	job    int    // its fsync, while in the WAL stage
	reason string // why it is refused, once it is
	result int    // the balance it answers with

	checked  bool   // the fraud check answered: this is the continuation
	marks    []mark // when it entered each stage, in order: its gantt row
	finished bool   // it answered (or was refused)
	ended    int64  // when, in µs of athens's clock

	text     string       // name(), built once: nearly every note names the task
	timer    string       // its stage timer's name, built once: most stages arm it
	firstRow [stages]mark // marks' first backing array: a task passes every stage once
}

// stages is how many stages there are: the marks a task without an
// external call leaves.
const stages = len(stageNames)

// newTask is a task for a request from a client or a peer.
func newTask(from string, req int, op Op, beat bool) *task {
	t := &task{from: from, req: req, op: op, beat: beat}
	t.marks = t.firstRow[:0]
	return t
}

// mark is a task entering a stage at a time (µs of athens's clock).
type mark struct {
	stage stage
	at    int64
}

// needsCall reports whether t must ask the fraud check before it runs:
// withdrawals do when external calls are on, once.
func (t *task) needsCall(env engine.Env) bool {
	return !t.beat && !t.checked && t.op.Kind == opWithdraw && env.Param(ParamExternalCall, 0) == 1
}

// stageTimer is the name of t's stage timer (stageTimer.For(t.seq)).
func (t *task) stageTimer() string {
	if t.timer == "" {
		t.timer = stageTimer.For(t.seq)
	}
	return t.timer
}

func (t *task) name() string {
	if t.text != "" {
		return t.text
	}
	if t.beat {
		t.text = t.from + "'s heartbeat " + strconv.Itoa(t.req)
	} else {
		t.text = t.from + "'s " + t.op.String()
	}
	return t.text
}

// walRecord is one WAL record: a client's operation and the balance the
// handler computed for it.
type walRecord struct {
	Client string
	Req    int
	Op     Op
	After  int
}

func (r walRecord) delta() int {
	if r.Op.Kind == opWithdraw {
		return -r.Op.Amount
	}
	return r.Op.Amount
}

const walRecordSize = 24 // bytes a record takes on disk, as counted here

// stageTimer fires when a task's CPU stage (read, validate, apply, respond)
// is done.
var stageTimer = kit.TimerKey[int]{Name: "stage"}

// cpuStage is how long a stage that is not a disk wait takes: a base and a
// random part, so that parallel handlers drift apart.
const (
	cpuStage       = 300 * time.Microsecond
	cpuStageJitter = 400 * time.Microsecond
)

// callTimer fires when the fraud check answers a task's call: the callback.
var callTimer = kit.TimerKey[int]{Name: "external"}

// ganttRows bounds the requests drawn on the gantt chart: the most recent.
const ganttRows = 12

// hardCap bounds an "unbounded" queue: the simulator must bound what a
// visitor can make it hold.
const hardCap = 10_000

// The queue-depth chart: a sample every samplePeriod, the last
// depthWindow of them (3 s).
const (
	depthWindow  = 60
	samplePeriod = 50 * time.Millisecond
	sampleTimer  = "sample"
)

// Server is athens: a bank account owned by one update thread fed by a
// bounded queue. Request handlers (the network threads) only enqueue; the
// update thread takes one task at a time through read → validate → WAL
// write (append and fsync, which takes disk time) → apply → respond.
type Server struct {
	id      string
	balance int
	queue   []*task // waiting for the update thread, oldest first
	active  []*task // on the update thread (at most one unless parallel-handlers)
	jobs    map[int]*task
	calls   map[int]*task // waiting off the thread for the fraud check, by seq
	recent  []*task       // the last ganttRows tasks accepted, oldest first
	now     int64         // athens's clock at its last event (µs): the gantt's end
	// seen holds the ids of the requests received since boot and of those
	// in the WAL: the network may deliver a request twice, and a copy must
	// not withdraw the money a second time.
	seen    idSet
	seq     int
	applied int // WAL records applied since boot (replay included)

	// orderBreach describes the first task applied out of WAL order ("").
	orderBreach  string
	rejectedFull int // requests refused with QUEUE_FULL
	maxDepth     int
	peak         int          // the deepest the queue was since the last sample
	depths       []float64    // the peak depth of each sample period, oldest first
	cap          int          // the queue's capacity, as last read
	disk         *engine.Disk // for the view
}

func newServer(id string) *Server {
	return &Server{id: id, jobs: map[int]*task{}, calls: map[int]*task{}}
}

// Handle is the server's state machine.
func (s *Server) Handle(env engine.Env, ev engine.Event) {
	s.now = env.Now().Microseconds()
	switch ev.Kind {
	case engine.EvStart:
		s.recover(env)
		// The sampler starts at a random phase, as a timer does after a
		// boot that came at no particular moment.
		env.SetTimer(sampleTimer, time.Duration(1+env.Rand().Int64N(int64(samplePeriod))))
	case engine.EvReceive:
		switch m := ev.Msg.(type) {
		case Request:
			if !s.seen.add(m.ID) {
				return // a duplicate: the first copy is answered
			}
			s.enqueue(env, newTask(ev.From, m.ID, m.Op, false))
		case Heartbeat:
			if env.Param(ParamHeartbeatOffQueue, 0) == 1 {
				// The fix: a heartbeat touches no state, so it is answered
				// by the network thread and never waits for the disk.
				env.Send(ev.From, HeartbeatAck(m))
				return
			}
			s.enqueue(env, newTask(ev.From, m.Seq, Op{}, true))
		}
	case engine.EvTimer:
		if ev.Timer == sampleTimer {
			s.sample()
			env.SetTimer(sampleTimer, samplePeriod)
			return
		}
		if seq, ok := stageTimer.Match(ev.Timer); ok {
			if t := s.activeTask(seq); t != nil {
				s.stageDone(env, t)
			}
		}
		if seq, ok := callTimer.Match(ev.Timer); ok {
			if t := s.calls[seq]; t != nil {
				delete(s.calls, seq)
				s.callback(env, t)
			}
		}
	case engine.EvDisk:
		t := s.jobs[ev.Disk.Job]
		if t == nil {
			return
		}
		delete(s.jobs, ev.Disk.Job)
		s.fsynced(env, t, ev.Disk)
	}
}

// recover rebuilds the balance by replaying the WAL: every intact record
// in order. A torn record (a write the crash cut in half) and whatever
// follows it is truncated, never applied.
func (s *Server) recover(env engine.Env) {
	s.balance = InitialBalance
	s.disk = env.Disk()
	s.cap = s.capacity(env)
	f := env.Disk().File(walFile)
	if f == nil {
		env.Disk().Create(walFile)
		return
	}
	for i, r := range f.Records() {
		if !r.Intact() {
			env.Disk().Truncate(walFile, i)
			env.Note("%s truncates a torn record at WAL position %d", s.id, i+1)
			break
		}
		rec := r.Data.(walRecord)
		s.balance += rec.delta()
		s.seen.add(rec.Req)
		s.applied++
	}
	if s.applied > 0 {
		env.Note("%s replays %d WAL record(s): balance %d", s.id, s.applied, s.balance)
	}
}

func (s *Server) capacity(env engine.Env) int {
	if c := env.Param(ParamCapacity, defCapacity); c > 0 {
		return c
	}
	return hardCap
}

// enqueue is a request handler: it hands the task to the update thread
// and returns. With parallel-handlers there is no queue: the handler runs
// the task itself, at once, beside every other handler.
func (s *Server) enqueue(env engine.Env, t *task) {
	if !t.checked {
		s.seq++
		t.seq = s.seq
	}
	s.cap = s.capacity(env)
	if !env.Variant(VarParallelHandlers) && len(s.queue) >= s.cap {
		s.rejectedFull++
		engine.Notef(env, "%s refuses %s: QUEUE_FULL (%d waiting)", engine.S(s.id), engine.S(t.name()), engine.D(len(s.queue)))
		if !t.beat {
			env.Send(t.from, Reply{ID: t.req, Outcome: Outcome{Reason: ReasonQueueFull, Balance: s.balance}})
		}
		t.finished, t.ended, t.reason = true, s.now, ReasonQueueFull
		return
	}
	if !t.checked {
		s.remember(t)
	}
	t.stage = stQueued
	t.marks = append(t.marks, mark{stQueued, s.now})
	if env.Variant(VarParallelHandlers) {
		s.begin(env, t)
		return
	}
	s.queue = append(s.queue, t)
	s.sampleDepth()
	if len(s.active) == 0 {
		s.next(env)
		return
	}
	if !t.beat {
		engine.Notef(env, "%s queues %s behind %d task(s)", engine.S(s.id), engine.S(t.name()), engine.D(len(s.queue)-1+len(s.active)))
	}
}

// next gives the update thread the oldest waiting task.
func (s *Server) next(env engine.Env) {
	if len(s.queue) == 0 {
		return
	}
	var t *task
	t, s.queue = kit.PopFront(s.queue)
	s.sampleDepth()
	s.begin(env, t)
}

func (s *Server) begin(env engine.Env, t *task) {
	s.active = append(s.active, t)
	if t.needsCall(env) {
		s.enter(env, t, stCall)
		return
	}
	s.enter(env, t, stRead)
}

// remember adds t to the gantt chart's rows, dropping the oldest.
func (s *Server) remember(t *task) {
	if len(s.recent) == ganttRows {
		copy(s.recent, s.recent[1:])
		s.recent = s.recent[:ganttRows-1]
	}
	s.recent = append(s.recent, t)
}

// enter moves t into stage st and starts it: a CPU stage arms the task's
// stage timer; the WAL stage appends the record and asks for an fsync.
func (s *Server) enter(env engine.Env, t *task, st stage) {
	t.stage = st
	t.marks = append(t.marks, mark{st, s.now})
	if st != stWAL {
		env.SetTimer(t.stageTimer(), cpuStage+time.Duration(env.Rand().Int64N(int64(cpuStageJitter))))
		return
	}
	rec := walRecord{Client: t.from, Req: t.req, Op: t.op, After: t.result}
	pos, err := env.Disk().Append(walFile, engine.Record{Data: rec, Size: walRecordSize})
	if err != nil {
		t.reason = ReasonDiskFull
		env.Note("%s cannot log %s: the disk is full", s.id, t.name())
		s.enter(env, t, stRespond)
		return
	}
	job, err := env.Fsync(walFile)
	if err != nil {
		env.Disk().Truncate(walFile, pos)
		t.reason = ReasonDiskError
		s.enter(env, t, stRespond)
		return
	}
	t.pos, t.job = pos, job
	s.jobs[job] = t
	engine.Notef(env, "%s appends %s to the WAL at position %d and waits for the fsync", engine.S(s.id), engine.S(t.name()), engine.D(pos+1))
}

// stageDone ends t's CPU stage and starts the next.
func (s *Server) stageDone(env engine.Env, t *task) {
	switch t.stage {
	case stRead:
		t.read = s.balance
		switch {
		case t.beat:
			s.enter(env, t, stRespond)
		case !t.op.mutates():
			t.result = t.read
			s.enter(env, t, stRespond)
		default:
			engine.Notef(env, "%s reads balance %d for %s", engine.S(s.id), engine.D(t.read), engine.S(t.name()))
			s.enter(env, t, stValidate)
		}
	case stValidate:
		if t.op.Kind == opWithdraw && t.op.Amount > t.read {
			t.reason, t.result = ReasonInsufficient, t.read
			s.enter(env, t, stRespond)
			return
		}
		t.result = t.read + t.op.Amount
		if t.op.Kind == opWithdraw {
			t.result = t.read - t.op.Amount
		}
		s.enter(env, t, stWAL)
	case stApply:
		if t.pos != s.applied && s.orderBreach == "" {
			s.orderBreach = t.name() + " is record " + strconv.Itoa(t.pos+1) + " of the WAL but was applied as number " + strconv.Itoa(s.applied+1)
		}
		s.applied++
		// The handler writes back what it read, changed: under the queue
		// nothing can have changed the balance since.
		s.balance = t.result
		engine.Notef(env, "%s applies %s: balance %d", engine.S(s.id), engine.S(t.name()), engine.D(s.balance))
		s.enter(env, t, stRespond)
	case stRespond:
		s.respond(env, t)
	case stCall:
		// The call is on its way; the update thread does not wait for
		// it, and nothing of the account was read or changed.
		s.leaveThread(t)
		t.stage = stAwait
		t.marks = append(t.marks, mark{stAwait, s.now})
		s.calls[t.seq] = t
		ms := env.Param(ParamExternalCallMs, defExternalCallMs)
		// Answers take 0.5–1.5 × the setting: they come back in another
		// order than the calls went out.
		callTimer.Set(env, t.seq, time.Duration(ms)*time.Millisecond/2+time.Duration(env.Rand().Int64N(int64(ms)*int64(time.Millisecond))))
		env.Note("%s asks the fraud check about %s; the update thread moves on", s.id, t.name())
		if !env.Variant(VarParallelHandlers) {
			s.next(env)
		}
	}
}

// callback is the fraud check's answer arriving on another thread. It
// must not touch the account: it puts the withdrawal back in the queue as
// a new task, which reads the balance when its turn comes.
func (s *Server) callback(env engine.Env, t *task) {
	t.checked = true
	env.Note("the fraud check approves %s; the callback puts it back in %s's queue behind %d task(s)", t.name(), s.id, len(s.queue)+len(s.active))
	s.enqueue(env, t)
}

// fsynced: the disk finished t's fsync.
func (s *Server) fsynced(env engine.Env, t *task, done engine.DiskDone) {
	if done.Err != "" {
		// Nothing is durable and the record must never become so later:
		// cut it off (metadata is durable at once) and tell the client it
		// did not happen.
		env.Disk().Truncate(walFile, t.pos)
		t.reason = ReasonDiskError
		env.Note("%s's fsync of %s failed: record dropped, the request is refused", s.id, t.name())
		s.enter(env, t, stRespond)
		return
	}
	engine.Notef(env, "%s's WAL is durable up to position %d", engine.S(s.id), engine.D(done.Durable))
	s.enter(env, t, stApply)
}

// leaveThread takes t off the update thread.
func (s *Server) leaveThread(t *task) {
	for i, a := range s.active {
		if a == t {
			s.active = append(s.active[:i], s.active[i+1:]...)
			return
		}
	}
}

func (s *Server) respond(env engine.Env, t *task) {
	s.leaveThread(t)
	t.finished, t.ended = true, s.now
	if t.beat {
		env.Send(t.from, HeartbeatAck{Seq: t.req})
	} else {
		out := Outcome{OK: t.reason == "", Reason: t.reason, Balance: t.result}
		if t.reason == ReasonDiskError || t.reason == ReasonDiskFull {
			out.Balance = s.balance
		}
		env.Send(t.from, Reply{ID: t.req, Outcome: out})
		if t.op.mutates() {
			engine.Notef(env, "%s answers %s: %s", engine.S(s.id), engine.S(t.name()), engine.S(out.String()))
		}
	}
	if !env.Variant(VarParallelHandlers) {
		s.next(env)
	}
}

func (s *Server) activeTask(seq int) *task {
	for _, t := range s.active {
		if t.seq == seq {
			return t
		}
	}
	return nil
}

// sampleDepth notes the queue's depth after a change.
func (s *Server) sampleDepth() {
	s.maxDepth = max(s.maxDepth, len(s.queue))
	s.peak = max(s.peak, len(s.queue))
}

// sample adds the period's peak depth to the chart: a task can pass
// through the queue in a millisecond, and the peak keeps it visible.
func (s *Server) sample() {
	if len(s.depths) == depthWindow {
		copy(s.depths, s.depths[1:])
		s.depths = s.depths[:depthWindow-1]
	}
	s.depths = append(s.depths, float64(s.peak))
	s.peak = len(s.queue)
}

// criticalCount is len(critical()) without building the list.
func (s *Server) criticalCount() int {
	n := 0
	for _, t := range s.active {
		if !t.beat && t.op.mutates() && t.stage.critical() {
			n++
		}
	}
	return n
}

// critical lists the mutating tasks between reading the balance and
// applying their change.
func (s *Server) critical() []*task {
	var out []*task
	for _, t := range s.active {
		if !t.beat && t.op.mutates() && t.stage.critical() {
			out = append(out, t)
		}
	}
	return out
}

func itoa(n int) string { return strconv.Itoa(n) }

// clientTasks counts the client requests queued, running or waiting for
// the fraud check.
func (s *Server) clientTasks() int {
	n := len(s.calls)
	for _, t := range s.queue {
		if !t.beat {
			n++
		}
	}
	for _, t := range s.active {
		if !t.beat {
			n++
		}
	}
	return n
}

// idSet is a set of operation ids. Ids are the history's numbers, small
// and dense from 0, so a bit per id is cheaper than a map that every
// request grows (a negative id, which the history never makes, goes to a
// map).
type idSet struct {
	bits     []uint64
	negative map[int]bool
}

// add puts id in the set and reports whether it was new.
func (s *idSet) add(id int) bool {
	if id < 0 {
		if s.negative[id] {
			return false
		}
		if s.negative == nil {
			s.negative = map[int]bool{}
		}
		s.negative[id] = true
		return true
	}
	w, bit := id/64, uint64(1)<<(id%64)
	if w >= len(s.bits) {
		s.bits = append(s.bits, make([]uint64, w+1-len(s.bits))...)
	}
	if s.bits[w]&bit != 0 {
		return false
	}
	s.bits[w] |= bit
	return true
}
