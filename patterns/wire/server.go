package wire

import (
	"time"

	"clusterscope/engine"
	"clusterscope/patterns/kit"
)

// Server is athens, a key-value store with one thread and a bounded
// receive queue: a message waits in the queue, then costs the thread a
// fixed time per message plus a time per request inside it (decoding,
// a system call, a reply), which is what batching amortises. A full queue
// drops what arrives. What it applied is logged on its disk and replayed
// at a restart, so a crash loses no acknowledged request and no sequence
// number.
type Server struct {
	id    string
	store map[string]string
	// sessions are the pipelined senders: what each applied, in order.
	sessions map[string]*session
	// done holds every batched request's result by id: a resent batch
	// gets the same answers, and nothing is applied twice.
	done resultsByID

	queue   []arrival
	serving bool
	cap     int

	// breaches the invariants read (the first of each kind).
	orderBreach, twiceBreach string

	Applied, Dropped, Rejected, Duplicates int
	Messages, Requests                     int
	peak                                   int
	depths                                 []float64
}

// session is one pipelined sender as the server knows it: every sequence
// number below next is applied; ahead holds those applied past a gap
// (only without the order check); recent keeps the last results by
// sequence number, to answer a resent request again.
type session struct {
	next   int
	ahead  map[int]bool
	recent map[int]Result
}

type arrival struct {
	from string
	msg  engine.Message
}

// logged is one applied request in the server's log.
type logged struct {
	From   string
	Seq    int
	ID     int
	Op     Op
	Result Result
}

var serverLog kit.DiskLog[logged]

const (
	serveTimer  = "serve"
	sampleTimer = "sample"
	// samplePeriod is how often the charts take a point; chartPoints how
	// many they keep (6 s).
	samplePeriod = 100 * time.Millisecond
	chartPoints  = 60
	// recentResults bounds a session's saved results: the largest window,
	// so any request still in flight can be answered again.
	recentResults = maxWindow
)

func newServer(id string) *Server { return &Server{id: id} }

func (s *Server) Handle(env engine.Env, ev engine.Event) {
	switch ev.Kind {
	case engine.EvStart:
		s.recover(env)
		startSampling(env)
	case engine.EvReceive:
		switch ev.Msg.(type) {
		case Request, BatchRequest:
			s.arrive(env, ev.From, ev.Msg)
		}
	case engine.EvTimer:
		switch ev.Timer {
		case serveTimer:
			s.serveHead(env)
		case sampleTimer:
			s.depths = push(s.depths, float64(s.peak))
			s.peak = len(s.queue)
			env.SetTimer(sampleTimer, samplePeriod)
		}
	}
}

// recover rebuilds the store and the sessions from the log; the queue and
// whatever was being served are gone with the crash.
func (s *Server) recover(env engine.Env) {
	s.store, s.sessions, s.done = map[string]string{}, map[string]*session{}, resultsByID{}
	s.queue, s.serving = nil, false
	s.cap = env.Param(ParamQueue, defQueue)
	for _, e := range env.Storage().Log() {
		s.replay(e.(logged))
	}
}

func (s *Server) replay(e logged) {
	if e.Op.Kind == opPut && e.Result.OK {
		s.store[e.Op.Key] = e.Op.Value
	}
	if e.Seq == 0 {
		s.done.put(e.ID, e.Result)
		return
	}
	ss := s.session(e.From)
	ss.remember(e.Seq, e.Result)
	if e.Seq == ss.next {
		ss.next++
		for ss.ahead[ss.next] {
			delete(ss.ahead, ss.next)
			ss.next++
		}
	} else {
		ss.ahead[e.Seq] = true
	}
}

// resultsByID are results by request id. The ids are history ids, dense
// from 0, so a slice holds them (a map of every result, grown all run
// long, spent more on growing than on finding); any other id goes in a
// map.
type resultsByID struct {
	dense []Result
	has   []bool
	other map[int]Result
}

// maxDenseID bounds the ids the slice holds.
const maxDenseID = 1 << 20

func (d *resultsByID) get(id int) (Result, bool) {
	if id >= 0 && id < maxDenseID {
		if id < len(d.has) && d.has[id] {
			return d.dense[id], true
		}
		return Result{}, false
	}
	r, ok := d.other[id]
	return r, ok
}

func (d *resultsByID) put(id int, r Result) {
	if id >= 0 && id < maxDenseID {
		for len(d.has) <= id {
			d.dense, d.has = append(d.dense, Result{}), append(d.has, false)
		}
		d.dense[id], d.has[id] = r, true
		return
	}
	if d.other == nil {
		d.other = map[int]Result{}
	}
	d.other[id] = r
}

func (s *Server) session(from string) *session {
	ss := s.sessions[from]
	if ss == nil {
		ss = &session{next: 1, ahead: map[int]bool{}, recent: map[int]Result{}}
		s.sessions[from] = ss
	}
	return ss
}

func (ss *session) remember(seq int, r Result) {
	ss.recent[seq] = r
	delete(ss.recent, seq-recentResults)
}

func (ss *session) applied(seq int) bool { return seq < ss.next || ss.ahead[seq] }

func (s *Server) arrive(env engine.Env, from string, m engine.Message) {
	s.cap = env.Param(ParamQueue, defQueue)
	if len(s.queue) >= s.cap {
		s.Dropped++
		engine.Notef(env, "%s's receive queue is full (%d waiting): it drops %s from %s", engine.S(s.id), engine.D(len(s.queue)), engine.S(summary(m)), engine.S(from))
		return
	}
	s.queue = append(s.queue, arrival{from: from, msg: m})
	s.peak = max(s.peak, len(s.queue))
	if !s.serving {
		s.startServing(env)
	}
}

// startServing puts the thread to work on the message at the head of the
// queue; it is handled when the work is done.
func (s *Server) startServing(env engine.Env) {
	n := 1
	if b, ok := s.queue[0].msg.(BatchRequest); ok {
		n = len(b.Entries)
	}
	cost := env.Param(ParamMessageCost, defMessageCost) + n*env.Param(ParamRequestCost, defRequestCost)
	s.serving = true
	env.SetTimer(serveTimer, time.Duration(cost)*time.Microsecond)
}

func (s *Server) serveHead(env engine.Env) {
	if len(s.queue) == 0 {
		s.serving = false
		return
	}
	var a arrival
	a, s.queue = kit.PopFront(s.queue)
	s.Messages++
	switch m := a.msg.(type) {
	case Request:
		s.Requests++
		env.Send(a.from, s.pipelined(env, a.from, m))
	case BatchRequest:
		s.Requests += len(m.Entries)
		env.Send(a.from, s.batch(env, a.from, m))
	}
	env.Storage().Sync()
	s.serving = false
	if len(s.queue) > 0 {
		s.startServing(env)
	}
}

// pipelined handles one request of a sender's stream. With the order
// check it applies only the request that comes next; without it, any
// request it has not applied yet.
func (s *Server) pipelined(env engine.Env, from string, m Request) Response {
	ss := s.session(from)
	if ss.applied(m.Seq) {
		s.Duplicates++
		r, ok := ss.recent[m.Seq]
		if !ok {
			r = Result{Req: m.ID, OK: true} // older than any request still in flight
		}
		return Response{Seq: m.Seq, Status: RespDuplicate, Result: r}
	}
	if !env.Variant(VarNoOrderCheck) && m.Prev != ss.next-1 {
		s.Rejected++
		engine.Notef(env, "%s rejects %s's #%d: it comes after #%d, but #%d is the last applied (expects #%d)", engine.S(s.id), engine.S(from), engine.D(m.Seq), engine.D(m.Prev), engine.D(ss.next-1), engine.D(ss.next))
		return Response{Seq: m.Seq, Status: RespRejected, Expected: ss.next}
	}
	if m.Seq != ss.next && s.orderBreach == "" {
		s.orderBreach = s.id + " applied " + from + "'s #" + itoa(m.Seq) + " while #" + itoa(ss.next) + " was still missing"
	}
	r := s.apply(env, from, m.Seq, m.ID, m.Op)
	return Response{Seq: m.Seq, Status: RespOK, Result: r}
}

// batch handles every request of a batch exactly as it would a single one,
// in order; a refused request fails alone.
func (s *Server) batch(env engine.Env, from string, m BatchRequest) BatchResponse {
	resp := BatchResponse{Batch: m.Batch}
	for _, e := range m.Entries {
		r, ok := s.done.get(e.ID)
		if !ok {
			r = s.apply(env, from, 0, e.ID, e.Op)
		}
		if r.OK {
			// Made at the first result with room for the whole batch
			// (and nil while there is none, as it always was).
			if resp.Results == nil {
				resp.Results = make([]Result, 0, len(m.Entries))
			}
			resp.Results = append(resp.Results, r)
		} else {
			resp.Errors = append(resp.Errors, r)
		}
	}
	return resp
}

// apply validates and runs one request and logs it (durable when the
// message is done).
func (s *Server) apply(env engine.Env, from string, seq, id int, op Op) Result {
	r := Result{Req: id, OK: true}
	switch {
	case op.Kind == opPut && op.Value == "":
		r = Result{Req: id, Err: ErrInvalid}
		engine.Notef(env, "%s refuses %s's %s: %s (only this request fails)", engine.S(s.id), engine.S(from), engine.S(op.String()), engine.S(ErrInvalid))
	case op.Kind == opGet:
		r.Value = s.store[op.Key]
	}
	if seq > 0 {
		if ss := s.session(from); ss.applied(seq) && s.twiceBreach == "" {
			s.twiceBreach = s.id + " applied " + from + "'s #" + itoa(seq) + " a second time"
		}
	} else if _, again := s.done.get(id); again && s.twiceBreach == "" {
		s.twiceBreach = s.id + " applied request " + itoa(id) + " a second time"
	}
	e := logged{From: from, Seq: seq, ID: id, Op: op, Result: r}
	serverLog.Append(env.Storage(), e)
	s.replay(e)
	if r.OK {
		s.Applied++
	}
	return r
}

// push appends v to a chart's points, keeping the last chartPoints.
func push(points []float64, v float64) []float64 {
	if len(points) == chartPoints {
		copy(points, points[1:])
		points = points[:chartPoints-1]
	}
	return append(points, v)
}
