package fixedpart

import (
	"fmt"
	"strconv"
	"time"

	"clusterscope/engine"
	"clusterscope/patterns/kit"
)

// Client routes each operation by its cached copy of the partition
// table: the key's partition (hash mod P), then that partition's owner.
// It asks the controller for the table before its first operation, and
// again whenever a data node refuses (NotOwner) or does not answer; the
// operation waits for the new table and goes again.
type Client struct {
	id       string
	table    Table
	ops      kit.WaitingList[int, *clientOp]
	fetching bool
	// Outcomes, and refusals seen (NotOwner).
	OK, Unknown, Failed, Refused, Fetches int
	// The last outcome: its text is built only when the panel or a fact
	// asks.
	lastIn  Op
	lastOut any // Written, Result, or nil: timed out
	done    bool
}

// last is its last outcome, short ("" before any).
func (c *Client) last() string {
	if !c.done {
		return ""
	}
	text := "timed out"
	switch out := c.lastOut.(type) {
	case Written:
		text = out.String()
	case Result:
		text = out.String()
	}
	return c.lastIn.String() + " → " + text
}

// clientOp is an operation on its way.
type clientOp struct {
	id     int
	in     Op
	part   int
	target string // "" while it waits for a table
	tries  int
}

// Timers: an operation's deadline and its try's, and the table request's.
var (
	timerOp  = kit.TimerKey[int]{Name: "op"}
	timerTry = kit.TimerKey[int]{Name: "try"}
)

const (
	timerFetch  = "fetch"
	opTimeout   = 2 * time.Second
	tryTimeout  = 300 * time.Millisecond
	fetchAgain  = 100 * time.Millisecond
	maxKeyLen   = 32
	maxValueLen = 64
	maxFill     = 100
)

func newClient(id string) *Client { return &Client{id: id} }

// ValidateRequest refuses a bad operation before the engine accepts it.
func (c *Client) ValidateRequest(req engine.Request) error {
	switch req.Name {
	case opPut:
		if len(req.Args["value"]) > maxValueLen {
			return fmt.Errorf("value must be at most %d characters", maxValueLen)
		}
		return kit.CheckKey(req.Args["key"], maxKeyLen)
	case opGet:
		return kit.CheckKey(req.Args["key"], maxKeyLen)
	case opFill:
		_, err := kit.IntArg(req.Args, "count", 1, maxFill)
		return err
	case opRefresh:
		return nil
	}
	return fmt.Errorf("unknown client operation %q (use put, get, fill or refresh)", req.Name)
}

// Handle is the client's state machine.
func (c *Client) Handle(env engine.Env, ev engine.Event) {
	switch ev.Kind {
	case engine.EvRequest:
		c.request(env, ev.Request)
	case engine.EvTimer:
		c.timer(env, ev.Timer)
	case engine.EvReceive:
		switch m := ev.Msg.(type) {
		case TableUpdate:
			c.tableArrived(env, m.Table)
		case PutOk:
			c.finish(env, m.ID, Written{}, engine.OpOK)
		case GetOk:
			c.finish(env, m.ID, Result{Value: m.Value}, engine.OpOK)
		case NotOwner:
			if op, ok := c.ops.Get(m.ID); ok && op.target == ev.From {
				c.Refused++
				engine.Notef(env, "%s: %s refused %s (%s, its table v%d; mine v%d): asking the controller for the table", engine.S(c.id), engine.S(ev.From), engine.S(op.in.String()), engine.S(m.Reason), engine.D(m.Version), engine.D(c.table.Version))
				c.park(env, op)
			}
		}
	}
}

func (c *Client) request(env engine.Env, req engine.Request) {
	switch req.Name {
	case opRefresh:
		engine.Notef(env, "%s asks the controller for the table", engine.S(c.id))
		c.fetch(env)
	case opFill:
		n, _ := strconv.Atoi(req.Args["count"])
		for i := 0; i < n; i++ {
			c.invoke(env, Op{Kind: opPut, Key: fmt.Sprintf("k%03d", env.Rand().IntN(1000)), Value: strconv.Itoa(1 + env.Rand().IntN(99))})
		}
	case opPut:
		c.invoke(env, Op{Kind: opPut, Key: req.Args["key"], Value: req.Args["value"]})
	default:
		c.invoke(env, Op{Kind: opGet, Key: req.Args["key"]})
	}
}

func (c *Client) invoke(env engine.Env, in Op) {
	op := &clientOp{id: env.Invoke(in), in: in}
	c.ops.Add(op.id, op, env.Now()+opTimeout)
	timerOp.Set(env, op.id, opTimeout)
	c.route(env, op)
}

// route sends op to its partition's owner by the cached table, or parks
// it until a table comes.
func (c *Client) route(env engine.Env, op *clientOp) {
	t := c.table
	if !t.Assigned() {
		c.park(env, op)
		return
	}
	op.part = partitionOf(op.in.Key, len(t.Owners))
	op.target = t.Owners[op.part]
	if op.in.Kind == opPut {
		env.Send(op.target, Put{ID: op.id, Part: op.part, Version: t.Version, Key: op.in.Key, Value: op.in.Value})
	} else {
		env.Send(op.target, Get{ID: op.id, Part: op.part, Version: t.Version, Key: op.in.Key})
	}
	timerTry.Set(env, op.id, tryTimeout)
}

// park holds op until a fresh table arrives.
func (c *Client) park(env engine.Env, op *clientOp) {
	op.target = ""
	op.tries++
	timerTry.Cancel(env, op.id)
	c.fetch(env)
}

// fetch asks the controller for the table (once at a time).
func (c *Client) fetch(env engine.Env) {
	if c.fetching {
		return
	}
	c.fetching = true
	c.Fetches++
	env.Send(controllerName, GetTable{})
	env.SetTimer(timerFetch, fetchAgain)
}

func (c *Client) tableArrived(env engine.Env, t Table) {
	if t.Version > c.table.Version {
		c.table = t
	}
	if !c.table.Assigned() {
		return // not handed out yet: the fetch timer asks again
	}
	c.fetching = false
	env.CancelTimer(timerFetch)
	for w := range c.ops.Each() {
		if op := w.Value; op.target == "" {
			c.route(env, op)
		}
	}
}

func (c *Client) timer(env engine.Env, name string) {
	if name == timerFetch {
		if c.fetching {
			c.fetching = false
			c.fetch(env)
		}
		return
	}
	if id, ok := timerTry.Match(name); ok {
		if op, ok := c.ops.Get(id); ok && op.target != "" {
			engine.Notef(env, "%s: no answer from %s to %s: asking the controller for the table", engine.S(c.id), engine.S(op.target), engine.S(op.in.String()))
			c.park(env, op)
		}
		return
	}
	if id, ok := timerOp.Match(name); ok {
		if op, ok := c.ops.Get(id); ok {
			st := engine.OpUnknown // a write may have landed
			if op.in.Kind == opGet {
				st = engine.OpFail
			}
			c.finish(env, id, nil, st)
		}
	}
}

func (c *Client) finish(env engine.Env, id int, out any, st engine.OpStatus) {
	op, ok := c.ops.Remove(id)
	if !ok {
		return // a late or duplicated answer
	}
	timerOp.Cancel(env, id)
	timerTry.Cancel(env, id)
	env.Complete(id, out, st)
	switch st {
	case engine.OpOK:
		c.OK++
	case engine.OpUnknown:
		c.Unknown++
	default:
		c.Failed++
	}
	c.lastIn, c.lastOut, c.done = op.in, out, true
}

// View is the client's panel: its cached table version, what waits and
// its counts.
func (c *Client) View() engine.ProcessView {
	items := make([]engine.QueueItem, 0, c.ops.Len())
	for w := range c.ops.Each() {
		op := w.Value
		text, state := op.in.String()+" → "+op.target+" ("+partName(op.part)+")", engine.StatePending
		if op.target == "" {
			text, state = op.in.String()+": waiting for the table", engine.StateWarn
		}
		items = append(items, engine.QueueItem{ID: "#" + strconv.Itoa(op.id), Text: text, State: state})
	}
	badge := "no table"
	if c.table.Assigned() {
		badge = "table v" + strconv.Itoa(c.table.Version)
	}
	return engine.ProcessView{Role: "client", Badge: badge, Widgets: []engine.Widget{
		engine.FieldsWidget(WClientTable,
			engine.Field{Label: "cached table", Value: badge},
			engine.Field{Label: "refused (NotOwner)", Value: strconv.Itoa(c.Refused)},
			engine.Field{Label: "table fetches", Value: strconv.Itoa(c.Fetches)},
			engine.Field{Label: "ok / unknown / failed", Value: strconv.Itoa(c.OK) + " / " + strconv.Itoa(c.Unknown) + " / " + strconv.Itoa(c.Failed)},
			engine.Field{Label: "last", Value: c.last()},
		),
		engine.QueueWidget(WPending, items...),
	}}
}
