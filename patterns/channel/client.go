package channel

import (
	"errors"
	"fmt"
	"time"

	"clusterscope/engine"
	"clusterscope/patterns/kit"
)

func errorf(format string, args ...any) error { return fmt.Errorf(format, args...) }

// Client is alice or bob: writes go to athens, reads name the follower
// that must answer them (through athens, which tells it how far the log
// reached). No answer within the client timeout: a write's outcome is
// unknown, a read failed.
type Client struct {
	id                  string
	pending             map[int]pendingOp
	last                outcome
	OK, Unknown, Failed int
}

var clientTimeout = kit.TimerKey[int]{Name: "timeout"}

// pendingOp is an operation waiting for its answer, with its timeout
// timer's name (made once: it is set and then cancelled).
type pendingOp struct {
	op    Op
	timer string
}

// outcome is the client's last outcome, kept in parts: its text (the
// operation, then what happened) is built only when it is shown.
type outcome struct {
	op           Op
	what, detail string // e.g. " failed: " and the error
}

func (o outcome) String() string {
	if o.what == "" {
		return ""
	}
	return o.op.String() + o.what + o.detail
}

func newClient(id string) *Client { return &Client{id: id, pending: map[int]pendingOp{}} }

// maxPending bounds a client's operations in flight.
const maxPending = 32

func (c *Client) ValidateRequest(req engine.Request) error {
	key := req.Args["key"]
	if key == "" {
		return errors.New("which key? (key is empty)")
	}
	if len(key) > 16 || len(req.Args["value"]) > 32 {
		return errors.New("keep keys within 16 characters and values within 32")
	}
	switch req.Name {
	case opWrite:
		if req.Args["value"] == "" {
			return errors.New("write which value? (value is empty)")
		}
	case opRead:
		if req.Args["at"] == "" {
			return errors.New("read at which follower? (at is empty)")
		}
	default:
		return fmt.Errorf("unknown client operation %q (use write or read)", req.Name)
	}
	if len(c.pending) >= maxPending {
		return fmt.Errorf("%s already waits for %d answers", c.id, maxPending)
	}
	return nil
}

func (c *Client) Handle(env engine.Env, ev engine.Event) {
	switch ev.Kind {
	case engine.EvRequest:
		a := ev.Request.Args
		op := Op{Kind: ev.Request.Name, Key: a["key"], Value: a["value"], At: a["at"]}
		if op.Kind == opRead {
			op.Value = ""
		}
		servers := env.Members(roleLeader)
		if len(servers) == 0 {
			return
		}
		id := env.Invoke(op)
		timer := clientTimeout.For(id)
		c.pending[id] = pendingOp{op: op, timer: timer}
		env.SetTimer(timer, time.Duration(env.Param(ParamClientTimeout, defClientTimeout))*time.Millisecond)
		if op.Kind == opWrite {
			env.Send(servers[0], Write{ID: id, Key: op.Key, Value: op.Value})
		} else {
			env.Send(servers[0], Read{ID: id, Key: op.Key, At: op.At})
		}
	case engine.EvReceive:
		m, ok := ev.Msg.(Reply)
		if !ok {
			return
		}
		p, ok := c.pending[m.ID]
		if !ok {
			return
		}
		switch {
		case m.Err != "":
			c.finish(env, m.ID, nil, engine.OpFail, outcome{p.op, " failed: ", m.Err})
		case p.op.Kind == opWrite:
			c.finish(env, m.ID, "ok", engine.OpOK, outcome{p.op, " ok", ""})
		default:
			c.finish(env, m.ID, ReadOut{Value: m.Value}, engine.OpOK, outcome{p.op, " → ", quote(m.Value)})
		}
	case engine.EvTimer:
		if id, ok := clientTimeout.Match(ev.Timer); ok {
			if p, ok := c.pending[id]; ok {
				st := engine.OpUnknown
				if p.op.Kind == opRead {
					st = engine.OpFail // a read that never answered changed nothing
				}
				c.finish(env, id, nil, st, outcome{p.op, " timed out", ""})
			}
		}
	}
}

func quote(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

// finish completes operation id (pending); shown is its outcome for the view.
func (c *Client) finish(env engine.Env, id int, out any, st engine.OpStatus, shown outcome) {
	p := c.pending[id]
	delete(c.pending, id)
	env.CancelTimer(p.timer)
	env.Complete(id, out, st)
	switch st {
	case engine.OpOK:
		c.OK++
	case engine.OpUnknown:
		c.Unknown++
	default:
		c.Failed++
	}
	c.last = shown
}

func (c *Client) View() engine.ProcessView {
	return engine.ProcessView{Role: "client", Widgets: []engine.Widget{
		engine.FieldsWidget("client",
			engine.Field{Label: "last", Value: c.last.String()},
			engine.Field{Label: "waiting", Value: itoa(len(c.pending))},
			engine.Field{Label: "ok", Value: itoa(c.OK)},
			engine.Field{Label: "unknown", Value: itoa(c.Unknown)},
			engine.Field{Label: "failed", Value: itoa(c.Failed)}),
	}}
}
