package web

import (
	"encoding/json"
	"net/http/httptest"
	"strconv"
	"testing"

	"clusterscope/engine"
	"clusterscope/patterns"
	"clusterscope/web/share"
	"clusterscope/web/testlog"
)

// sentOp is what the browser reads of an operation.
type sentOp struct {
	ID     int             `json:"id"`
	Status engine.OpStatus `json:"status"`
	Text   string          `json:"text"`
}

type opsFrame struct {
	Type string   `json:"type"`
	Ops  []sentOp `json:"ops"`
	Log  *string  `json:"log"`
}

// clientCommands are one command per client action of the pattern (reads
// and writes), every parameter filled as a learner's click would.
func clientCommands(p *patterns.Pattern, n int) []engine.Command {
	var out []engine.Command
	for _, a := range p.Cluster.Actions {
		if a.Target != "client" {
			continue
		}
		args := map[string]string{}
		for _, prm := range a.Params {
			switch {
			case prm.Type == "node":
				args[prm.Name] = patterns.NodeNames(1)[0]
			case prm.Default != "":
				args[prm.Name] = prm.Default
			case prm.Type == "choice" && len(prm.Choices) > 0:
				args[prm.Name] = prm.Choices[0]
			default:
				args[prm.Name] = strconv.Itoa(n)
			}
		}
		out = append(out, engine.Command{Kind: engine.CmdClient, Node: p.Cluster.Clients[n%len(p.Cluster.Clients)], Name: a.Name, Args: args})
	}
	return out
}

// What the browser builds from the frames (operations by id, the log) always
// matches the run, with each operation's text as the pattern's porcupine
// model describes it; an operation is sent when new and when it completes,
// not again; and the log follows steps back and the future re-applied.
func TestFramesCarryOpsWithTextAndTheLog(t *testing.T) {
	p, ok := patterns.ByID("leader-and-followers")
	if !ok || !p.Live() || p.Cluster.Porcupine == nil || p.Cluster.Porcupine.DescribeOperation == nil {
		t.Skip("leader-and-followers is not live with a porcupine model")
	}
	cfg, err := p.Config(3, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	s := &session{id: "t", pat: p, play: playState{Speed: 1}, hub: newHub(Limits{}.withDefaults(), nil), lim: Limits{}.withDefaults()}
	if err := s.start(cfg, nil, 0); err != nil {
		t.Fatal(err)
	}
	ops := map[int]sentOp{}
	sends := map[int]int{}
	var log string
	read := func(f frame) {
		t.Helper()
		var got opsFrame
		if err := json.Unmarshal(mustJSON(f), &got); err != nil {
			t.Fatal(err)
		}
		if got.Type == "snapshot" {
			ops, sends = map[int]sentOp{}, map[int]int{}
		}
		for _, op := range got.Ops {
			ops[op.ID] = op
			sends[op.ID]++
		}
		if got.Log != nil {
			log = *got.Log
		}
		h := s.sim.History()
		if len(ops) != len(h) {
			t.Fatalf("step %d: the browser holds %d operations, the run has %d", s.sim.StepCount(), len(ops), len(h))
		}
		for _, op := range h {
			var out any
			if op.Status == engine.OpOK {
				out = op.Output
			}
			want := p.Cluster.Porcupine.DescribeOperation(op.Input, out)
			if b := ops[op.ID]; b.Status != op.Status || b.Text != want || want == "" {
				t.Fatalf("step %d: op %d in the browser %+v, want status %q text %q", s.sim.StepCount(), op.ID, b, op.Status, want)
			}
			if sends[op.ID] > 2 {
				t.Fatalf("op %d was sent %d times", op.ID, sends[op.ID])
			}
		}
		if want := share.EncodeLog(s.fullLog()); log != want {
			t.Fatalf("step %d: the browser's log is stale", s.sim.StepCount())
		}
	}
	read(s.snapshotFrame())
	play := func(steps int) {
		for j := 0; j < steps; j++ {
			if j%40 == 39 {
				for _, c := range clientCommands(p, j) {
					if err := s.sim.Apply(c); err != nil {
						t.Fatal(err)
					}
				}
			}
			if s.stepN(1) == 0 {
				t.Fatal("the cluster went idle")
			}
			if f, ok := s.deltaFrame(); ok {
				read(f)
			}
		}
	}
	play(600)
	completed := 0
	for _, op := range s.sim.History() {
		if op.Status != engine.OpPending {
			completed++
		}
	}
	if completed == 0 {
		t.Fatal("no operation completed: the test shows nothing")
	}
	// Back to the middle: the commands after it wait in the future, and
	// stepping on re-applies them.
	if err := s.rewind(300); err != nil {
		t.Fatal(err)
	}
	if len(s.future) == 0 {
		t.Fatal("no future after a step back")
	}
	read(s.snapshotFrame())
	for len(s.future) > 0 {
		play(1)
	}
	play(100)
}

// Without a porcupine model's words, an operation reads as its JSON.
func TestOpTextWithoutAModel(t *testing.T) {
	op := engine.Operation{Input: map[string]string{"op": "get"}, Output: 7, Status: engine.OpOK}
	if got := newWireOp(nil, op).Text; got != `{"op":"get"} → 7` {
		t.Errorf("ok op: %q", got)
	}
	op.Status = engine.OpUnknown
	if got := newWireOp(nil, op).Text; got != `{"op":"get"}` {
		t.Errorf("unknown op: %q", got)
	}
}

// An input or output with its own words (a fmt.Stringer) is written in
// them, not as JSON.
type spoken string

func (s spoken) String() string { return "say " + string(s) }

func TestOpTextInItsOwnWords(t *testing.T) {
	op := engine.Operation{Input: spoken("hi"), Output: spoken("back"), Status: engine.OpOK}
	if got := newWireOp(nil, op).Text; got != "say hi → say back" {
		t.Errorf("ok op: %q", got)
	}
}

// A setting changed by a command is sent with the frame, and a step back
// before the change sends the default again, so the page's Settings box shows
// the value in force (it used to keep showing the page default).
func TestFramesCarryTheSettingsInForce(t *testing.T) {
	type paramsFrame struct {
		Type   string          `json:"type"`
		Step   int             `json:"step"`
		Params *map[string]int `json:"params"`
	}
	srv := New(Options{Patterns: patterns.Live(), Logger: testlog.New(t)})
	ts := httptest.NewServer(srv)
	t.Cleanup(func() { srv.Close(); ts.Close() })
	c := dial(t, ts, "pattern=heartbeat")
	f, raw := mustReadAs[paramsFrame](c)
	if f.Params == nil || (*f.Params)["heartbeat-ms"] != 50 {
		t.Fatalf("snapshot: want the page's heartbeat-ms 50: %.300s", raw)
	}
	c.send(`{"type":"step","n":3}`)
	if f, _ = mustReadAs[paramsFrame](c); f.Params != nil {
		t.Fatalf("a step that changed no setting resent them: %v", *f.Params)
	}
	c.send(`{"type":"cmd","cmd":{"kind":"param","name":"heartbeat-ms","value":200}}`)
	if f, raw = mustReadAs[paramsFrame](c); f.Params == nil || (*f.Params)["heartbeat-ms"] != 200 {
		t.Fatalf("after param: %.300s", raw)
	}
	c.send(`{"type":"seek","step":1}`)
	if f, raw = mustReadAs[paramsFrame](c); f.Params == nil || (*f.Params)["heartbeat-ms"] != 50 {
		t.Fatalf("seek before the change: %.300s", raw)
	}
}
