package clockbound

import (
	"fmt"
	"slices"
	"strconv"
	"time"

	"clusterscope/engine"
	"clusterscope/patterns/kit"
)

// Client is philip (who writes), alice or bob (who read). Besides the
// store it has a telephone: a client that read a key can call another
// and tell what it read; the callee may then read it itself.
type Client struct {
	id      string
	clients []string
	rc      kit.RetryingClient[Op]
	heard   map[string]string // what callers told it, key by key
	read    map[string]string // what it last read, key by key
	Calls   int
	seen    time.Duration // the highest stamp it has been told of
	badge   string        // its last outcome, short: the value read, or the write's stamp
}

const (
	noCall        = "none" // a write's tell: no call once it is acknowledged
	noStamp       = "no"   // a call's stamp: not passed on
	clientTimeout = time.Second
	maxKeyLen     = 32
	maxValueLen   = 64
)

func newClient(id string) *Client {
	c := &Client{id: id, heard: map[string]string{}, read: map[string]string{}}
	c.rc = kit.RetryingClient[Op]{Config: kit.ClientConfig[Op]{
		Targeting: kit.TargetAny,
		Timeout:   func(engine.Env) time.Duration { return clientTimeout },
		MaxTries:  1, // a retry elsewhere would stamp the write twice
		Request: func(id int, in Op) engine.Message {
			if in.Kind == opWrite {
				return Put{ID: id, Key: in.Key, Value: in.Value, Seen: c.seen}
			}
			return Get{ID: id, Key: in.Key, Seen: c.seen}
		},
		GiveUp: func(in Op) engine.OpStatus {
			if in.Kind == opWrite {
				return engine.OpUnknown
			}
			return engine.OpFail
		},
	}}
	return c
}

// ValidateRequest checks a write, a read or a call before the engine
// accepts it.
func (c *Client) ValidateRequest(req engine.Request) error {
	if err := kit.CheckKey(req.Args["key"], maxKeyLen); err != nil {
		return err
	}
	switch req.Name {
	case opWrite:
		if len(req.Args["value"]) > maxValueLen {
			return fmt.Errorf("value must be at most %d characters", maxValueLen)
		}
		if err := c.checkCall(req.Args["tell"], req.Args["tell-read"], true); err != nil {
			return err
		}
		return kit.CheckTarget(req.Args["node"], c.rc.Servers(), "server")
	case opRead:
		return kit.CheckTarget(req.Args["node"], c.rc.Servers(), "server")
	case opCall:
		return c.checkCall(req.Args["to"], req.Args["node"], false)
	}
	return fmt.Errorf("unknown client operation %q (use write, read or call)", req.Name)
}

// checkCall checks whom a call goes to and where the callee then reads
// ("" for no read); after a write, "" or noCall for whom means no call
// (and no read).
func (c *Client) checkCall(to, node string, optional bool) error {
	if optional && (to == "" || to == noCall) {
		return nil
	}
	if to == "" || to == c.id || (c.clients != nil && !slices.Contains(c.clients, to)) {
		return fmt.Errorf("call whom? %q is not another client (%v)", to, c.clients)
	}
	if node != "" {
		return kit.CheckTarget(node, c.rc.Servers(), "server")
	}
	return nil
}

// Handle is the client's state machine.
func (c *Client) Handle(env engine.Env, ev engine.Event) {
	switch ev.Kind {
	case engine.EvStart:
		c.rc.Start(env)
		c.clients = slices.DeleteFunc(env.Members(engine.RoleClient), func(id string) bool { return id == c.id })
	case engine.EvRequest:
		c.request(env, ev.Request)
	case engine.EvTimer:
		c.rc.Timer(env, ev.Timer)
	case engine.EvReceive:
		switch m := ev.Msg.(type) {
		case PutOk:
			c.seen = max(c.seen, m.TS)
			op, ok := c.rc.Get(m.ID)
			c.badge = "ok " + stampText(m.TS)
			c.rc.Answer(env, ev.From, m.ID, Result{TS: m.TS}, c.badge)
			if ok && op.In.Tell != "" && op.In.Tell != noCall {
				c.call(env, op.In.Tell, op.In.Key, op.In.Value, op.In.TellRead, true)
			}
		case GetOk:
			c.seen = max(c.seen, m.TS)
			if op, ok := c.rc.Get(m.ID); ok {
				c.read[op.In.Key] = m.Value
				c.badge = op.In.Key + " = " + strconv.Quote(m.Value)
			}
			res := Result{Value: m.Value, TS: m.TS, ReadTS: m.ReadTS, Read: true}
			c.rc.Answer(env, ev.From, m.ID, res, res.String())
		case PhoneCall:
			c.Calls++
			c.heard[m.Key] = m.Value
			c.seen = max(c.seen, m.Seen)
			engine.Notef(env, "%s hears from %s on the phone: %s is %s", engine.S(c.id), engine.S(ev.From), engine.S(m.Key), engine.S(strconv.Quote(m.Value)))
			if m.ThenRead != "" && slices.Contains(c.rc.Servers(), m.ThenRead) {
				c.rc.Invoke(env, Op{Kind: opRead, Key: m.Key, Node: m.ThenRead}, m.ThenRead)
			}
		}
	}
}

func (c *Client) request(env engine.Env, req engine.Request) {
	key, node := req.Args["key"], req.Args["node"]
	switch req.Name {
	case opCall:
		c.call(env, req.Args["to"], key, c.read[key], node, req.Args["stamp"] != noStamp)
	case opWrite:
		c.rc.Invoke(env, Op{Kind: opWrite, Key: key, Value: req.Args["value"], Node: node, Tell: req.Args["tell"], TellRead: req.Args["tell-read"]}, node)
	default:
		c.rc.Invoke(env, Op{Kind: opRead, Key: key, Node: node}, node)
	}
}

// call phones another client: key's value (what it read, or wrote), on
// which server the callee then reads it, and (pass) the highest stamp the
// caller has seen, which a hybrid-stamped store moves its clock past.
func (c *Client) call(env engine.Env, to, key, value, thenRead string, pass bool) {
	m := PhoneCall{Key: key, Value: value, ThenRead: thenRead}
	if pass && env.Param(ParamStamps, stampsWall) == stampsHybrid {
		m.Seen = c.seen
		engine.Notef(env, "%s phones %s: %s is %s, and passes on stamp %s", engine.S(c.id), engine.S(to), engine.S(key), engine.S(strconv.Quote(value)), engine.S(stampText(c.seen)))
	} else {
		engine.Notef(env, "%s phones %s: %s is %s", engine.S(c.id), engine.S(to), engine.S(key), engine.S(strconv.Quote(value)))
	}
	env.Send(to, m)
}

// View is the client's panel.
func (c *Client) View() engine.ProcessView {
	return engine.ProcessView{Role: "client", Badge: c.badge, Widgets: c.rc.Widgets()}
}
