package paxos

import (
	"fmt"
	"strconv"
	"time"

	"clusterscope/engine"
	"clusterscope/patterns/kit"
)

// Client is alice or bob: it sends a proposal to the proposer it is told
// to (athens unless told otherwise) and waits for the chosen value. A
// proposer keeps trying until a value is chosen, so a client that hears
// nothing for a while gives up not knowing whether its value was chosen.
type Client struct {
	id        string
	proposers []string
	ops       kit.WaitingList[int, pending]
	results   []outcome // the last few, oldest first

	OK, Unknown int
}

var giveUpTimer = kit.TimerKey[int]{Name: "give-up"}

const (
	giveUp      = 2 * time.Second
	keptResults = 5
	maxKeyLen   = 32
	maxValueLen = 64
)

// pending is a proposal waiting for its answer, with its give-up timer's
// name (made once: a proposal is answered about once a millisecond).
type pending struct {
	Op    Op
	timer string
}

// outcome is an answered or abandoned proposal, put in words only when
// shown.
type outcome struct {
	Op     Op
	Value  string
	GaveUp bool
}

func (o outcome) String() string {
	if o.GaveUp {
		return o.Op.String() + " → no answer"
	}
	return o.Op.String() + " → " + strconv.Quote(o.Value)
}

func newClient(id string) *Client { return &Client{id: id} }

// ValidateRequest checks a client operation before the engine accepts it.
func (c *Client) ValidateRequest(req engine.Request) error {
	if req.Name != opPropose {
		return fmt.Errorf("unknown client operation %q (use %s)", req.Name, opPropose)
	}
	if err := kit.CheckKey(req.Args["key"], maxKeyLen); err != nil {
		return err
	}
	if v := req.Args["value"]; v == "" || len(v) > maxValueLen {
		return fmt.Errorf("value must be 1..%d characters, not %q", maxValueLen, v)
	}
	return kit.CheckTarget(req.Args["node"], c.proposers, "proposer")
}

// Handle is the client's state machine.
func (c *Client) Handle(env engine.Env, ev engine.Event) {
	switch ev.Kind {
	case engine.EvStart:
		c.proposers = env.Members(RoleProposer)
	case engine.EvRequest:
		c.request(env, ev.Request)
	case engine.EvReceive:
		if m, ok := ev.Msg.(Decided); ok {
			if p, ok := c.ops.Remove(m.ID); ok {
				env.CancelTimer(p.timer)
				env.Complete(m.ID, Result{Value: m.Value}, engine.OpOK)
				c.OK++
				c.note(outcome{Op: p.Op, Value: m.Value})
			}
		}
	case engine.EvTimer:
		if id, ok := giveUpTimer.Match(ev.Timer); ok {
			if p, ok := c.ops.Remove(id); ok {
				env.Complete(id, nil, engine.OpUnknown)
				c.Unknown++
				c.note(outcome{Op: p.Op, GaveUp: true})
			}
		}
	}
}

func (c *Client) request(env engine.Env, req engine.Request) {
	to := req.Args["node"]
	if to == "" && len(c.proposers) > 0 {
		to = c.proposers[0]
	}
	if to == "" {
		return
	}
	op := Op{Key: req.Args["key"], Value: req.Args["value"]}
	id := env.Invoke(op)
	p := pending{Op: op, timer: giveUpTimer.For(id)}
	c.ops.Add(id, p, env.Now()+giveUp)
	env.SetTimer(p.timer, giveUp)
	env.Send(to, Propose{ID: id, Key: op.Key, Value: op.Value})
}

func (c *Client) note(o outcome) {
	if len(c.results) == keptResults {
		c.results = append(c.results[:0], c.results[1:]...)
	}
	c.results = append(c.results, o)
}

func (c *Client) last() string {
	if len(c.results) == 0 {
		return ""
	}
	return c.results[len(c.results)-1].String()
}

// View lists the proposals waiting for an answer and the last outcomes.
func (c *Client) View() engine.ProcessView {
	items := make([]engine.QueueItem, 0, c.ops.Len())
	for _, w := range c.ops.All() {
		items = append(items, engine.QueueItem{ID: "#" + strconv.Itoa(w.ID), Text: w.Value.Op.String(), State: engine.StatePending, Expiry: int64(w.Expires / time.Microsecond)})
	}
	results := make([]string, len(c.results))
	for i, o := range c.results {
		results[i] = o.String()
	}
	return engine.ProcessView{Role: "client", Widgets: []engine.Widget{
		engine.QueueWidget("pending", items...),
		{Type: engine.WQueue, Title: "results", Items: results},
		engine.FieldsWidget("client",
			engine.Field{Label: "answered", Value: strconv.Itoa(c.OK)},
			engine.Field{Label: "gave up", Value: strconv.Itoa(c.Unknown)}),
	}}
}
