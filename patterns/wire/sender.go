package wire

import (
	"fmt"
	"strconv"
	"time"

	"clusterscope/engine"
	"clusterscope/patterns/kit"
)

// Sender is alice on the Request Pipeline page: she sends her requests to
// athens in one ordered stream, several at a time but never more than the
// window (max in flight). A request beyond it waits in her outbox: the
// application is blocked until a response frees a slot (backpressure).
// Each request carries its sequence number and the one before it; when
// athens rejects one as out of order, she resends from the one it expects,
// and when nothing comes back for a while, everything still in flight.
type Sender struct {
	id         string
	seq        int       // the last sequence number given out
	outbox     []pending // waiting for a slot in the window
	flight     []pending // sent, not answered, by sequence number
	rewound    int       // the sequence number last resent from after a rejection (0: none)
	lastWindow int       // the window at the last send, for the gauge
	value      int       // the last value written

	// overSent is the first send past the window (the invariant reads it).
	overSent string

	Completed, Resent, Rejections, Messages int
	latency                                 latencies
	throughput, latencyMs                   []float64
	done                                    int // completed in the current sample period
}

type pending struct {
	id     int // history id
	op     Op
	called time.Duration
}

const resendTimer = "resend"

// maxBurst bounds a burst: what a visitor sends is bounded.
const maxBurst = 50

func newSender(id string) *Sender { return &Sender{id: id} }

func (c *Sender) ValidateRequest(req engine.Request) error {
	switch req.Name {
	case opPut:
		if _, err := keyArg(req.Args); err != nil {
			return err
		}
	case opGet:
		if _, err := keyArg(req.Args); err != nil {
			return err
		}
	case actBurst:
		if _, err := intArg(req.Args, "count", 5, 1, maxBurst); err != nil {
			return err
		}
	default:
		return fmt.Errorf("unknown operation %q (use put, get or burst)", req.Name)
	}
	return nil
}

func (c *Sender) Handle(env engine.Env, ev engine.Event) {
	switch ev.Kind {
	case engine.EvStart:
		startSampling(env)
		scheduleLoad(env)
	case engine.EvRequest:
		c.request(env, ev.Request)
	case engine.EvReceive:
		if m, ok := ev.Msg.(Response); ok {
			c.response(env, m)
		}
	case engine.EvTimer:
		switch ev.Timer {
		case resendTimer:
			c.timeout(env)
		case loadTimer:
			c.offer(env)
			scheduleLoad(env)
		case sampleTimer:
			c.throughput = push(c.throughput, float64(c.done)*float64(time.Second/samplePeriod))
			c.latencyMs = push(c.latencyMs, c.latency.mean(env.Now()-time.Second))
			c.done = 0
			env.SetTimer(sampleTimer, samplePeriod)
		}
	}
}

func (c *Sender) request(env engine.Env, req engine.Request) {
	switch req.Name {
	case actBurst:
		n, _ := intArg(req.Args, "count", 5, 1, maxBurst)
		for range n {
			c.value++
			c.enqueue(env, Op{Kind: opPut, Key: "x", Value: strconv.Itoa(c.value)})
		}
	case opPut:
		k, _ := keyArg(req.Args)
		v := req.Args["value"]
		if v == "" {
			c.value++
			v = strconv.Itoa(c.value)
		}
		c.enqueue(env, Op{Kind: opPut, Key: k, Value: v})
	case opGet:
		k, _ := keyArg(req.Args)
		c.enqueue(env, Op{Kind: opGet, Key: k})
	}
	c.fill(env)
}

// offer is one write of the offered load. An application that already
// has maxBurst calls waiting makes no new one until some are answered:
// the backpressure reaches it, and alice's outbox stays bounded.
func (c *Sender) offer(env engine.Env) {
	if !offering(env) || c.waiting() >= maxBurst {
		return
	}
	c.value++
	c.enqueue(env, Op{Kind: opPut, Key: "x", Value: strconv.Itoa(c.value)})
	c.fill(env)
}

// enqueue gives the operation the next sequence number and puts it in the
// outbox: the call has begun, whether or not it can be sent yet.
func (c *Sender) enqueue(env engine.Env, op Op) {
	c.seq++
	op.Seq = c.seq
	c.outbox = append(c.outbox, pending{id: env.Invoke(op), op: op, called: env.Now()})
}

// window is the most requests the sender lets be in flight at once.
func (c *Sender) window(env engine.Env) int {
	if env.Variant(VarUnboundedWindow) {
		return maxBurst * 1000
	}
	return env.Param(ParamWindow, defWindow)
}

// fill sends from the outbox while the window has room: fewer than the
// window in flight, and none a window or more past the oldest unanswered.
func (c *Sender) fill(env engine.Env) {
	c.lastWindow = env.Param(ParamWindow, defWindow)
	wasIdle := len(c.flight) == 0
	for len(c.outbox) > 0 && c.outbox[0].op.Seq < c.base()+c.window(env) {
		if len(c.flight) >= env.Param(ParamWindow, defWindow) && c.overSent == "" {
			c.overSent = fmt.Sprintf("%s sent %s with %d requests already in flight (window %d)", c.id, c.outbox[0].op, len(c.flight), env.Param(ParamWindow, defWindow))
		}
		var p pending
		p, c.outbox = kit.PopFront(c.outbox)
		c.flight = append(c.flight, p)
		c.send(env, p)
	}
	if wasIdle && len(c.flight) > 0 {
		c.armResend(env)
	}
}

// base is the oldest sequence number not yet answered: the window slides
// from it, so a request is never sent a window or more past a request
// still unanswered (athens keeps its last results that far back, to
// answer a resent request again).
func (c *Sender) base() int {
	if len(c.flight) > 0 {
		return c.flight[0].op.Seq
	}
	if len(c.outbox) > 0 {
		return c.outbox[0].op.Seq
	}
	return c.seq + 1
}

func (c *Sender) send(env engine.Env, p pending) {
	c.Messages++
	env.Send(c.server(env), Request{Seq: p.op.Seq, Prev: p.op.Seq - 1, ID: p.id, Op: p.op})
}

func (c *Sender) server(env engine.Env) string {
	if s := env.Members(engine.RoleNode); len(s) > 0 {
		return s[0]
	}
	return ""
}

func (c *Sender) armResend(env engine.Env) {
	env.SetTimer(resendTimer, time.Duration(env.Param(ParamResend, defResend))*time.Millisecond)
}

func (c *Sender) response(env engine.Env, m Response) {
	if m.Status == RespRejected {
		c.rejected(env, m)
		return
	}
	i := c.inFlight(m.Seq)
	if i < 0 {
		return // answered already
	}
	p := c.flight[i]
	c.flight = append(c.flight[:i], c.flight[i+1:]...)
	if m.Seq == c.rewound {
		c.rewound = 0
	}
	env.Complete(p.id, m.Result, engine.OpOK)
	c.Completed++
	c.done++
	c.latency.add(env.Now(), env.Now()-p.called)
	if len(c.flight) == 0 {
		env.CancelTimer(resendTimer)
	} else if i == 0 {
		c.armResend(env)
	}
	c.fill(env)
}

func (c *Sender) inFlight(seq int) int {
	for i, p := range c.flight {
		if p.op.Seq == seq {
			return i
		}
	}
	return -1
}

// rejected: the server expects an earlier request, so that one (and all
// after it) must go again, in order. Several rejections name the same
// missing request; it is resent once for them all.
func (c *Sender) rejected(env engine.Env, m Response) {
	c.Rejections++
	from := c.inFlight(m.Expected)
	if from < 0 || c.rewound == m.Expected {
		return
	}
	c.rewound = m.Expected
	engine.Notef(env, "%s: athens expects #%d, so %s resends from #%d (%d requests)", engine.S(c.id), engine.D(m.Expected), engine.S(c.id), engine.D(m.Expected), engine.D(len(c.flight)-from))
	c.resendFrom(env, from)
}

// timeout: nothing was answered for a while; whatever is in flight may be
// lost, so all of it goes again.
func (c *Sender) timeout(env engine.Env) {
	if len(c.flight) == 0 {
		return
	}
	engine.Notef(env, "%s: no answer to #%d within %d ms: resends everything in flight (%d)", engine.S(c.id), engine.D(c.flight[0].op.Seq), engine.D(env.Param(ParamResend, defResend)), engine.D(len(c.flight)))
	c.rewound = 0
	c.resendFrom(env, 0)
}

func (c *Sender) resendFrom(env engine.Env, from int) {
	for _, p := range c.flight[from:] {
		c.Resent++
		c.send(env, p)
	}
	c.armResend(env)
}

// waiting is how many operations are started and not answered.
func (c *Sender) waiting() int { return len(c.outbox) + len(c.flight) }

// oldestCall is when the oldest unanswered call was made (waiting() > 0).
func (c *Sender) oldestCall() time.Duration {
	if len(c.flight) > 0 {
		return c.flight[0].called
	}
	if len(c.outbox) > 0 {
		return c.outbox[0].called
	}
	return 0
}
