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
	pending             map[int]Op
	last                string
	OK, Unknown, Failed int
}

var clientTimeout = kit.TimerKey[int]{Name: "timeout"}

func newClient(id string) *Client { return &Client{id: id, pending: map[int]Op{}} }

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
		c.pending[id] = op
		clientTimeout.Set(env, id, time.Duration(env.Param(ParamClientTimeout, defClientTimeout))*time.Millisecond)
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
		op, ok := c.pending[m.ID]
		if !ok {
			return
		}
		switch {
		case m.Err != "":
			c.finish(env, m.ID, nil, engine.OpFail, op.String()+" failed: "+m.Err)
		case op.Kind == opWrite:
			c.finish(env, m.ID, "ok", engine.OpOK, op.String()+" ok")
		default:
			c.finish(env, m.ID, ReadOut{Value: m.Value}, engine.OpOK, op.String()+" → "+quote(m.Value))
		}
	case engine.EvTimer:
		if id, ok := clientTimeout.Match(ev.Timer); ok {
			if op, ok := c.pending[id]; ok {
				st := engine.OpUnknown
				if op.Kind == opRead {
					st = engine.OpFail // a read that never answered changed nothing
				}
				c.finish(env, id, nil, st, op.String()+" timed out")
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

func (c *Client) finish(env engine.Env, id int, out any, st engine.OpStatus, text string) {
	delete(c.pending, id)
	clientTimeout.Cancel(env, id)
	env.Complete(id, out, st)
	switch st {
	case engine.OpOK:
		c.OK++
	case engine.OpUnknown:
		c.Unknown++
	default:
		c.Failed++
	}
	c.last = text
}

func (c *Client) View() engine.ProcessView {
	return engine.ProcessView{Role: "client", Widgets: []engine.Widget{
		engine.FieldsWidget("client",
			engine.Field{Label: "last", Value: c.last},
			engine.Field{Label: "waiting", Value: itoa(len(c.pending))},
			engine.Field{Label: "ok", Value: itoa(c.OK)},
			engine.Field{Label: "unknown", Value: itoa(c.Unknown)},
			engine.Field{Label: "failed", Value: itoa(c.Failed)}),
	}}
}
