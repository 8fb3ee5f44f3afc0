package paxos

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
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
	ops       kit.WaitingList[int, Op]
	results   []string

	OK, Unknown int
}

var giveUpTimer = kit.TimerKey[int]{Name: "give-up"}

const (
	giveUp      = 2 * time.Second
	keptResults = 5
	maxKeyLen   = 32
	maxValueLen = 64
)

func newClient(id string) *Client { return &Client{id: id} }

// ValidateRequest checks a client operation before the engine accepts it.
func (c *Client) ValidateRequest(req engine.Request) error {
	if req.Name != opPropose {
		return fmt.Errorf("unknown client operation %q (use %s)", req.Name, opPropose)
	}
	if k := req.Args["key"]; k == "" || len(k) > maxKeyLen {
		return fmt.Errorf("key must be 1..%d characters, not %q", maxKeyLen, k)
	}
	if v := req.Args["value"]; v == "" || len(v) > maxValueLen {
		return fmt.Errorf("value must be 1..%d characters, not %q", maxValueLen, v)
	}
	if n := req.Args["node"]; n != "" && c.proposers != nil && !slices.Contains(c.proposers, n) {
		return fmt.Errorf("no proposer called %q (proposers: %s)", n, strings.Join(c.proposers, ", "))
	}
	return nil
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
			if op, ok := c.ops.Remove(m.ID); ok {
				giveUpTimer.Cancel(env, m.ID)
				env.Complete(m.ID, Result{Value: m.Value}, engine.OpOK)
				c.OK++
				c.note(op.String() + " → " + strconv.Quote(m.Value))
			}
		}
	case engine.EvTimer:
		if id, ok := giveUpTimer.Match(ev.Timer); ok {
			if op, ok := c.ops.Remove(id); ok {
				env.Complete(id, nil, engine.OpUnknown)
				c.Unknown++
				c.note(op.String() + " → no answer")
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
	c.ops.Add(id, op, env.Now()+giveUp)
	giveUpTimer.Set(env, id, giveUp)
	env.Send(to, Propose{ID: id, Key: op.Key, Value: op.Value})
}

func (c *Client) note(text string) {
	if len(c.results) == keptResults {
		c.results = append(c.results[:0], c.results[1:]...)
	}
	c.results = append(c.results, text)
}

func (c *Client) last() string {
	if len(c.results) == 0 {
		return ""
	}
	return c.results[len(c.results)-1]
}

// View lists the proposals waiting for an answer and the last outcomes.
func (c *Client) View() engine.ProcessView {
	items := make([]engine.QueueItem, 0, c.ops.Len())
	for _, w := range c.ops.All() {
		items = append(items, engine.QueueItem{ID: "#" + strconv.Itoa(w.ID), Text: w.Value.String(), State: engine.StatePending, Expiry: int64(w.Expires / time.Microsecond)})
	}
	return engine.ProcessView{Role: "client", Widgets: []engine.Widget{
		engine.QueueWidget("pending", items...),
		{Type: engine.WQueue, Title: "results", Items: append([]string(nil), c.results...)},
		engine.FieldsWidget("client",
			engine.Field{Label: "answered", Value: strconv.Itoa(c.OK)},
			engine.Field{Label: "gave up", Value: strconv.Itoa(c.Unknown)}),
	}}
}
