package clocks

import (
	"fmt"
	"strconv"
	"time"

	"clusterscope/engine"
	"clusterscope/patterns/kit"
)

// Client is alice or bob. It keeps the highest stamp any answer carried
// and sends it with every request, so a server stamps the client's next
// write after everything the client has seen, wherever it saw it.
type Client struct {
	id      string
	servers []string
	seen    Stamp
	ops     kit.WaitingList[int, Op]
	results []outcome // the last keptResults, written out only when shown

	OK, Failed int
}

var timeoutTimer = kit.TimerKey[int]{Name: "timeout"}

const (
	clientTimeout = time.Second
	keptResults   = 5
	maxKeyLen     = 32
	maxValueLen   = 64
)

func newClient(id string) *Client { return &Client{id: id} }

// ValidateRequest checks a write or a read before the engine accepts it.
func (c *Client) ValidateRequest(req engine.Request) error {
	if req.Name != opWrite && req.Name != opRead {
		return fmt.Errorf("unknown client operation %q (use write or read)", req.Name)
	}
	if err := kit.CheckKey(req.Args["key"], maxKeyLen); err != nil {
		return err
	}
	if req.Name == opWrite && len(req.Args["value"]) > maxValueLen {
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
		switch m := ev.Msg.(type) {
		case WriteResponse:
			c.answer(env, m.ID, m.Clock, Result{Version: m.Version})
		case ReadResponse:
			c.answer(env, m.ID, m.Clock, Result{Value: m.Value, Version: m.Version, Read: true})
		}
	case engine.EvTimer:
		if id, ok := timeoutTimer.Match(ev.Timer); ok {
			if op, ok := c.ops.Remove(id); ok {
				c.Failed++
				status := engine.OpFail
				if op.Kind == opWrite {
					status = engine.OpUnknown // it may have been stamped and stored
				}
				env.Complete(id, nil, status)
				c.remember(outcome{op: op})
			}
		}
	}
}

func (c *Client) request(env engine.Env, req engine.Request) {
	to := req.Args["node"]
	if to == "" {
		if len(c.servers) == 0 {
			return
		}
		to = c.servers[0]
	}
	op := Op{Kind: req.Name, Key: req.Args["key"], Value: req.Args["value"], Node: to}
	id := env.Invoke(op)
	c.ops.Add(id, op, env.Now()+clientTimeout)
	timeoutTimer.Set(env, id, clientTimeout)
	if op.Kind == opWrite {
		env.Send(to, Write{ID: id, Key: op.Key, Value: op.Value, Stamp: c.seen})
	} else {
		env.Send(to, Read{ID: id, Key: op.Key, Stamp: c.seen})
	}
}

// answer completes an operation and keeps the highest stamp seen.
func (c *Client) answer(env engine.Env, id int, clock Stamp, res Result) {
	c.seen = c.seen.Max(clock)
	op, ok := c.ops.Remove(id)
	if !ok {
		return // a copy, or it timed out already
	}
	timeoutTimer.Cancel(env, id)
	c.OK++
	env.Complete(id, res, engine.OpOK)
	c.remember(outcome{op: op, res: res, answered: true})
}

// outcome is a finished operation: its answer, or none.
type outcome struct {
	op       Op
	res      Result
	answered bool
}

func (o outcome) String() string {
	if !o.answered {
		return o.op.String() + " → no answer"
	}
	return o.op.String() + " → " + o.res.String()
}

func (c *Client) remember(o outcome) {
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

// View shows the highest stamp seen, what waits for an answer and the
// last outcomes.
func (c *Client) View() engine.ProcessView {
	items := make([]engine.QueueItem, 0, c.ops.Len())
	for _, w := range c.ops.All() {
		items = append(items, engine.QueueItem{ID: "#" + strconv.Itoa(w.ID), Text: w.Value.String(), State: engine.StatePending, Expiry: int64(w.Expires / time.Microsecond)})
	}
	return engine.ProcessView{Role: "client", Badge: "seen " + c.seen.String(), Widgets: []engine.Widget{
		engine.FieldsWidget(WSeen, engine.Field{Label: "highest stamp seen (sent with every request)", Value: c.seen.String()}),
		engine.QueueWidget("pending", items...),
		{Type: engine.WQueue, Title: "results", Items: c.resultTexts()},
	}}
}

func (c *Client) resultTexts() []string {
	if c.results == nil {
		return nil // as before any operation ended
	}
	out := make([]string, len(c.results))
	for i, o := range c.results {
		out[i] = o.String()
	}
	return out
}
