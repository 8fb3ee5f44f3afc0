package updatequeue

import (
	"fmt"
	"strconv"
	"time"

	"clusterscope/engine"
	"clusterscope/patterns/kit"
)

// Client is alice, bob or philip: it sends each operation to athens at
// once (several may be out together: that is the point) and records the
// outcome. No answer within the client timeout is an unknown outcome: the
// operation may still have happened.
type Client struct {
	id      string
	pending map[int]pendingOp
	order   []int    // pending ids, oldest first
	results []result // last few outcomes, newest last

	OK, Refused, Failed, Unknown int
}

// result is an outcome as the client shows it, kept in parts: its text
// is built only when it is shown, not for every reply.
type result struct {
	op  Op
	out Outcome // the answer, when why is ""
	why string  // what happened instead of an answer, or why it failed
}

func (r result) String() string {
	if r.why != "" {
		return r.op.String() + " → " + r.why
	}
	return r.op.String() + " → " + r.out.String()
}

var clientTimeout = kit.TimerKey[int]{Name: "timeout"}

const keptResults = 5

// maxBurst bounds a burst: what a visitor sends is bounded.
const maxBurst = 20

// pendingOp is an operation waiting for its answer, with its timeout
// timer's name (made once: it is set and then cancelled).
type pendingOp struct {
	op    Op
	timer string
}

func newClient(id string) *Client { return &Client{id: id, pending: map[int]pendingOp{}} }

// ValidateRequest checks a client operation before the engine accepts it.
func (c *Client) ValidateRequest(req engine.Request) error {
	switch req.Name {
	case opWithdraw, opDeposit:
		if _, err := amountArg(req.Args, "amount", 1, 1_000_000); err != nil {
			return err
		}
	case opBalance:
	case "burst":
		if _, err := amountArg(req.Args, "count", 1, maxBurst); err != nil {
			return err
		}
	default:
		return fmt.Errorf("unknown client operation %q (use withdraw, deposit, balance or burst)", req.Name)
	}
	return nil
}

// amountArg reads an integer argument within lo..hi; a missing one is lo
// for a count and an error for an amount.
func amountArg(args map[string]string, name string, lo, hi int) (int, error) {
	if name == "count" && args[name] == "" {
		return 3, nil
	}
	return kit.IntArg(args, name, lo, hi)
}

// Handle is the client's state machine.
func (c *Client) Handle(env engine.Env, ev engine.Event) {
	switch ev.Kind {
	case engine.EvRequest:
		c.request(env, ev.Request)
	case engine.EvReceive:
		if m, ok := ev.Msg.(Reply); ok {
			c.reply(env, m)
		}
	case engine.EvTimer:
		if id, ok := clientTimeout.Match(ev.Timer); ok {
			if p, ok := c.pending[id]; ok {
				st := engine.OpUnknown
				if !p.op.mutates() {
					st = engine.OpFail // a read that never answered changed nothing
				}
				c.finish(env, id, nil, st, result{why: "timed out"})
			}
		}
	}
}

func (c *Client) request(env engine.Env, req engine.Request) {
	switch req.Name {
	case "burst":
		// Several operations at the same instant, as a busy client app
		// sends them: withdrawals and deposits of random amounts.
		n, _ := amountArg(req.Args, "count", 1, maxBurst)
		for range n {
			op := Op{Kind: opWithdraw, Amount: 10 * (1 + env.Rand().IntN(8))}
			if env.Rand().IntN(3) == 0 {
				op = Op{Kind: opDeposit, Amount: 10 * (1 + env.Rand().IntN(6))}
			}
			c.invoke(env, op)
		}
	case opBalance:
		c.invoke(env, Op{Kind: opBalance})
	default:
		n, _ := amountArg(req.Args, "amount", 1, 1_000_000)
		c.invoke(env, Op{Kind: req.Name, Amount: n})
	}
}

func (c *Client) invoke(env engine.Env, op Op) {
	servers := env.Members(engine.RoleNode)
	if len(servers) == 0 {
		return
	}
	id := env.Invoke(op)
	timer := clientTimeout.For(id)
	c.pending[id] = pendingOp{op: op, timer: timer}
	c.order = append(c.order, id)
	env.SetTimer(timer, time.Duration(env.Param(ParamClientTimeout, defClientTimeout))*time.Millisecond)
	env.Send(servers[0], Request{ID: id, Op: op})
}

func (c *Client) reply(env engine.Env, m Reply) {
	if _, ok := c.pending[m.ID]; !ok {
		return // timed out already
	}
	switch m.Outcome.Reason {
	case ReasonQueueFull, ReasonDiskFull, ReasonDiskError:
		c.finish(env, m.ID, nil, engine.OpFail, result{why: m.Outcome.Reason})
	default:
		c.finish(env, m.ID, m.Outcome, engine.OpOK, result{out: m.Outcome})
	}
}

// finish completes operation id; shown is its outcome for the view (finish
// fills in the operation).
func (c *Client) finish(env engine.Env, id int, out any, st engine.OpStatus, shown result) {
	p := c.pending[id]
	delete(c.pending, id)
	for i, x := range c.order {
		if x == id {
			c.order = append(c.order[:i], c.order[i+1:]...)
			break
		}
	}
	env.CancelTimer(p.timer)
	env.Complete(id, out, st)
	switch {
	case st == engine.OpUnknown:
		c.Unknown++
	case st == engine.OpFail:
		c.Failed++
	case out.(Outcome).OK:
		c.OK++
	default:
		c.Refused++
	}
	if len(c.results) == keptResults {
		c.results = append(c.results[:0], c.results[1:]...)
	}
	shown.op = p.op
	c.results = append(c.results, shown)
}

// last is the text of the last outcome ("" before any).
func (c *Client) last() string {
	if len(c.results) == 0 {
		return ""
	}
	return c.results[len(c.results)-1].String()
}

// View lists the pending operations, the last outcomes and the counters.
func (c *Client) View() engine.ProcessView {
	items := make([]engine.QueueItem, 0, len(c.order))
	for _, id := range c.order {
		items = append(items, engine.QueueItem{ID: "#" + strconv.Itoa(id), Text: c.pending[id].op.String(), State: engine.StatePending})
	}
	return engine.ProcessView{Role: "client", Widgets: []engine.Widget{
		engine.QueueWidget("pending", items...),
		{Type: engine.WQueue, Title: "results", Items: c.resultTexts()},
		engine.FieldsWidget("client",
			engine.Field{Label: "ok", Value: itoa(c.OK)},
			engine.Field{Label: "insufficient", Value: itoa(c.Refused)},
			engine.Field{Label: "failed", Value: itoa(c.Failed)},
			engine.Field{Label: "unknown", Value: itoa(c.Unknown)}),
	}}
}

// resultTexts are the results as the view lists them (nil when none, as
// the view always had it).
func (c *Client) resultTexts() []string {
	if len(c.results) == 0 {
		return nil
	}
	out := make([]string, len(c.results))
	for i, r := range c.results {
		out[i] = r.String()
	}
	return out
}
