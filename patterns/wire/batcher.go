package wire

import (
	"fmt"
	"time"

	"clusterscope/engine"
	"clusterscope/patterns/kit"
)

// Batcher is alice or bob on the Request Batch page: each operation is a
// future in her batcher's queue; the batcher sends the queue as one
// message when it holds the batch size, or when its oldest request has
// waited the linger time, whichever comes first. Each answer in the
// response names its request, and completes that request's future.
type Batcher struct {
	id     string
	queue  []queued
	sent   map[int]*sentBatch
	order  []int         // batch ids in flight, oldest first
	batch  int           // the last batch id given out
	armed  time.Duration // when the linger timer is set to fire (-1: not set)
	values int           // puts of generated values so far

	// breaches the invariants read (the first of each kind).
	sizeBreach, matchBreach, twiceBreach string
	completed                            []bool     // by request id (ids are the history's: small and dense from 0)
	last                                 lastAnswer // the last answer (shown as text)

	Messages, Requests, Completed, Refused, Resent int
	latency                                        latencies
	reqRate, msgRate, p50, p99                     []float64
	periodReqs, periodMsgs                         int
}

// queued is a request waiting in the batcher: its deadline is when it must
// be sent at the latest (enqueued + the linger time then set).
type queued struct {
	id      int
	op      Op
	at, due time.Duration
}

type sentBatch struct {
	entries []queued
	sentAt  time.Duration
}

// maxOutstanding bounds a batcher's unanswered requests (a producer's
// buffer): what a client holds is bounded, and a server that is down for
// seconds leaves fewer overlapping calls for porcupine to order.
const maxOutstanding = 32

// ErrBufferFull is the batcher's refusal of a call when it is full.
const ErrBufferFull = "BUFFER_FULL"

var (
	lingerTimer = "linger"
	batchResend = kit.TimerKey[int]{Name: "resend"}
)

func newBatcher(id string) *Batcher {
	return &Batcher{id: id, sent: map[int]*sentBatch{}, armed: -1}
}

func (c *Batcher) ValidateRequest(req engine.Request) error {
	switch req.Name {
	case opPut, opGet:
		_, err := keyArg(req.Args)
		return err
	case actBurst:
		n, err := intArg(req.Args, "count", 10, 1, maxBurst)
		if err != nil {
			return err
		}
		_, err = intArg(req.Args, "invalid", 0, 0, n)
		return err
	}
	return fmt.Errorf("unknown operation %q (use put, get or burst)", req.Name)
}

func (c *Batcher) Handle(env engine.Env, ev engine.Event) {
	switch ev.Kind {
	case engine.EvStart:
		startSampling(env)
		scheduleLoad(env)
	case engine.EvRequest:
		c.request(env, ev.Request)
	case engine.EvReceive:
		if m, ok := ev.Msg.(BatchResponse); ok {
			c.response(env, m)
		}
	case engine.EvTimer:
		if id, ok := batchResend.Match(ev.Timer); ok {
			c.resend(env, id)
			return
		}
		switch ev.Timer {
		case lingerTimer:
			c.armed = -1
			c.lingered(env)
		case loadTimer:
			c.offer(env)
			scheduleLoad(env)
		case sampleTimer:
			perSec := float64(time.Second / samplePeriod)
			c.reqRate = push(c.reqRate, float64(c.periodReqs)*perSec)
			c.msgRate = push(c.msgRate, float64(c.periodMsgs)*perSec)
			p50, p99 := c.latency.percentiles(env.Now() - time.Second)
			c.p50, c.p99 = push(c.p50, p50), push(c.p99, p99)
			c.periodReqs, c.periodMsgs = 0, 0
			env.SetTimer(sampleTimer, samplePeriod)
		}
	}
}

func (c *Batcher) request(env engine.Env, req engine.Request) {
	switch req.Name {
	case actBurst:
		n, _ := intArg(req.Args, "count", 10, 1, maxBurst)
		bad, _ := intArg(req.Args, "invalid", 0, 0, n)
		for i := 1; i <= n; i++ {
			k := keys[env.Rand().IntN(len(keys))]
			switch {
			case i == bad:
				c.enqueue(env, Op{Kind: opPut, Key: k})
			case env.Rand().IntN(3) == 0:
				c.enqueue(env, Op{Kind: opGet, Key: k})
			default:
				c.enqueue(env, Op{Kind: opPut, Key: k, Value: c.nextValue()})
			}
		}
	case opPut:
		k, _ := keyArg(req.Args)
		c.enqueue(env, Op{Kind: opPut, Key: k, Value: req.Args["value"]})
	case opGet:
		k, _ := keyArg(req.Args)
		c.enqueue(env, Op{Kind: opGet, Key: k})
	}
}

// keys are what bursts and the offered load write and read. Eight keys
// keep porcupine quick: it checks each key's history apart, and a server
// down for seconds leaves every request of that time overlapping.
var keys = []string{"x", "y", "z", "u", "v", "w", "s", "t"}

// nextValue is a value no other put of this client wrote: its initial and
// a counter.
func (c *Batcher) nextValue() string {
	c.values++
	return c.id[:1] + itoa(c.values)
}

// offer is one request of the offered load: a put or a get of a random key.
func (c *Batcher) offer(env engine.Env) {
	if !offering(env) {
		return
	}
	k := keys[env.Rand().IntN(len(keys))]
	if env.Rand().IntN(2) == 0 {
		c.enqueue(env, Op{Kind: opGet, Key: k})
		return
	}
	c.enqueue(env, Op{Kind: opPut, Key: k, Value: c.nextValue()})
}

// enqueue starts the operation's future and adds it to the batch being
// built; a full batch goes at once.
func (c *Batcher) enqueue(env engine.Env, op Op) {
	now := env.Now()
	id := env.Invoke(op)
	if c.waiting() >= maxOutstanding {
		// The batcher's buffer is full (the server is slow or away): the
		// call fails at once rather than waiting without bound.
		env.Complete(id, Result{Req: id, Err: ErrBufferFull}, engine.OpFail)
		c.Refused++
		engine.Notef(env, "%s's batcher holds %d unanswered requests: it refuses %s (%s)", engine.S(c.id), engine.D(maxOutstanding), engine.S(op.String()), engine.S(ErrBufferFull))
		return
	}
	linger := time.Duration(env.Param(ParamLinger, defLinger)) * time.Millisecond
	c.queue = append(c.queue, queued{id: id, op: op, at: now, due: now + linger})
	if len(c.queue) >= env.Param(ParamBatch, defBatch) {
		c.flush(env, "full")
	}
	c.armLinger(env)
}

// armLinger sets the linger timer for the oldest waiting request. Without
// a linger (the broken variant) only a full batch is ever sent.
func (c *Batcher) armLinger(env engine.Env) {
	if len(c.queue) == 0 {
		env.CancelTimer(lingerTimer)
		c.armed = -1
		return
	}
	if env.Variant(VarNoLinger) {
		return
	}
	due := c.queue[0].due
	if c.armed == due {
		return
	}
	c.armed = due
	env.SetTimer(lingerTimer, max(due-env.Now(), 0))
}

// lingered: the oldest request has waited its linger time; what is queued
// goes now, full or not.
func (c *Batcher) lingered(env engine.Env) {
	for len(c.queue) > 0 && c.queue[0].due <= env.Now() {
		c.flush(env, "linger")
	}
	c.armLinger(env)
}

// flush sends up to a batch's worth of the queue, oldest first.
func (c *Batcher) flush(env engine.Env, why string) {
	max := env.Param(ParamBatch, defBatch)
	for len(c.queue) > 0 {
		n := min(len(c.queue), max)
		if why == "full" && n < max {
			return
		}
		c.batch++
		b := &sentBatch{entries: append([]queued(nil), c.queue[:n]...), sentAt: env.Now()}
		// Move the rest to the front: the queue's array is reused
		// instead of enqueue growing a new one behind the sent requests.
		c.queue = append(c.queue[:0], c.queue[n:]...)
		if len(b.entries) > max && c.sizeBreach == "" {
			c.sizeBreach = fmt.Sprintf("%s sent batch %d with %d requests (max %d)", c.id, c.batch, len(b.entries), max)
		}
		c.sent[c.batch] = b
		c.order = append(c.order, c.batch)
		c.send(env, c.batch, b)
		if why != "full" {
			return
		}
	}
}

func (c *Batcher) send(env engine.Env, id int, b *sentBatch) {
	entries := make([]Entry, len(b.entries))
	for i, q := range b.entries {
		entries[i] = Entry{ID: q.id, Op: q.op}
	}
	if s := env.Members(engine.RoleNode); len(s) > 0 {
		env.Send(s[0], BatchRequest{Batch: id, Entries: entries})
	}
	c.Messages++
	c.Requests += len(entries)
	c.periodMsgs++
	c.periodReqs += len(entries)
	batchResend.Set(env, id, time.Duration(env.Param(ParamResend, defResend))*time.Millisecond)
}

// resend: no answer to the batch in time, so it goes again whole; the
// server answers a request it applied before from its saved results.
func (c *Batcher) resend(env engine.Env, id int) {
	b, ok := c.sent[id]
	if !ok {
		return
	}
	c.Resent++
	engine.Notef(env, "%s: no answer to batch %d within %d ms: sends it again", engine.S(c.id), engine.D(id), engine.D(env.Param(ParamResend, defResend)))
	c.send(env, id, b)
}

func (c *Batcher) response(env engine.Env, m BatchResponse) {
	b, ok := c.sent[m.Batch]
	if !ok {
		return // a second answer to a resent batch
	}
	delete(c.sent, m.Batch)
	for i, id := range c.order {
		if id == m.Batch {
			c.order = append(c.order[:i], c.order[i+1:]...)
			break
		}
	}
	batchResend.Cancel(env, m.Batch)
	if env.Variant(VarByPosition) {
		// The i-th answer is taken for the i-th request, refusals after
		// the successes: the answers' ids are never looked at.
		all := append(append([]Result(nil), m.Results...), m.Errors...)
		for i, q := range b.entries {
			if i < len(all) {
				c.complete(env, q, all[i])
			}
		}
		return
	}
	byID := make(map[int]Result, len(m.Results)+len(m.Errors))
	for _, r := range m.Results {
		byID[r.Req] = r
	}
	for _, r := range m.Errors {
		byID[r.Req] = r
	}
	for _, q := range b.entries {
		if r, ok := byID[q.id]; ok {
			c.complete(env, q, r)
		}
	}
}

// complete resolves one future with the answer it was given.
func (c *Batcher) complete(env engine.Env, q queued, r Result) {
	if r.Req != q.id && c.matchBreach == "" {
		c.matchBreach = fmt.Sprintf("%s's request %d (%s) was completed with the answer to request %d (%s)", c.id, q.id, q.op, r.Req, r)
	}
	if q.id >= len(c.completed) {
		c.completed = append(c.completed, make([]bool, q.id+1-len(c.completed))...)
	}
	if c.completed[q.id] && c.twiceBreach == "" {
		c.twiceBreach = fmt.Sprintf("%s's request %d (%s) was completed twice", c.id, q.id, q.op)
	}
	c.completed[q.id] = true
	st := engine.OpOK
	if !r.OK {
		st = engine.OpFail
		c.Refused++
		engine.Notef(env, "%s: request %d (%s) failed: %s", engine.S(c.id), engine.D(q.id), engine.S(q.op.String()), engine.S(r.Err))
	}
	env.Complete(q.id, r, st)
	c.last = lastAnswer{op: q.op, result: r, set: true}
	c.Completed++
	c.latency.add(env.Now(), env.Now()-q.at)
}

// waiting is how many futures are not completed yet.
func (c *Batcher) waiting() int {
	n := len(c.queue)
	for _, b := range c.sent {
		n += len(b.entries)
	}
	return n
}

// oldestCall is when the oldest unanswered call was made (waiting() > 0).
func (c *Batcher) oldestCall() time.Duration {
	oldest := time.Duration(-1)
	for _, b := range c.sent {
		if len(b.entries) > 0 && (oldest < 0 || b.entries[0].at < oldest) {
			oldest = b.entries[0].at
		}
	}
	if len(c.queue) > 0 && (oldest < 0 || c.queue[0].at < oldest) {
		oldest = c.queue[0].at
	}
	return max(oldest, 0)
}

// lastAnswer is a batcher's last answer, kept as it came: its text is
// built when a view or a fact shows it, not at every completion.
type lastAnswer struct {
	op     Op
	result Result
	set    bool
}

func (a lastAnswer) String() string {
	if !a.set {
		return ""
	}
	return a.op.String() + " → " + a.result.String()
}
