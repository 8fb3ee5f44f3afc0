package engine

import (
	"errors"
	"fmt"
	"strconv"
	"testing"
	"time"
)

// The echo cluster is the engine's test subject: servers that ping their
// peers on a timer and answer pings, keep a little on disk, and serve a
// client that writes through them. It is not a product pattern.

type ping struct{ N int }
type pong struct{ N int }
type writeReq struct {
	Op   int
	Fail bool
}
type writeResp struct {
	Op int
	OK bool
}

func (ping) Kind() string      { return "Ping" }
func (pong) Kind() string      { return "Pong" }
func (writeReq) Kind() string  { return "Write" }
func (writeResp) Kind() string { return "WriteResp" }

func (p ping) Summary() string { return "n=" + strconv.Itoa(p.N) }

type firing struct {
	name  string
	local time.Duration // the node's own clock when it fired
}

// echoNode pings every peer every "tick-ms" (10 by default, 0 = never) and
// answers every ping with a pong.
type echoNode struct {
	id       string
	got      []string // "from:Kind:N" in receive order
	fired    []firing
	sent     int
	boots    int      // from disk: survives restarts
	restored []string // the disk as found at the last start
	handled  int      // volatile: lost on crash
}

func (n *echoNode) Handle(env Env, ev Event) {
	n.handled++
	switch ev.Kind {
	case EvStart:
		st := env.Storage()
		if v, ok := st.Get("boots"); ok {
			n.boots = v.(int)
		}
		n.boots++
		st.Put("boots", n.boots)
		st.Sync()
		for _, k := range st.Keys() {
			v, _ := st.Get(k)
			n.restored = append(n.restored, fmt.Sprintf("%s=%v", k, v))
		}
		for _, e := range st.Log() {
			n.restored = append(n.restored, fmt.Sprintf("log:%v", e))
		}
		if tick := env.Param("tick-ms", 10); tick > 0 {
			env.SetTimer("tick", time.Duration(tick)*time.Millisecond)
		}
	case EvTimer:
		n.fired = append(n.fired, firing{ev.Timer, env.Now()})
		if ev.Timer == "tick" {
			for _, p := range env.Peers() {
				if p != env.ID() {
					n.sent++
					env.Send(p, ping{N: n.sent})
				}
			}
			env.SetTimer("tick", time.Duration(env.Param("tick-ms", 10))*time.Millisecond)
		}
	case EvReceive:
		switch m := ev.Msg.(type) {
		case ping:
			n.got = append(n.got, fmt.Sprintf("%s:Ping:%d", ev.From, m.N))
			env.Send(ev.From, pong(m))
		case pong:
			n.got = append(n.got, fmt.Sprintf("%s:Pong:%d", ev.From, m.N))
		case writeReq:
			n.got = append(n.got, fmt.Sprintf("%s:Write:%d", ev.From, m.Op))
			env.Send(ev.From, writeResp{Op: m.Op, OK: !m.Fail})
		}
	case EvRequest:
		a := ev.Request.Args
		st := env.Storage()
		switch ev.Request.Name {
		case "ping": // to, n
			k, _ := strconv.Atoi(a["n"])
			env.Send(a["to"], ping{N: k})
		case "put": // key, value, sync
			st.Put(a["key"], a["value"])
			if a["sync"] == "yes" {
				st.Sync()
			}
		case "append": // entry, sync
			st.Append(a["entry"])
			if a["sync"] == "yes" {
				st.Sync()
			}
		case "timer": // name, ms
			ms, _ := strconv.Atoi(a["ms"])
			if a["named"] == "yes" {
				SetTimerNamed(env, []byte(a["name"]), time.Duration(ms)*time.Millisecond)
			} else {
				env.SetTimer(a["name"], time.Duration(ms)*time.Millisecond)
			}
		case "cancel":
			if a["named"] == "yes" {
				CancelTimerNamed(env, []byte(a["name"]))
			} else {
				env.CancelTimer(a["name"])
			}
		case "note":
			env.Note("%s says %s", n.id, a["text"])
		}
	}
}

func (n *echoNode) ValidateRequest(r Request) error {
	switch r.Name {
	case "ping":
		if r.Args["to"] == "" {
			return errors.New("ping whom? (to is empty)")
		}
	case "put", "append", "timer", "cancel", "note":
	default:
		return fmt.Errorf("no action %q", r.Name)
	}
	return nil
}

func (n *echoNode) View() ProcessView {
	return ProcessView{
		Role:    "echo",
		Badge:   fmt.Sprintf("boot %d", n.boots),
		Widgets: []Widget{{Type: "fields", Fields: []Field{{Label: "received", Value: strconv.Itoa(len(n.got))}}}},
	}
}

// echoClient writes through a server: "write" with args to (default athens)
// and fail=yes (the server answers no). It gives up after 100ms of its own
// clock and records the operation as unknown.
type echoClient struct {
	pending map[int]bool
}

func (c *echoClient) Handle(env Env, ev Event) {
	switch ev.Kind {
	case EvStart:
		c.pending = map[int]bool{}
	case EvRequest:
		to := ev.Request.Args["to"]
		if to == "" {
			to = "athens"
		}
		op := env.Invoke("write " + to)
		c.pending[op] = true
		env.Send(to, writeReq{Op: op, Fail: ev.Request.Args["fail"] == "yes"})
		env.SetTimer("timeout-"+strconv.Itoa(op), 100*time.Millisecond)
	case EvReceive:
		r, ok := ev.Msg.(writeResp)
		if !ok || !c.pending[r.Op] {
			return
		}
		delete(c.pending, r.Op)
		env.CancelTimer("timeout-" + strconv.Itoa(r.Op))
		if r.OK {
			env.Complete(r.Op, "done", OpOK)
		} else {
			env.Complete(r.Op, "refused", OpFail)
		}
	case EvTimer:
		op, _ := strconv.Atoi(ev.Timer[len("timeout-"):])
		delete(c.pending, op)
		env.Complete(op, nil, OpUnknown)
	}
}

func (c *echoClient) ValidateRequest(r Request) error {
	if r.Name != "write" {
		return fmt.Errorf("clients only write, not %q", r.Name)
	}
	return nil
}

func (c *echoClient) View() ProcessView { return ProcessView{Role: "client"} }

func echoModel() Model {
	return Model{NewProcess: func(id string, role Role) Process {
		if role == RoleClient {
			return &echoClient{}
		}
		return &echoNode{id: id}
	}}
}

var (
	three = []string{"athens", "byzantium", "cyrene"}
	five  = []string{"athens", "byzantium", "cyrene", "delphi", "ephesus"}
)

// quiet is a config whose nodes only act when told to.
func quiet(nodes ...string) Config {
	return Config{Nodes: nodes, Seed: 1, Params: map[string]int{"tick-ms": 0}}
}

// fixedNet is a link with exactly d of delay.
func fixedNet(d time.Duration) *NetSettings {
	return &NetSettings{MinDelay: Duration(d), MeanDelay: Duration(d)}
}

func newSim(t testing.TB, cfg Config) *Sim {
	t.Helper()
	s, err := New(cfg, echoModel())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func apply(t testing.TB, s *Sim, c Command) {
	t.Helper()
	if err := s.Apply(c); err != nil {
		t.Fatalf("%s: %v", c.Kind, err)
	}
}

// act makes a server node do something: act(t, s, "athens", "ping", "to", "byzantium").
func act(t testing.TB, s *Sim, node, name string, kv ...string) {
	t.Helper()
	args := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		args[kv[i]] = kv[i+1]
	}
	apply(t, s, Command{Kind: CmdAction, Node: node, Name: name, Args: args})
}

func echo(t testing.TB, s *Sim, id string) *echoNode {
	t.Helper()
	p, ok := s.World().Process(id).(*echoNode)
	if !ok {
		t.Fatalf("%s is not a running echo node", id)
	}
	return p
}

// traceOf lists the trace events of one kind.
func traceOf(s *Sim, kind TraceKind) []TraceEvent {
	var out []TraceEvent
	for _, e := range s.Trace().Events() {
		if e.Kind == kind {
			out = append(out, e)
		}
	}
	return out
}

// countLinks counts deliveries from one node to another.
func countDelivered(s *Sim, from, to string) int {
	n := 0
	for _, e := range traceOf(s, TrDeliver) {
		if e.From == from && e.To == to {
			n++
		}
	}
	return n
}

func ms(n int) time.Duration { return time.Duration(n) * time.Millisecond }

// traceFrom builds a trace holding events, to hash a part of a run.
func traceFrom(events []TraceEvent) *Trace {
	var tr Trace
	for i := range events {
		e := events[i]
		tr.add(&e)
	}
	return &tr
}
