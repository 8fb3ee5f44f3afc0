package leaderless

import (
	"fmt"
	"strconv"
	"time"

	"clusterscope/engine"
	"clusterscope/patterns/kit"
)

// Client is alice or bob: an operation goes to the server the learner
// names, or else to the first server (athens: on the Request Waiting List
// page, the only one that takes writes). The
// coordinator answers Success or Timeout; the client's own timer, a second
// longer than the coordinator's expiry, is only a backstop for a
// coordinator that crashed or is cut off.
type Client struct {
	id      string
	servers []string                 // learnt at start, to check a named server
	ops     kit.WaitingList[int, Op] // by operation id, with the backstop's expiry
	results []outcome                // last few outcomes, newest last

	OK, TimedOut, Unknown int
}

var backstopTimer = kit.TimerKey[int]{Name: "backstop"}

const (
	keptResults = 5
	maxKeyLen   = 32
	maxValueLen = 64
)

// backstop is how much longer than the coordinator's expiry a client waits.
const backstop = time.Second

func newClient(id string) *Client { return &Client{id: id} }

// ValidateRequest checks a client operation before the engine accepts it.
func (c *Client) ValidateRequest(req engine.Request) error {
	if req.Name != opSet && req.Name != opGet {
		return fmt.Errorf("unknown client operation %q (use set or get)", req.Name)
	}
	if err := kit.CheckKey(req.Args["key"], maxKeyLen); err != nil {
		return err
	}
	if req.Name == opSet && len(req.Args["value"]) > maxValueLen {
		return fmt.Errorf("value must be at most %d characters", maxValueLen)
	}
	return kit.CheckTarget(req.Args["node"], c.servers, "server")
}

// Handle is the client's state machine.
func (c *Client) Handle(env engine.Env, ev engine.Event) {
	switch ev.Kind {
	case engine.EvStart:
		c.servers = env.Peers()
	case engine.EvRequest:
		c.request(env, ev.Request)
	case engine.EvReceive:
		if m, ok := ev.Msg.(ClientResponse); ok {
			c.response(env, m)
		}
	case engine.EvTimer:
		if id, ok := backstopTimer.Match(ev.Timer); ok {
			if op, ok := c.ops.Get(id); ok {
				c.finish(env, id, op, nil, "no answer from the coordinator")
			}
		}
	}
}

func (c *Client) request(env engine.Env, req engine.Request) {
	to := req.Args["node"]
	if to == "" {
		to = coordinator(env.Peers())
	}
	if to == "" {
		return
	}
	op := Op{Kind: req.Name, Key: req.Args["key"], Value: req.Args["value"]}
	id := env.Invoke(op)
	wait := time.Duration(env.Param(ParamExpiry, defExpiry))*time.Millisecond + backstop
	c.ops.Add(id, op, env.Now()+wait)
	backstopTimer.Set(env, id, wait)
	if op.Kind == opSet {
		env.Send(to, ClientSet{ID: id, Key: op.Key, Value: op.Value})
	} else {
		env.Send(to, ClientGet{ID: id, Key: op.Key})
	}
}

func (c *Client) response(env engine.Env, m ClientResponse) {
	op, ok := c.ops.Get(m.ID)
	if !ok {
		return // the backstop fired already
	}
	if m.Status == Success {
		c.finish(env, m.ID, op, &m.Result, "")
		return
	}
	c.finish(env, m.ID, op, nil, string(m.Status))
}

// outcome is a finished operation, put in words only when shown: what it
// was, and why it failed ("" it succeeded, with read the value a get read).
type outcome struct {
	op     Op
	failed string
	read   string
}

func (o outcome) String() string {
	switch {
	case o.failed != "":
		return o.op.String() + " → " + o.failed
	case o.op.Kind == opGet:
		return o.op.String() + " → " + strconv.Quote(o.read)
	}
	return o.op.String() + " → Success"
}

// finish records the outcome (failed says why, when res is nil). A set
// that timed out may still have reached some replicas (its outcome is
// unknown); a get that timed out changed nothing the history cares about.
func (c *Client) finish(env engine.Env, id int, op Op, res *Result, failed string) {
	c.ops.Remove(id)
	backstopTimer.Cancel(env, id)
	switch {
	case res != nil:
		env.Complete(id, *res, engine.OpOK)
		c.OK++
	case op.Kind == opSet:
		env.Complete(id, nil, engine.OpUnknown)
		c.Unknown++
	default:
		env.Complete(id, nil, engine.OpFail)
		c.TimedOut++
	}
	if len(c.results) == keptResults {
		c.results = append(c.results[:0], c.results[1:]...)
	}
	o := outcome{op: op, failed: failed}
	if res != nil {
		o.read = res.Value
	}
	c.results = append(c.results, o)
}

func (c *Client) last() string {
	if len(c.results) == 0 {
		return ""
	}
	return c.results[len(c.results)-1].String()
}

// View lists the operations waiting for an answer, the last outcomes and
// the counters.
func (c *Client) View() engine.ProcessView {
	results := make([]string, len(c.results))
	for i, o := range c.results {
		results[i] = o.String()
	}
	items := make([]engine.QueueItem, 0, c.ops.Len())
	for _, w := range c.ops.All() {
		items = append(items, engine.QueueItem{ID: "#" + strconv.Itoa(w.ID), Text: w.Value.String(), State: engine.StatePending, Expiry: int64(w.Expires / time.Microsecond)})
	}
	return engine.ProcessView{Role: "client", Widgets: []engine.Widget{
		engine.QueueWidget("pending", items...),
		{Type: engine.WQueue, Title: "results", Items: results},
		engine.FieldsWidget("client",
			engine.Field{Label: "ok", Value: strconv.Itoa(c.OK)},
			engine.Field{Label: "set outcome unknown", Value: strconv.Itoa(c.Unknown)},
			engine.Field{Label: "get timed out", Value: strconv.Itoa(c.TimedOut)}),
	}}
}
