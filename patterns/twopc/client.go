package twopc

import (
	"fmt"
	"strconv"
	"time"

	"clusterscope/engine"
	"clusterscope/patterns/kit"
)

// Client is alice or bob: it asks the coordinator for a transfer, sends
// the request again (same transaction id) until it hears the outcome, and
// gives up after a while not knowing whether it happened.
type Client struct {
	id    string
	coord string
	parts []string
	ops   kit.WaitingList[int, pending]
	// results are the last few outcomes, oldest first; their text is
	// written only when the panel or a fact asks.
	results []outcome

	Committed, Aborted, Unknown int
}

var (
	resendTimer = kit.TimerKey[int]{Name: "resend"}
	giveUpTimer = kit.TimerKey[int]{Name: "give-up"}
)

const (
	resend      = 250 * time.Millisecond
	giveUp      = 3 * time.Second
	keptResults = 4
)

type pending struct {
	Msg Begin
}

// outcome is how a transfer ended: its Result, or no answer.
type outcome struct {
	Result
	none bool // it gave up: no answer
}

func (o outcome) String() string {
	if o.none {
		return o.Txn + " no answer"
	}
	return o.Result.String()
}

func newClient(id string) *Client { return &Client{id: id} }

// ValidateRequest refuses a bad transfer before the engine accepts it:
// an unknown account, the same account twice, two accounts on one
// participant, an amount that is not a whole number above zero.
func (c *Client) ValidateRequest(req engine.Request) error {
	if req.Name != opTransfer {
		return fmt.Errorf("unknown client operation %q (use %s)", req.Name, opTransfer)
	}
	_, err := checkTransfer(req.Args, c.parts)
	return err
}

// Handle is the client's state machine.
func (c *Client) Handle(env engine.Env, ev engine.Event) {
	switch ev.Kind {
	case engine.EvStart:
		if co := env.Members(RoleCoordinator); len(co) > 0 {
			c.coord = co[0]
		}
		c.parts = env.Members(RoleParticipant)
	case engine.EvRequest:
		c.request(env, ev.Request)
	case engine.EvReceive:
		if m, ok := ev.Msg.(Outcome); ok {
			if p, ok := c.ops.Remove(m.ID); ok {
				resendTimer.Cancel(env, m.ID)
				giveUpTimer.Cancel(env, m.ID)
				env.Complete(m.ID, Result{Txn: m.Txn, Committed: m.Committed, Reason: m.Reason}, engine.OpOK)
				if m.Committed {
					c.Committed++
				} else {
					c.Aborted++
				}
				c.note(outcome{Result: Result{Txn: p.Msg.Txn, Committed: m.Committed, Reason: m.Reason}})
			}
		}
	case engine.EvTimer:
		if id, ok := resendTimer.Match(ev.Timer); ok {
			if p, ok := c.ops.Get(id); ok {
				env.Send(c.coord, p.Msg)
				resendTimer.Set(env, id, resend)
			}
		} else if id, ok := giveUpTimer.Match(ev.Timer); ok {
			if p, ok := c.ops.Remove(id); ok {
				resendTimer.Cancel(env, id)
				env.Complete(id, nil, engine.OpUnknown)
				c.Unknown++
				c.note(outcome{Result: Result{Txn: p.Msg.Txn}, none: true})
			}
		}
	}
}

func (c *Client) request(env engine.Env, req engine.Request) {
	t, err := checkTransfer(req.Args, c.parts)
	if err != nil || c.coord == "" {
		return
	}
	// The transaction is named after the operation (T1 is the history's
	// first): unique, and the same on every retry.
	id := env.Invoke(Op{Transfer: t})
	txn := "T" + strconv.Itoa(id+1)
	m := Begin{ID: id, Txn: txn, Transfer: t}
	c.ops.Add(id, pending{Msg: m}, env.Now()+giveUp)
	resendTimer.Set(env, id, resend)
	giveUpTimer.Set(env, id, giveUp)
	env.Send(c.coord, m)
}

func (c *Client) note(s outcome) {
	if len(c.results) == keptResults {
		c.results = append(c.results[:0], c.results[1:]...)
	}
	c.results = append(c.results, s)
}

func (c *Client) last() string {
	if len(c.results) == 0 {
		return ""
	}
	return c.results[len(c.results)-1].String()
}

// resultTexts are the last outcomes, written out.
func (c *Client) resultTexts() []string {
	out := make([]string, len(c.results))
	for i, r := range c.results {
		out[i] = r.String()
	}
	return out
}

// View lists the transfers waiting for an outcome and the last outcomes.
func (c *Client) View() engine.ProcessView {
	items := make([]engine.QueueItem, 0, c.ops.Len())
	for _, w := range c.ops.All() {
		items = append(items, engine.QueueItem{ID: w.Value.Msg.Txn, Text: w.Value.Msg.Transfer.String(), State: engine.StatePending, Expiry: int64(w.Expires / time.Microsecond)})
	}
	return engine.ProcessView{Role: "client", Widgets: []engine.Widget{
		engine.QueueWidget("waiting for an outcome", items...),
		{Type: engine.WQueue, Title: "outcomes", Items: c.resultTexts()},
		engine.FieldsWidget("client",
			engine.Field{Label: "committed", Value: strconv.Itoa(c.Committed)},
			engine.Field{Label: "aborted", Value: strconv.Itoa(c.Aborted)},
			engine.Field{Label: "no answer", Value: strconv.Itoa(c.Unknown)}),
	}}
}
