package vvector

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"clusterscope/engine"
	"clusterscope/patterns/kit"
)

// Client is alice or bob, keeping a cart per key. It remembers, per key,
// what it last read (the items of every sibling, and their merged vector:
// its context). An add writes those items, merged as a set union, plus
// the new one, with that context: the write replaces exactly what the
// client saw. A get reads every sibling, which the next add merges.
type Client struct {
	id      string
	servers []string
	ops     kit.WaitingList[int, Op] // by operation id, with the backstop's expiry
	ctx     map[string]VV            // per key: the vector of what it last read or wrote
	items   map[string][]string      // per key: the items it last read or wrote
	results []string                 // last few outcomes, newest last

	OK, Unknown, Failed int
}

var backstopTimer = kit.TimerKey[int]{Name: "backstop"}

const (
	keptResults = 5
	maxKeyLen   = 32
	maxItemLen  = 24
)

// backstop is how much longer than the coordinator's expiry a client waits.
const backstop = time.Second

func newClient(id string) *Client {
	return &Client{id: id, ctx: map[string]VV{}, items: map[string][]string{}}
}

// ValidateRequest checks a client operation before the engine accepts it.
func (c *Client) ValidateRequest(req engine.Request) error {
	if req.Name != opAdd && req.Name != opGet {
		return fmt.Errorf("unknown client operation %q (use add or get)", req.Name)
	}
	if k := req.Args["key"]; k == "" || len(k) > maxKeyLen {
		return fmt.Errorf("key must be 1..%d characters, not %q", maxKeyLen, k)
	}
	if it := req.Args["item"]; req.Name == opAdd && (it == "" || len(it) > maxItemLen || strings.ContainsAny(it, ", |")) {
		return fmt.Errorf("item must be 1..%d characters without commas, bars or spaces, not %q", maxItemLen, it)
	}
	if n := req.Args["node"]; n != "" && c.servers != nil && !slices.Contains(c.servers, n) {
		return fmt.Errorf("no server called %q (servers: %s)", n, strings.Join(c.servers, ", "))
	}
	return nil
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
			c.reply(env, m)
		}
	case engine.EvTimer:
		if id, ok := backstopTimer.Match(ev.Timer); ok {
			if op, ok := c.ops.Get(id); ok {
				c.finish(env, id, op, nil, "no answer from "+op.Node)
			}
		}
	}
}

func (c *Client) request(env engine.Env, req engine.Request) {
	peers := env.Peers()
	to := req.Args["node"]
	if to == "" && len(peers) > 0 {
		to = peers[0]
	}
	if to == "" {
		return
	}
	key := req.Args["key"]
	op := Op{Kind: req.Name, Key: key, Item: req.Args["item"], Node: to}
	id := env.Invoke(op)
	wait := time.Duration(env.Param(ParamExpiry, defExpiry))*time.Millisecond + backstop
	c.ops.Add(id, op, env.Now()+wait)
	backstopTimer.Set(env, id, wait)
	if op.Kind == opGet {
		env.Send(to, ClientGet{ID: id, Key: key})
		return
	}
	cart := union(append(slices.Clone(c.items[key]), op.Item))
	env.Send(to, ClientPut{ID: id, Key: key, Value: strings.Join(cart, ","), Ctx: c.ctx[key]})
}

func (c *Client) reply(env engine.Env, m ClientReply) {
	op, ok := c.ops.Get(m.ID)
	if !ok {
		return // the backstop fired already
	}
	if m.Status != Success {
		c.finish(env, m.ID, op, nil, string(m.Status))
		return
	}
	// What the client now knows of the key: every version the coordinator
	// answered with. Its own write alone would not do: the vector of
	// athens:4 claims athens:3, which may be a concurrent sibling it never
	// saw.
	c.ctx[op.Key] = context(m.Siblings)
	var items []string
	for _, v := range values(m.Siblings) {
		items = append(items, split(v)...)
	}
	c.items[op.Key] = union(items)
	res := Result{Vector: c.ctx[op.Key].String()}
	text := ""
	if op.Kind == opAdd {
		res.Dot = m.Dot
		text = res.Dot.String()
	} else {
		res.Values = values(m.Siblings)
		text = strconv.Quote(strings.Join(res.Values, " | "))
	}
	c.finish(env, m.ID, op, &res, text)
}

// finish records the outcome. An add that timed out may still have
// reached some replicas (its outcome is unknown); a get that timed out
// changed nothing.
func (c *Client) finish(env engine.Env, id int, op Op, res *Result, text string) {
	c.ops.Remove(id)
	backstopTimer.Cancel(env, id)
	switch {
	case res != nil:
		env.Complete(id, *res, engine.OpOK)
		c.OK++
	case op.Kind == opAdd:
		env.Complete(id, nil, engine.OpUnknown)
		c.Unknown++
	default:
		env.Complete(id, nil, engine.OpFail)
		c.Failed++
	}
	if len(c.results) == keptResults {
		c.results = append(c.results[:0], c.results[1:]...)
	}
	c.results = append(c.results, op.String()+" → "+text)
}

func (c *Client) last() string {
	if len(c.results) == 0 {
		return ""
	}
	return c.results[len(c.results)-1]
}

// split is a cart's items.
func split(v string) []string {
	if v == "" {
		return nil
	}
	return strings.Split(v, ",")
}

// union is items sorted, each once: merging carts keeps every item.
func union(items []string) []string {
	out := slices.Clone(items)
	slices.Sort(out)
	return slices.Compact(out)
}

// View lists the operations waiting for an answer, what the client last
// read per key (its context) and the last outcomes.
func (c *Client) View() engine.ProcessView {
	items := make([]engine.QueueItem, 0, c.ops.Len())
	for _, w := range c.ops.All() {
		items = append(items, engine.QueueItem{ID: "#" + strconv.Itoa(w.ID), Text: w.Value.String(), State: engine.StatePending, Expiry: int64(w.Expires / time.Microsecond)})
	}
	var read []engine.KeyVersions
	for _, k := range slices.Sorted(maps.Keys(c.ctx)) {
		read = append(read, engine.KeyVersions{Key: k, Versions: []engine.Version{{Value: strings.Join(c.items[k], ","), Vector: c.ctx[k].pairs(), Visible: true}}})
	}
	return engine.ProcessView{Role: "client", Widgets: []engine.Widget{
		engine.QueueWidget("pending", items...),
		engine.VersionsWidget(WContext, read...),
		{Type: engine.WQueue, Title: "results", Items: append([]string(nil), c.results...)},
		engine.FieldsWidget("client",
			engine.Field{Label: "ok", Value: strconv.Itoa(c.OK)},
			engine.Field{Label: "add outcome unknown", Value: strconv.Itoa(c.Unknown)},
			engine.Field{Label: "get failed", Value: strconv.Itoa(c.Failed)}),
	}}
}
