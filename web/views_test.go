package web

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"clusterscope/engine"
	"clusterscope/patterns"
	"clusterscope/web/testlog"
)

// Tests of what the linked views need from the server: branches in the
// session protocol, the trace and history exports, the trace schema.

// vframe is the part of a frame these tests read.
type vframe struct {
	Type     string        `json:"type"`
	Step     int           `json:"step"`
	Session  string        `json:"session"`
	Key      string        `json:"exportKey"`
	Branches *branchesWire `json:"branches"`
	Error    string        `json:"error"`
	Nodes    []struct {
		ID     string `json:"id"`
		Status string `json:"status"`
	} `json:"nodes"`
}

func (c *client) vnext() vframe { f, _ := mustReadAs[vframe](c); return f }

func (c *client) vuntil(what string, ok func(vframe) bool) vframe {
	c.t.Helper()
	return untilAs(c, what, c.vnext, ok)
}

func (f vframe) status(id string) string {
	for _, n := range f.Nodes {
		if n.ID == id {
			return n.Status
		}
	}
	return ""
}

func TestBranchProtocol(t *testing.T) {
	_, ts := newTestServer(t, Limits{})
	c := dial(t, ts, "pattern=test-ping")
	first := c.vnext()
	if first.Branches == nil || len(first.Branches.List) != 1 || first.Branches.Current != 0 {
		t.Fatalf("snapshot branches = %+v, want the first run only", first.Branches)
	}
	// Running on at the head of the only branch changes no branch: the
	// browser follows the reach from the steps, so deltas carry no list.
	for i := 1; i <= 3; i++ {
		c.send(map[string]any{"type": "step"})
		if f := c.vuntil("a step", func(f vframe) bool { return f.Type == "delta" }); f.Branches != nil {
			t.Fatalf("step %d's delta resends the branch list %+v", f.Step, f.Branches)
		}
	}
	c.send(map[string]any{"type": "step", "n": 47})
	c.vuntil("step 50", func(f vframe) bool { return f.Step == 50 })
	c.send(map[string]any{"type": "seek", "step": 20})
	c.vuntil("step 20", func(f vframe) bool { return f.Step == 20 })

	// Acting in the past starts branch 1 and keeps the first run.
	c.send(map[string]any{"type": "cmd", "cmd": map[string]any{"kind": "crash", "node": "athens"}})
	f := c.vuntil("two branches", func(f vframe) bool { return f.Branches != nil && len(f.Branches.List) == 2 })
	br := f.Branches
	if br.Current != 1 || br.List[1].Parent != 0 || br.List[1].Fork != 20 || br.List[0].Reach != 50 || !strings.Contains(br.List[1].Label, "crash athens") {
		t.Fatalf("branches after the crash: %+v", br)
	}
	if br.List[0].Commands != 0 || br.List[1].Commands != 1 {
		t.Errorf("command counts %d, %d; want 0 and 1", br.List[0].Commands, br.List[1].Commands)
	}
	// Acting at the head of a branch does not fork again.
	c.send(map[string]any{"type": "cmd", "cmd": map[string]any{"kind": "crash", "node": "byzantium"}})
	c.send(map[string]any{"type": "step", "n": 5})
	f = c.vuntil("step 25", func(f vframe) bool { return f.Step == 25 })

	// Back to the first run: where it was left, nobody crashed.
	c.send(map[string]any{"type": "branch", "id": 0})
	f = c.vuntil("the first run", func(f vframe) bool { return f.Type == "snapshot" })
	if f.Step != 50 || f.Branches.Current != 0 || f.status("athens") != "up" {
		t.Fatalf("first run: step %d, current %d, athens %s", f.Step, f.Branches.Current, f.status("athens"))
	}
	if len(f.Branches.List) != 2 || f.Branches.List[1].Reach != 25 || f.Branches.List[1].Commands != 2 {
		t.Errorf("branch 1 kept as %+v, want reach 25 and 2 commands", f.Branches.List[1])
	}
	// To branch 1 at a chosen step.
	c.send(map[string]any{"type": "branch", "id": 1, "step": 22})
	f = c.vuntil("branch 1", func(f vframe) bool { return f.Type == "snapshot" })
	if f.Step != 22 || f.Branches.Current != 1 || f.status("athens") != "crashed" || f.status("byzantium") != "crashed" {
		t.Fatalf("branch 1 at 22: step %d, current %d, athens %s, byzantium %s", f.Step, f.Branches.Current, f.status("athens"), f.status("byzantium"))
	}
	for _, bad := range []string{`{"type":"branch"}`, `{"type":"branch","id":7}`, `{"type":"branch","id":0,"step":-3}`} {
		c.send(bad)
		if e := c.vuntil("an error", func(f vframe) bool { return f.Type == "error" }); !strings.Contains(e.Error, "branch") {
			t.Errorf("%s: error %q does not say what was wrong", bad, e.Error)
		}
	}
	// A failed switch leaves the learner where they were.
	c.send(map[string]any{"type": "step"})
	if f := c.vuntil("a step", func(f vframe) bool { return f.Type == "delta" }); f.Step != 23 || (f.Branches != nil && f.Branches.Current != 1) {
		t.Errorf("after the bad switches: step %d, branches %+v", f.Step, f.Branches)
	}
	// Reset forgets every branch.
	c.send(map[string]any{"type": "reset"})
	f = c.vuntil("the reset", func(f vframe) bool { return f.Type == "snapshot" })
	if len(f.Branches.List) != 1 {
		t.Errorf("after a reset %d branches", len(f.Branches.List))
	}
}

func getJSON(t *testing.T, url string, want int, v any) http.Header {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != want {
		t.Fatalf("GET %s: %d %s, want %d", url, res.StatusCode, b, want)
	}
	if v != nil {
		if err := json.Unmarshal(b, v); err != nil {
			t.Fatalf("GET %s: not JSON: %v", url, err)
		}
	}
	return res.Header
}

func TestTraceExport(t *testing.T) {
	_, ts := newTestServer(t, Limits{})
	c := dial(t, ts, "pattern=test-ping&seed=4")
	first := c.vnext()
	id, key := first.Session, "?key="+first.Key
	c.send(map[string]any{"type": "cmd", "cmd": map[string]any{"kind": "crash", "node": "cyrene"}})
	c.send(map[string]any{"type": "step", "n": 40})
	c.vuntil("step 40", func(f vframe) bool { return f.Step == 40 })

	var doc map[string]json.RawMessage
	getJSON(t, ts.URL+"/session/"+id+"/trace.json"+key, 200, &doc)
	var d traceDoc
	raw, _ := json.Marshal(doc)
	json.Unmarshal(raw, &d)
	if d.Format != TraceFormat || d.Version != ExportVersion || d.Pattern != "test-ping" || d.Seed != 4 || d.Step != 40 {
		t.Errorf("header: %+v", d)
	}
	if len(d.Events) == 0 || len(d.Events) != d.EventsTotal || d.EventsFrom != 0 {
		t.Errorf("%d events of %d from %d", len(d.Events), d.EventsTotal, d.EventsFrom)
	}
	if len(d.Log) != 1 || d.Log[0].Kind != engine.CmdCrash {
		t.Errorf("log %+v", d.Log)
	}
	// The export replays: same inputs, same events.
	p := testPatterns()[0]
	cfg, _ := p.Config(len(d.Nodes), d.Seed, d.Variants)
	sim, err := engine.Replay(cfg, p.Cluster.Model(cfg), d.Log, d.Step)
	if err != nil {
		t.Fatal(err)
	}
	if got := sim.Trace().Events(); !reflect.DeepEqual(got, d.Events) {
		t.Errorf("replaying the exported inputs gives %d events that differ from the %d exported", len(got), len(d.Events))
	}

	// The traffic counts every message put on the network: one per send
	// and per copy in the trace.
	var sends int64
	for _, ev := range d.Events {
		if ev.Kind == engine.TrSend || ev.Kind == engine.TrDuplicate {
			sends++
		}
	}
	if d.Traffic.Total.Messages != sends || sends == 0 || len(d.Traffic.Nodes) != len(d.Nodes)+len(d.Clients) || len(d.Traffic.Kinds) == 0 {
		t.Errorf("traffic %+v, want %d messages", d.Traffic, sends)
	}

	// Every field is in the schema, and every required one in the export.
	var schema struct {
		Required   []string                   `json:"required"`
		Properties map[string]json.RawMessage `json:"properties"`
		Defs       struct {
			Event struct {
				Properties map[string]json.RawMessage `json:"properties"`
			} `json:"event"`
		} `json:"$defs"`
	}
	getJSON(t, ts.URL+"/schema/trace.json", 200, &schema)
	var keys, props []string
	for k := range doc {
		keys = append(keys, k)
	}
	for k := range schema.Properties {
		props = append(props, k)
	}
	sort.Strings(keys)
	sort.Strings(props)
	req := append([]string(nil), schema.Required...)
	sort.Strings(req)
	if !reflect.DeepEqual(keys, props) || !reflect.DeepEqual(keys, req) {
		t.Errorf("export fields %v\nschema properties %v\nrequired %v", keys, props, req)
	}
	evFields := reflect.TypeOf(engine.TraceEvent{})
	for i := 0; i < evFields.NumField(); i++ {
		name, _, _ := strings.Cut(evFields.Field(i).Tag.Get("json"), ",")
		if _, ok := schema.Defs.Event.Properties[name]; !ok {
			t.Errorf("trace event field %q is not in the schema", name)
		}
	}

	var part traceDoc
	getJSON(t, ts.URL+"/session/"+id+"/trace.json"+key+"&since=10", 200, &part)
	if part.EventsFrom != 10 || len(part.Events) != d.EventsTotal-10 || part.Events[0].Seq != 10 {
		t.Errorf("since=10: from %d, %d events", part.EventsFrom, len(part.Events))
	}
	var e map[string]string
	getJSON(t, ts.URL+"/session/"+id+"/trace.json"+key+"&since=x", 400, &e)
	if !strings.Contains(e["error"], "since") {
		t.Errorf("bad since: %q", e["error"])
	}
	getJSON(t, ts.URL+"/session/nope/trace.json", 404, &e)
	if !strings.Contains(e["error"], "no such run") {
		t.Errorf("unknown session: %q", e["error"])
	}
}

func TestHistoryExportAndVisualization(t *testing.T) {
	p, ok := patterns.ByID("leader-and-followers")
	if !ok {
		t.Fatal("no leader-and-followers")
	}
	srv := New(Options{Patterns: []*patterns.Pattern{p}, Logger: testlog.New(t)})
	ts := httptest.NewServer(srv)
	t.Cleanup(func() { srv.Close(); ts.Close() })
	c := dial(t, ts, "pattern=leader-and-followers&seed=1")
	first := c.vnext()
	id, key := first.Session, "?key="+first.Key

	var empty historyDoc
	getJSON(t, ts.URL+"/session/"+id+"/history.json"+key, 200, &empty)
	if empty.Verdict.Result != "none" || len(empty.Operations) != 0 {
		t.Errorf("before any request: %+v", empty)
	}
	c.send(map[string]any{"type": "run", "dur": "3s"})
	c.send(map[string]any{"type": "cmd", "cmd": map[string]any{"kind": "client", "node": "alice", "name": "write", "args": map[string]string{"key": "x", "value": "7"}}})
	c.send(map[string]any{"type": "cmd", "cmd": map[string]any{"kind": "client", "node": "bob", "name": "read", "args": map[string]string{"key": "x"}}})
	c.send(map[string]any{"type": "run", "dur": "3s"})
	c.send(map[string]any{"type": "pause"})
	c.vuntil("the runs", func(f vframe) bool { return f.Type == "delta" && f.Step > 100 })

	var h struct {
		Format     string `json:"format"`
		Clients    []string
		Operations []struct {
			ID       int    `json:"id"`
			Client   string `json:"client"`
			ClientID int    `json:"clientId"`
			Return   *int64 `json:"return"`
			Status   string `json:"status"`
			Input    struct{ Op, Key, Value string }
		}
		Verdict struct {
			Result  string
			Checked int
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		getJSON(t, ts.URL+"/session/"+id+"/history.json"+key, 200, &h)
		if len(h.Operations) == 2 && h.Operations[0].Status == "ok" && h.Operations[1].Status == "ok" || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if h.Format != HistoryFormat || len(h.Operations) != 2 || h.Verdict.Result != "ok" || h.Verdict.Checked != 2 {
		t.Fatalf("history: %+v", h)
	}
	for _, op := range h.Operations {
		if op.Return == nil || h.Clients[op.ClientID] != op.Client {
			t.Errorf("operation %+v: no return, or client id not an index into %v", op, h.Clients)
		}
	}
	if h.Operations[0].Input.Op != "put" || h.Operations[0].Input.Value != "7" {
		t.Errorf("input not exported as the pattern's value: %+v", h.Operations[0].Input)
	}

	res, err := http.Get(ts.URL + "/session/" + id + "/history.html" + key)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	csp := res.Header.Get("Content-Security-Policy")
	if res.StatusCode != 200 || !strings.Contains(string(page), "<html") || !strings.Contains(string(page), "put x=7") {
		t.Errorf("porcupine page: %d, %d bytes", res.StatusCode, len(page))
	}
	if !strings.Contains(csp, "sandbox") || strings.Contains(csp, "allow-same-origin") {
		t.Errorf("porcupine page policy %q: it runs inline scripts, so it must be sandboxed", csp)
	}
}
