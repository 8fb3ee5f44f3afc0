package web

import (
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"clusterscope/engine"
	"clusterscope/patterns"
	"clusterscope/patterns/kit"
	"clusterscope/patterns/replog"
	"clusterscope/web/testlog"
)

// A tiny key-value pattern for history-check tests: each client is its own
// store and answers after a millisecond. With the "stale" variant every
// second read returns the value before the latest write, which breaks
// read-your-writes and monotonic reads on cue.

type staleClient struct {
	values  map[string][]string // key → every value written, in order
	pending map[string]int      // timer → operation id
	inputs  map[int]replog.KVInput
	reads   int
}

func (c *staleClient) Handle(env engine.Env, ev engine.Event) {
	switch ev.Kind {
	case engine.EvStart:
		c.values, c.pending, c.inputs = map[string][]string{}, map[string]int{}, map[int]replog.KVInput{}
	case engine.EvRequest:
		in := replog.KVInput{Op: "get", Key: ev.Request.Args["key"]}
		if ev.Request.Name == "write" {
			in.Op, in.Value = "put", ev.Request.Args["value"]
		}
		id := env.Invoke(in)
		c.inputs[id] = in
		timer := "op#" + strconv.Itoa(id)
		c.pending[timer] = id
		env.SetTimer(timer, time.Millisecond)
	case engine.EvTimer:
		id, ok := c.pending[ev.Timer]
		if !ok {
			return
		}
		delete(c.pending, ev.Timer)
		in := c.inputs[id]
		vs := c.values[in.Key]
		if in.Op == "put" {
			c.values[in.Key] = append(vs, in.Value)
			env.Complete(id, replog.KVOutput{}, engine.OpOK)
			return
		}
		c.reads++
		got := ""
		switch {
		case len(vs) >= 2 && env.Variant("stale") && c.reads%2 == 0:
			got = vs[len(vs)-2]
		case len(vs) >= 1:
			got = vs[len(vs)-1]
		}
		env.Complete(id, replog.KVOutput{Value: got}, engine.OpOK)
	}
}

func (c *staleClient) View() engine.ProcessView { return engine.ProcessView{Role: "client"} }

type idleServer struct{}

func (idleServer) Handle(engine.Env, engine.Event) {}
func (idleServer) View() engine.ProcessView        { return engine.ProcessView{Role: "store"} }

func staleKVPattern() *patterns.Pattern {
	model := kit.KVModel
	cl := &kit.Cluster{
		Nodes: patterns.NodeNames(1), Clients: []string{"alice"}, MinNodes: 1, MaxNodes: 1,
		Variants: []kit.Variant{{Name: "stale", Label: "Stale reads", Description: "every second read returns the value before the latest"}},
		Actions: []kit.Action{
			{Name: "write", Label: "write", Target: kit.TargetClient, Params: []kit.Param{{Name: "key", Type: kit.ParamString, Default: "x"}, {Name: "value", Type: kit.ParamString, Default: "1"}}},
			{Name: "read", Label: "read", Target: kit.TargetClient, Params: []kit.Param{{Name: "key", Type: kit.ParamString, Default: "x"}}},
		},
		Build: func(engine.Config) engine.Model {
			return engine.Model{NewProcess: func(id string, role engine.Role) engine.Process {
				if role == engine.RoleClient {
					return &staleClient{}
				}
				return idleServer{}
			}}
		},
		Porcupine:     &model,
		HistoryChecks: []kit.HistoryCheck{kit.ReadYourWrites, kit.MonotonicReads},
	}
	return &patterns.Pattern{ID: "test-stale-kv", Title: "Test Stale KV", Track: "T1", Intent: "Stale reads for tests.", Cluster: cl}
}

// staleKVOps is alice's script: two writes, then two reads; the second
// read is the stale one when the variant is on.
var staleKVOps = []map[string]any{
	{"kind": "client", "node": "alice", "name": "write", "args": map[string]string{"key": "x", "value": "1"}},
	{"kind": "client", "node": "alice", "name": "write", "args": map[string]string{"key": "x", "value": "2"}},
	{"kind": "client", "node": "alice", "name": "read", "args": map[string]string{"key": "x"}},
	{"kind": "client", "node": "alice", "name": "read", "args": map[string]string{"key": "x"}},
}

type checksDoc struct {
	Operations []struct {
		ID     int
		Status string
	}
	Verdict struct{ Result string }
	Checks  []struct {
		Check, Text, Doc string
		OK               bool
		Ops              []int
	}
}

// runStaleKV plays alice's script over the WebSocket and returns the
// history export once all four operations are answered.
func runStaleKV(t *testing.T, query string) checksDoc {
	t.Helper()
	srv := New(Options{Patterns: []*patterns.Pattern{staleKVPattern()}, Logger: testlog.New(t)})
	ts := httptest.NewServer(srv)
	t.Cleanup(func() { srv.Close(); ts.Close() })
	c := dial(t, ts, "pattern=test-stale-kv&seed=1"+query)
	snap := c.vnext()
	for _, op := range staleKVOps {
		c.send(map[string]any{"type": "cmd", "cmd": op})
		c.send(map[string]any{"type": "run", "dur": "5ms"})
	}
	var d checksDoc
	deadline := time.Now().Add(5 * time.Second)
	for {
		getJSON(t, ts.URL+"/session/"+snap.Session+"/history.json?key="+snap.Key, 200, &d)
		answered := 0
		for _, op := range d.Operations {
			if op.Status == "ok" {
				answered++
			}
		}
		if answered == 4 || time.Now().After(deadline) {
			return d
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// The history export carries one verdict per declared check: both hold on
// an honest store and both break, naming the operations of the breach, when
// every second read is stale.
func TestHistoryExportCarriesNamedChecks(t *testing.T) {
	d := runStaleKV(t, "")
	if d.Verdict.Result != "ok" || len(d.Checks) != 2 {
		t.Fatalf("honest store: verdict %q, checks %+v", d.Verdict.Result, d.Checks)
	}
	for i, want := range []string{"read-your-writes", "monotonic-reads"} {
		if c := d.Checks[i]; c.Check != want || !c.OK || c.Doc == "" || c.Text == "" {
			t.Errorf("honest store, check %d: %+v, want %s to hold, with its doc and text", i, c, want)
		}
	}

	d = runStaleKV(t, "&variants=stale")
	if d.Verdict.Result != "illegal" || len(d.Checks) != 2 {
		t.Fatalf("stale store: verdict %q, checks %+v", d.Verdict.Result, d.Checks)
	}
	// ids: 0 and 1 are the writes of 1 and 2, 2 the fresh read, 3 the stale one.
	for i, want := range []struct {
		check string
		ops   []int
		text  string
	}{{"read-your-writes", []int{1, 3}, `wrote x="2" and then read x="1"`}, {"monotonic-reads", []int{2, 3}, `read x="2" and later x="1"`}} {
		c := d.Checks[i]
		if c.Check != want.check || c.OK || !strings.Contains(c.Text, want.text) || len(c.Ops) != 2 || c.Ops[0] != want.ops[0] || c.Ops[1] != want.ops[1] {
			t.Errorf("stale store, check %d: %+v, want %s broken by ops %v (%s)", i, c, want.check, want.ops, want.text)
		}
	}
}
