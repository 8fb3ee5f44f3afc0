package durable

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
	Op    string `json:"op"`
	Key   string `json:"key"`
	Value string `json:"value,omitempty"`
}

func (in KVInput) String() string { return string(in.AppendString(nil)) }

// AppendString is String appended to b (the trace records each input twice).
func (in KVInput) AppendString(b []byte) []byte {
	if in.Op == opPut {
		return append(append(append(append(b, "put "...), in.Key...), '='), in.Value...)
	}
	return append(append(b, "get "...), in.Key...)
}

func (in KVInput) KVKey() string           { return in.Key }
func (in KVInput) KVWrite() (string, bool) { return in.Value, in.Op == opPut }

// KVOutput is a completed operation's result: the value read (empty for a
// put or a missing key).
type KVOutput struct {
	Value string `json:"value"`
}

func (out KVOutput) String() string { return strconv.Quote(out.Value) }

// AppendString is String appended to b.
func (out KVOutput) AppendString(b []byte) []byte { return strconv.AppendQuote(b, out.Value) }
func (out KVOutput) KVRead() string               { return out.Value }

// maxTries: a put is sent twice at most. A retry after a silent first try
// is how the same request reaches the log twice.
const maxTries = 2

// Client is alice or bob: a kit.RetryingClient aimed at the one server.
type Client struct {
	id      string
	rc      kit.RetryingClient[KVInput]
	counter int
}

func newClient(id string) *Client {
	c := &Client{id: id}
	c.rc.Config = kit.ClientConfig[KVInput]{
		Targeting: kit.TargetLeader,
		Timeout: func(env engine.Env) time.Duration {
			return time.Duration(env.Param(ParamClientTimeout, defClientTimeout)) * time.Millisecond
		},
		MaxTries:  maxTries,
		RetryWait: 20 * time.Millisecond,
		Request: func(id int, in KVInput) engine.Message {
			return Request{ID: id, Op: in.Op, Key: in.Key, Value: in.Value}
		},
		// A put refused twice (a full disk) may still sit in the log from
		// an earlier try; a get changed nothing.
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
	if len(req.Args["key"]) > 64 || len(req.Args["value"]) > 256 {
		return errors.New("keys are at most 64 bytes and values 256")
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

// Handle is the client's state machine.
func (c *Client) Handle(env engine.Env, ev engine.Event) {
	switch ev.Kind {
	case engine.EvStart:
		c.rc.Start(env)
	case engine.EvRequest:
		c.request(env, ev.Request)
	case engine.EvReceive:
		if m, ok := ev.Msg.(Reply); ok {
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

func (c *Client) reply(env engine.Env, from string, m Reply) {
	if m.Refused != "" {
		c.rc.Refused(env, from, m.ID, "")
		return
	}
	op, ok := c.rc.Get(m.ID)
	if !ok {
		return // answered already, or given up
	}
	var text string
	if op.In.Op == opGet {
		text = strconv.Quote(m.Value)
	} else {
		var buf [32]byte // "ok at N" in one allocation
		text = string(strconv.AppendInt(append(buf[:0], "ok at "...), int64(m.Index), 10))
	}
	c.rc.Answer(env, from, m.ID, KVOutput{Value: m.Value}, text)
}

// View shows the client's pending operations and last results.
func (c *Client) View() engine.ProcessView {
	return engine.ProcessView{Role: "client", Widgets: c.rc.Widgets()}
}
