package replog

import (
	"errors"
	"fmt"
	"strconv"
	"time"

	"clusterscope/engine"
	"clusterscope/patterns/kit"
)

// SessionInput is a client operation of the Idempotent Receiver page as
// the history records it: opening a session, or incrementing a counter
// within session Session.
type SessionInput struct {
	Op      string `json:"op"` // "register" or "incr"
	Counter string `json:"counter,omitempty"`
	Session int    `json:"session,omitempty"`
}

func (in SessionInput) String() string {
	if in.Op == opRegister {
		return "register"
	}
	return in.Counter + "++ (s" + strconv.Itoa(in.Session) + ")"
}

// SessionOutput is a completed operation's result: the counter's new
// value, or the session opened.
type SessionOutput struct {
	Value   int `json:"value,omitempty"`
	Session int `json:"session,omitempty"`
}

func (out SessionOutput) String() string {
	if out.Session != 0 {
		return "session " + strconv.Itoa(out.Session)
	}
	return strconv.Itoa(out.Value)
}

// maxQueued bounds the increments a client holds while it opens a session.
const maxQueued = 16

// maxCounterName bounds a counter's name.
const maxCounterName = 16

const timerClientBeat = "session-heartbeat"

// SessionClient opens a session with the cluster (at its first
// request, and again at the first after its session expired), then sends each
// increment as (session, request number, ackedUpTo); the request number
// is the operation's id, and every retry (after a lost reply, at another
// server) keeps it. It heartbeats every quarter of the session TTL. An
// expired session ends its requests with an unknown outcome and the
// client opens a new one.
type SessionClient struct {
	id          string
	rc          kit.RetryingClient[SessionInput]
	session     int
	registerID  int // the registration in flight (registering)
	registering bool
	queued      []string // counters asked for before the session was open
	doneUpTo    int      // the highest request of this session answered
	beatTo      string   // the leader that acknowledged the last heartbeat
	beatAcked   bool
	expired     int // requests refused with SessionExpired
}

func newSessionClient(id string) *SessionClient {
	c := &SessionClient{id: id}
	c.rc.Config = kit.ClientConfig[SessionInput]{
		Targeting: kit.TargetLeader,
		Timeout:   func(env engine.Env) time.Duration { return ms(env.Param(ParamClientTimeout, defClientTimeout)) },
		MaxTries:  maxTries,
		RetryWait: retryWait,
		Request: func(id int, in SessionInput) engine.Message {
			if in.Op == opRegister {
				return RegisterClient{ID: id}
			}
			return SessionRequest{Session: in.Session, ReqNo: id, AckedUpTo: c.ackedUpTo(in.Session), Counter: in.Counter}
		},
		// An earlier try may have run: the outcome is unknown.
		GiveUp: func(SessionInput) engine.OpStatus { return engine.OpUnknown },
	}
	return c
}

// ackedUpTo is the request number below which the client holds every
// answer of session s: one below its oldest request still waiting.
func (c *SessionClient) ackedUpTo(s int) int {
	for _, w := range c.rc.Pending() { // oldest first
		if w.Value.In.Op == opIncr && w.Value.In.Session == s {
			return w.Value.ID - 1
		}
	}
	return c.doneUpTo
}

// ValidateRequest accepts "increment" with a short counter name.
func (c *SessionClient) ValidateRequest(req engine.Request) error {
	if req.Name != "increment" {
		return fmt.Errorf("unknown client operation %q (use increment)", req.Name)
	}
	if k, ok := req.Args["counter"]; ok && (k == "" || len(k) > maxCounterName) {
		return fmt.Errorf("counter name must be 1 to %d characters", maxCounterName)
	}
	if node := req.Args["node"]; node != "" && c.rc.Servers() != nil && !contains(c.rc.Servers(), node) {
		return fmt.Errorf("no server called %q", node)
	}
	if len(c.queued) >= maxQueued {
		return errors.New(c.id + " already holds " + strconv.Itoa(maxQueued) + " increments until its session opens")
	}
	return nil
}

// Handle is the client's state machine.
func (c *SessionClient) Handle(env engine.Env, ev engine.Event) {
	switch ev.Kind {
	case engine.EvStart:
		c.rc.Start(env) // the session opens with the first request
	case engine.EvRequest:
		counter := ev.Request.Args["counter"]
		if counter == "" {
			counter = "c"
		}
		if c.session == 0 {
			c.queued = append(c.queued, counter)
			c.register(env)
			return
		}
		c.rc.Invoke(env, SessionInput{Op: opIncr, Counter: counter, Session: c.session}, ev.Request.Args["node"])
	case engine.EvReceive:
		c.receive(env, ev.From, ev.Msg)
	case engine.EvTimer:
		if ev.Timer == timerClientBeat {
			c.beat(env)
			return
		}
		c.rc.Timer(env, ev.Timer)
	}
	c.reregister(env)
}

// reregister opens a session again when the registration in flight ended
// without one (it timed out, or nobody led).
func (c *SessionClient) reregister(env engine.Env) {
	if _, ok := c.rc.Get(c.registerID); c.registering && !ok && c.session == 0 {
		c.registering = false
		c.register(env)
	}
}

func (c *SessionClient) register(env engine.Env) {
	if c.registering {
		return
	}
	c.registering = true
	c.rc.Invoke(env, SessionInput{Op: opRegister}, "")
	c.registerID = c.rc.Pending()[len(c.rc.Pending())-1].Value.ID
}

func (c *SessionClient) receive(env engine.Env, from string, msg engine.Message) {
	switch m := msg.(type) {
	case RegisterClientResponse:
		if _, ok := c.rc.Get(m.ID); !ok {
			return
		}
		c.rc.Answer(env, from, m.ID, SessionOutput{Session: m.Session}, "session "+itoa(m.Session))
		c.registering, c.session, c.doneUpTo = false, m.Session, 0
		c.beatTo, c.beatAcked = from, true
		env.SetTimer(timerClientBeat, c.beatEvery(env))
		for _, counter := range c.queued {
			c.rc.Invoke(env, SessionInput{Op: opIncr, Counter: counter, Session: c.session}, "")
		}
		c.queued = c.queued[:0]
	case ClientResponse:
		op, ok := c.rc.Get(m.ReqNo)
		switch {
		case !ok:
			return // already answered (a duplicate) or given up
		case m.NotLeader:
			c.rc.Refused(env, from, m.ReqNo, m.Hint)
			return
		case m.Expired:
			c.expired++
			c.rc.End(env, from, m.ReqNo, engine.OpUnknown, "SessionExpired: ran once or never")
			if op.In.Session == c.session {
				c.session = 0 // the next request opens a new one
				env.CancelTimer(timerClientBeat)
			}
			return
		}
		c.rc.Answer(env, from, m.ReqNo, SessionOutput{Value: counterValue(m.Value)}, m.Value)
		if op.In.Session == c.session {
			c.doneUpTo = max(c.doneUpTo, m.ReqNo)
		}
	case HeartbeatAck:
		c.beatTo, c.beatAcked = from, true
	}
}

// beat sends a heartbeat to the leader that acknowledged the last one,
// or to every server when none did.
func (c *SessionClient) beat(env engine.Env) {
	if c.session == 0 {
		return
	}
	if c.beatAcked && c.beatTo != "" {
		env.Send(c.beatTo, ClientHeartbeat{Session: c.session})
	} else {
		for _, s := range c.rc.Servers() {
			env.Send(s, ClientHeartbeat{Session: c.session})
		}
	}
	c.beatAcked = false
	env.SetTimer(timerClientBeat, c.beatEvery(env))
}

func (c *SessionClient) beatEvery(env engine.Env) time.Duration {
	return ms(env.Param(ParamSessionTTL, defSessionTTL)) / 4
}

// View shows the client's session, its pending requests and last results.
func (c *SessionClient) View() engine.ProcessView {
	session := "none"
	switch {
	case c.session != 0:
		session = itoa(c.session)
	case c.registering:
		session = "registering…"
	}
	w := []engine.Widget{engine.FieldsWidget("session",
		engine.Field{Label: "session id", Value: session},
		engine.Field{Label: "ackedUpTo", Value: itoa(c.ackedUpTo(c.session))},
		engine.Field{Label: "refused: session expired", Value: itoa(c.expired)},
	)}
	return engine.ProcessView{Role: "client", Widgets: append(w, c.rc.Widgets()...)}
}
