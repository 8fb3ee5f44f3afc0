package replog

import (
	"errors"
	"fmt"
	"strconv"
	"time"

	"clusterscope/engine"
	"clusterscope/patterns/kit"
)

// KVInput is a client operation as the history records it.
type KVInput struct {
	Op    string `json:"op"` // "put" or "get"
	Key   string `json:"key"`
	Value string `json:"value,omitempty"`
	Via   string `json:"via,omitempty"` // viaFollower: a read any server may answer (follower-reads page)
}

func (in KVInput) String() string { return string(in.AppendString(nil)) }

// AppendString appends String's text to b: the engine writes every
// operation's input and output to the trace, and appending spares a
// string each.
func (in KVInput) AppendString(b []byte) []byte {
	if in.Op == opPut {
		return append(append(append(append(b, "put "...), in.Key...), '='), in.Value...)
	}
	return append(append(b, "get "...), in.Key...)
}

// KVOutput is a completed operation's result (the value read; empty for a
// write or a missing key).
type KVOutput struct {
	Value string `json:"value"`
}

func (out KVOutput) String() string { return strconv.Quote(out.Value) }

// AppendString appends String's text to b (see KVInput.AppendString).
func (out KVOutput) AppendString(b []byte) []byte { return strconv.AppendQuote(b, out.Value) }

const maxTries = 5 // NotLeader answers before a client gives up

// retryWait is the pause before trying the next server when nobody knew the
// leader.
const retryWait = 50 * time.Millisecond

// Client is a simulated client (alice, bob): a kit.RetryingClient that
// sends each operation to the node it believes leads, follows NotLeader
// hints, moves to the next server in turn when there is no hint or no
// answer (a crashed or paused server), and records the outcome in the
// history. A timeout is an unknown outcome: the write may still commit
// later. Trying a write at a second server is safe: each server applies a
// client's operation id once.
type Client struct {
	id      string
	rc      kit.RetryingClient[KVInput]
	counter int // for default values
}

func newClient(id string) *Client {
	c := &Client{id: id}
	c.rc.Config = kit.ClientConfig[KVInput]{
		Targeting: kit.TargetLeader,
		Timeout:   func(env engine.Env) time.Duration { return ms(env.Param(ParamClientTimeout, defClientTimeout)) },
		MaxTries:  maxTries,
		RetryWait: retryWait,
		Request: func(id int, in KVInput) engine.Message {
			return ClientRequest{ID: id, Op: in.Op, Key: in.Key, Value: in.Value}
		},
		// A copy of an earlier try may still reach a leader, so a write's
		// fate is unknown; a read that never ran changed nothing.
		GiveUp: func(in KVInput) engine.OpStatus {
			if in.Op == opPut {
				return engine.OpUnknown
			}
			return engine.OpFail
		},
	}
	return c
}

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
	if node := req.Args["node"]; node != "" && c.rc.Servers() != nil && !contains(c.rc.Servers(), node) {
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
		c.rc.Start(env)
	case engine.EvRequest:
		c.request(env, ev.Request)
	case engine.EvReceive:
		if m, ok := ev.Msg.(ClientReply); ok {
			c.reply(env, ev.From, m)
		}
	case engine.EvTimer:
		c.rc.Timer(env, ev.Timer)
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
	c.rc.Invoke(env, in, req.Args["node"])
}

func (c *Client) reply(env engine.Env, from string, m ClientReply) {
	if m.NotLeader {
		c.rc.Refused(env, from, m.ID, m.Hint)
		return
	}
	op, ok := c.rc.Get(m.ID)
	if !ok {
		return // already answered (a duplicate) or given up
	}
	text := "ok"
	if op.In.Op == opGet {
		text = strconv.Quote(m.Value)
	}
	c.rc.Answer(env, from, m.ID, KVOutput{Value: m.Value}, text)
}

// View shows the client's pending operations and last results.
func (c *Client) View() engine.ProcessView {
	return engine.ProcessView{Role: "client", Widgets: c.rc.Widgets()}
}
