package vvector

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"clusterscope/engine"
	"clusterscope/patterns/kit"
)

// Client is alice or bob, keeping a cart per key. It remembers, per key,
// what it last read (the items of every sibling, and their merged vector:
// its context). An add writes those items, merged as a set union, plus
// the new one, with that context: the write replaces exactly what the
// client saw. A get reads every sibling, which the next add merges. Each
// operation goes to the server the learner names and is tried once: a
// retry through another server would be a second write.
type Client struct {
	rc   kit.RetryingClient[Op]
	read map[string]*keyRead // per key: what it last read or wrote
	line []byte              // where a result's line is put together
}

// keyRead is what a client knows of a key: the vector of what it last read
// or wrote (its context), that vector as text (made for the result of the
// operation that read it, and shown again by the next write), and the
// items.
type keyRead struct {
	ctx   VV
	text  string
	items []string
}

const (
	maxKeyLen  = 32
	maxItemLen = 24
)

// backstop is how much longer than the coordinator's expiry a client
// waits: it hears Timeout from a coordinator it can reach, and gives up on
// its own only when the coordinator is down or cut off.
const backstop = time.Second

func newClient(string) *Client {
	c := &Client{read: map[string]*keyRead{}}
	c.rc.Config = kit.ClientConfig[Op]{
		Targeting: kit.TargetAny,
		MaxTries:  1,
		Timeout: func(env engine.Env) time.Duration {
			return time.Duration(env.Param(ParamExpiry, defExpiry))*time.Millisecond + backstop
		},
		Request: c.message,
		GiveUp: func(in Op) engine.OpStatus {
			if in.Kind == opAdd {
				return engine.OpUnknown // it may have reached a replica
			}
			return engine.OpFail
		},
	}
	return c
}

// ValidateRequest checks a client operation before the engine accepts it.
func (c *Client) ValidateRequest(req engine.Request) error {
	if req.Name != opAdd && req.Name != opGet {
		return fmt.Errorf("unknown client operation %q (use add or get)", req.Name)
	}
	if err := kit.CheckKey(req.Args["key"], maxKeyLen); err != nil {
		return err
	}
	if it := req.Args["item"]; req.Name == opAdd && (it == "" || len(it) > maxItemLen || strings.ContainsAny(it, ", |")) {
		return fmt.Errorf("item must be 1..%d characters without commas, bars or spaces, not %q", maxItemLen, it)
	}
	return kit.CheckTarget(req.Args["node"], c.rc.Servers(), "server")
}

// Handle is the client's state machine.
func (c *Client) Handle(env engine.Env, ev engine.Event) {
	switch ev.Kind {
	case engine.EvStart:
		c.rc.Start(env)
	case engine.EvRequest:
		a := ev.Request.Args
		c.rc.Invoke(env, Op{Kind: ev.Request.Name, Key: a["key"], Item: a["item"], Node: a["node"]}, a["node"])
	case engine.EvReceive:
		if m, ok := ev.Msg.(ClientReply); ok {
			c.reply(env, ev.From, m)
		}
	case engine.EvTimer:
		c.rc.Timer(env, ev.Timer)
	}
}

// message is what the one try sends, at once: an add writes what the
// client knows of the key as it asks, plus the item.
func (c *Client) message(id int, op Op) engine.Message {
	if op.Kind == opGet {
		return ClientGet{ID: id, Key: op.Key}
	}
	k := c.read[op.Key]
	if k == nil {
		return ClientPut{ID: id, Key: op.Key, Value: cartWith(nil, op.Item)}
	}
	return ClientPut{ID: id, Key: op.Key, Value: cartWith(k.items, op.Item), Ctx: k.ctx, ctxText: k.text}
}

// cartWith is the cart of items (sorted, each once: what the client
// read) with item added, as a value: the items joined by commas.
func cartWith(items []string, item string) string {
	at, found := slices.BinarySearch(items, item)
	size := len(items) + len(item)
	for _, it := range items {
		size += len(it)
	}
	var b strings.Builder
	b.Grow(size)
	written := 0
	put := func(it string) {
		if written > 0 {
			b.WriteByte(',')
		}
		b.WriteString(it)
		written++
	}
	for i, it := range items {
		if i == at && !found {
			put(item)
		}
		put(it)
	}
	if at == len(items) {
		put(item)
	}
	return b.String()
}

func (c *Client) reply(env engine.Env, from string, m ClientReply) {
	w, ok := c.rc.Get(m.ID)
	if !ok {
		return // answered already, or given up
	}
	op := w.In
	if m.Status != Success {
		c.rc.End(env, from, m.ID, c.rc.Config.GiveUp(op), string(m.Status))
		return
	}
	// What the client now knows of the key: every version the coordinator
	// answered with. Its own write alone would not do: the vector of
	// athens:4 claims athens:3, which may be a concurrent sibling it never
	// saw.
	k := c.read[op.Key]
	if k == nil {
		k = &keyRead{}
		c.read[op.Key] = k
	}
	k.ctx = context(m.Siblings)
	items := k.items[:0] // replaced: its array is free again
	for _, s := range m.Siblings {
		items = appendSplit(items, s.Value)
	}
	slices.Sort(items)
	k.items = slices.Compact(items)
	// The outcome's text is the result's line without its vector: both
	// are cut from one string.
	var res Result
	if op.Kind == opAdd {
		res.Dot = m.Dot
	} else {
		res.Values = values(m.Siblings)
	}
	c.line = res.AppendString(c.line[:0])
	text := len(c.line) - 1 // the space before the vector
	line := string(k.ctx.appendTo(c.line))
	res.Vector = line[text+1:]
	k.text = res.Vector
	c.rc.Answer(env, from, m.ID, res, line[:text])
}

// appendSplit appends a cart's items: its value split at the commas, as
// strings.Split does, into one list for all siblings.
func appendSplit(items []string, v string) []string {
	if v == "" {
		return items
	}
	for {
		item, rest, more := strings.Cut(v, ",")
		items = append(items, item)
		if !more {
			return items
		}
		v = rest
	}
}

// View is the client's panel: its pending operations and last outcomes
// (the kit's), and what it last read per key (its context).
func (c *Client) View() engine.ProcessView {
	var read []engine.KeyVersions
	for _, key := range slices.Sorted(maps.Keys(c.read)) {
		k := c.read[key]
		read = append(read, engine.KeyVersions{Key: key, Versions: []engine.Version{{Value: strings.Join(k.items, ","), Vector: k.ctx.pairs(), Visible: true}}})
	}
	w := c.rc.Widgets()
	return engine.ProcessView{Role: "client", Widgets: slices.Insert(w, 1, engine.VersionsWidget(WContext, read...))}
}
