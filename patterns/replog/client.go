package replog

import (
	"errors"
	"fmt"
	"strconv"
	"time"

	"clusterscope/engine"
)

// KVInput is a client operation as the history records it.
type KVInput struct {
	Op    string `json:"op"` // "put" or "get"
	Key   string `json:"key"`
	Value string `json:"value,omitempty"`
}

func (in KVInput) String() string {
	if in.Op == opPut {
		return "put " + in.Key + "=" + in.Value
	}
	return "get " + in.Key
}

// KVOutput is a completed operation's result (the value read; empty for a
// write or a missing key).
type KVOutput struct {
	Value string `json:"value"`
}

func (out KVOutput) String() string { return strconv.Quote(out.Value) }

const maxTries = 5 // NotLeader answers before a client gives up

// clientOp is an operation waiting for its answer.
type clientOp struct {
	id     int
	in     KVInput
	target string
	tries  int
	sent   bool // a try is out, waiting for its answer
	// timer names, made once
	timeout, retry string
}

// Client is a simulated client (alice, bob): it sends each operation to the
// node it believes leads, follows NotLeader hints, moves to the next server
// in turn when there is no hint or no answer (a crashed or paused server),
// and records the outcome in the history. A timeout is an unknown outcome:
// the write may still commit later. Trying a write at a second server is
// safe: each server applies a client's operation id once.
type Client struct {
	id      string
	servers []string
	leader  string // best guess
	pending []*clientOp
	results []result // last few outcomes, newest last
	counter int      // for default values
	ok      int
	unknown int
	failed  int
}

// result is an outcome as the view lists it; the text is built only when
// the view is.
type result struct {
	in   KVInput
	text string
}

func (r result) String() string { return r.in.String() + " → " + r.text }

func newClient(id string) *Client { return &Client{id: id} }

// ValidateRequest checks a client operation before it is accepted.
func (c *Client) ValidateRequest(req engine.Request) error {
	switch req.Name {
	case "write", "read":
	default:
		return fmt.Errorf("unknown client operation %q (use write or read)", req.Name)
	}
	if k, ok := req.Args["key"]; ok && k == "" {
		return errors.New("key is empty")
	}
	if node := req.Args["node"]; node != "" && c.servers != nil && !contains(c.servers, node) {
		return fmt.Errorf("no server called %q", node)
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func errUnknownAction(name string) error {
	return fmt.Errorf("unknown action %q (this cluster offers force-election)", name)
}

// Handle is the client's state machine.
func (c *Client) Handle(env engine.Env, ev engine.Event) {
	switch ev.Kind {
	case engine.EvStart:
		c.servers = env.Peers()
	case engine.EvRequest:
		c.request(env, ev.Request)
	case engine.EvReceive:
		if m, ok := ev.Msg.(ClientReply); ok {
			c.reply(env, ev.From, m)
		}
	case engine.EvTimer:
		c.timer(env, ev.Timer)
	}
}

func (c *Client) request(env engine.Env, req engine.Request) {
	in := KVInput{Op: opGet, Key: req.Args["key"]}
	if in.Key == "" {
		in.Key = "x"
	}
	if req.Name == "write" {
		in.Op = opPut
		in.Value = req.Args["value"]
		if in.Value == "" {
			c.counter++
			in.Value = c.id + strconv.Itoa(c.counter)
		}
	}
	target := req.Args["node"]
	if target == "" {
		target = c.leader
	}
	if target == "" && len(c.servers) > 0 {
		target = c.servers[0]
	}
	op := &clientOp{id: env.Invoke(in), in: in, target: target}
	op.timeout = timeoutTimer(op.id)
	c.pending = append(c.pending, op)
	env.SetTimer(op.timeout, ms(env.Param(ParamClientTimeout, defClientTimeout)))
	c.send(env, op)
}

// send puts op to its target and arms its retry timer: if the target says
// nothing within an attempt's share of the timeout (it may be down or
// paused), the client tries the next server.
func (c *Client) send(env engine.Env, op *clientOp) {
	op.sent = true
	if op.retry == "" {
		op.retry = retryTimer(op.id)
	}
	env.Send(op.target, ClientRequest{ID: op.id, Op: op.in.Op, Key: op.in.Key, Value: op.in.Value})
	env.SetTimer(op.retry, attemptTimeout(env))
}

// attemptTimeout is how long one try waits for an answer: the operation's
// timeout shared among its tries.
func attemptTimeout(env engine.Env) time.Duration {
	return ms(env.Param(ParamClientTimeout, defClientTimeout)) / maxTries
}

// nextServer is the server after s, in turn.
func (c *Client) nextServer(s string) string {
	return c.servers[(indexOf(c.servers, s)+1)%len(c.servers)]
}

func timeoutTimer(id int) string { return "timeout#" + strconv.Itoa(id) }
func retryTimer(id int) string   { return "retry#" + strconv.Itoa(id) }

func (c *Client) find(id int) (int, *clientOp) {
	for i, op := range c.pending {
		if op.id == id {
			return i, op
		}
	}
	return -1, nil
}

func (c *Client) finish(env engine.Env, i int, out any, st engine.OpStatus, text string) {
	op := c.pending[i]
	c.pending = append(c.pending[:i:i], c.pending[i+1:]...)
	env.CancelTimer(op.timeout)
	if op.retry != "" {
		env.CancelTimer(op.retry)
	}
	env.Complete(op.id, out, st)
	switch st {
	case engine.OpOK:
		c.ok++
	case engine.OpUnknown:
		c.unknown++
	default:
		c.failed++
	}
	if len(c.results) == 5 {
		c.results = append(c.results[:0], c.results[1:]...)
	}
	c.results = append(c.results, result{op.in, text})
}

func (c *Client) reply(env engine.Env, from string, m ClientReply) {
	i, op := c.find(m.ID)
	if op == nil {
		return // already answered (a duplicate) or given up
	}
	if !m.NotLeader {
		c.leader = from
		text := "ok"
		if op.in.Op == opGet {
			text = strconv.Quote(m.Value)
		}
		c.finish(env, i, KVOutput{Value: m.Value}, engine.OpOK, text)
		return
	}
	c.retry(env, i, op, from, m.Hint)
}

// retry moves op on after a try that did not reach the leader: to the
// hinted leader at once, or, without a hint, to the next server in turn
// after a short wait (an election may be under way). It gives up after
// maxTries: a copy of an earlier try may still reach a leader, so a
// write's fate is unknown; a read that never ran changed nothing.
func (c *Client) retry(env engine.Env, i int, op *clientOp, from, hint string) {
	op.tries++
	if op.tries >= maxTries {
		if op.in.Op == opPut {
			c.finish(env, i, nil, engine.OpUnknown, "gave up, no leader")
		} else {
			c.finish(env, i, nil, engine.OpFail, "gave up, no leader")
		}
		return
	}
	if hint != "" && hint != from {
		c.leader = hint
		op.target = hint
		c.send(env, op)
		return
	}
	if c.leader == from {
		c.leader = ""
	}
	op.target = c.leader // another answer may have named the leader meanwhile
	if op.target == "" {
		op.target = c.nextServer(from)
	}
	op.sent = false
	env.SetTimer(op.retry, retryWait)
}

// retryWait is the pause before trying the next server when nobody knew the
// leader.
const retryWait = 50 * time.Millisecond

func indexOf(list []string, s string) int {
	for i, x := range list {
		if x == s {
			return i
		}
	}
	return -1
}

func (c *Client) timer(env engine.Env, name string) {
	var id int
	var retry bool
	if s, ok := cutPrefix(name, "retry#"); ok {
		id, _ = strconv.Atoi(s)
		retry = true
	} else if s, ok := cutPrefix(name, "timeout#"); ok {
		id, _ = strconv.Atoi(s)
	} else {
		return
	}
	i, op := c.find(id)
	if op == nil {
		return
	}
	if retry {
		if op.sent { // no answer from op.target
			c.retry(env, i, op, op.target, "")
			return
		}
		c.send(env, op)
		return
	}
	c.finish(env, i, nil, engine.OpUnknown, "timed out")
}

func cutPrefix(s, p string) (string, bool) {
	if len(s) >= len(p) && s[:len(p)] == p {
		return s[len(p):], true
	}
	return "", false
}

// View shows the client's pending operations and last results.
func (c *Client) View() engine.ProcessView {
	items := make([]string, 0, len(c.pending))
	for _, op := range c.pending {
		s := op.in.String() + " → " + op.target
		if op.tries > 0 {
			s += " (try " + strconv.Itoa(op.tries+1) + ")"
		}
		items = append(items, s)
	}
	var results []string
	for _, r := range c.results {
		results = append(results, r.String())
	}
	return engine.ProcessView{
		Role: "client",
		Widgets: []engine.Widget{
			{Type: "queue", Title: "pending", Items: items},
			{Type: "queue", Title: "results", Items: results},
			{Type: "fields", Title: "client", Fields: []engine.Field{
				{Label: "leader guess", Value: c.leader},
				{Label: "ok", Value: strconv.Itoa(c.ok)},
				{Label: "unknown", Value: strconv.Itoa(c.unknown)},
				{Label: "failed", Value: strconv.Itoa(c.failed)},
			}},
		},
	}
}
