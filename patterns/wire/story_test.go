package wire

import (
	"strings"
	"testing"
	"time"

	"clusterscope/engine"
	"clusterscope/patterns/kit"
	"clusterscope/patterns/kit/kittest"
)

// story drives a page by hand, as a lesson does, with the book's names:
// athens serves, alice (and bob) send.
type story struct {
	t *testing.T
	c *kit.Cluster
	s *engine.Sim
}

func newStory(t *testing.T, c *kit.Cluster, params map[string]int, variants ...string) *story {
	t.Helper()
	// A story drives the clients itself, as the lessons do: no offered
	// load unless it asks for one.
	withoutLoad := map[string]int{ParamLoad: 0}
	for k, v := range params {
		withoutLoad[k] = v
	}
	s := kittest.Sim(t, c, 0, 1, withoutLoad, variants...)
	return &story{t: t, c: c, s: s}
}

func (st *story) do(c engine.Command) {
	st.t.Helper()
	if err := st.s.Apply(c); err != nil {
		st.t.Fatalf("%s: %v", c, err)
	}
}

func (st *story) client(who, op string, args map[string]string) {
	st.t.Helper()
	st.do(engine.Command{Kind: engine.CmdClient, Node: who, Name: op, Args: args})
}

func (st *story) run(d time.Duration) { st.s.RunFor(d, 1_000_000) }

// runUntil runs until cond holds (at most limit) and returns the time it took.
func (st *story) runUntil(cond func() bool, limit time.Duration) time.Duration {
	st.t.Helper()
	start := st.s.Now()
	for !cond() {
		if st.s.Now()-start > limit {
			st.t.Fatalf("not reached within %v", limit)
		}
		st.s.RunFor(time.Millisecond, 1_000_000)
	}
	return st.s.Now() - start
}

func (st *story) athens() *Server { return st.s.World().Process("athens").(*Server) }
func (st *story) sender() *Sender { return st.s.World().Process("alice").(*Sender) }
func (st *story) batcher(id string) *Batcher {
	return st.s.World().Process(id).(*Batcher)
}

func (st *story) violated(name string) bool {
	for _, v := range st.s.Violations() {
		if v.Invariant == name {
			return true
		}
	}
	return false
}

// Ten writes stop-and-wait take about ten round trips; with a window of
// five, about two: the pipeline's whole point.
func TestTheWindowCutsTheTimeOfTenWrites(t *testing.T) {
	took := map[int]time.Duration{}
	for _, window := range []int{1, 5} {
		st := newStory(t, RequestPipeline(), map[string]int{ParamWindow: window})
		st.client("alice", actBurst, map[string]string{"count": "10"})
		took[window] = st.runUntil(func() bool { return st.sender().Completed == 10 }, 2*time.Second)
		if v := st.s.Violations(); len(v) > 0 {
			t.Fatalf("window %d: %v", window, v[0])
		}
	}
	// A round trip is 10–30 ms here (5–15 ms each way) plus 1 ms of work.
	if took[1] < 10*10*time.Millisecond || took[5] > took[1]/3 {
		t.Fatalf("ten writes took %v stop-and-wait and %v with a window of 5", took[1], took[5])
	}
	t.Logf("ten writes: %v stop-and-wait, %v with a window of 5", took[1], took[5])
}

// A full window blocks the sender: the sixth write waits in alice's outbox
// until a response frees a slot.
func TestAFullWindowBlocksTheSender(t *testing.T) {
	st := newStory(t, RequestPipeline(), nil)
	st.client("alice", actBurst, map[string]string{"count": "8"})
	if got := len(st.sender().flight); got != 5 {
		t.Fatalf("%d in flight, want the window's 5", got)
	}
	if got := len(st.sender().outbox); got != 3 {
		t.Fatalf("%d blocked, want 3", got)
	}
	st.run(time.Second)
	if st.sender().Completed != 8 || len(st.s.Violations()) > 0 {
		t.Fatalf("completed %d, violations %v", st.sender().Completed, st.s.Violations())
	}
}

// lose3 sends #1, #2, loses #3 on the wire, sends #4 and #5, then reads x
// once all five are answered.
func lose3(st *story) {
	st.client("alice", actBurst, map[string]string{"count": "2"})
	st.do(engine.Command{Kind: engine.CmdDropNext, From: "alice", To: "athens", MsgKind: "Request", Count: 1})
	st.client("alice", actBurst, map[string]string{"count": "3"})
	st.runUntil(func() bool { return st.sender().Completed == 5 }, 2*time.Second)
	st.client("alice", opGet, map[string]string{"key": "x"})
	st.runUntil(func() bool { return st.sender().Completed == 6 }, 2*time.Second)
}

// #3 is lost while #4 and #5 arrive: athens rejects them (each comes after
// a request it has not applied) and alice resends from #3, so x ends with
// #5's value.
func TestALostRequestIsResentInOrder(t *testing.T) {
	st := newStory(t, RequestPipeline(), nil)
	lose3(st)
	if st.athens().Rejected < 2 || st.athens().store["x"] != "5" {
		t.Fatalf("rejected %d, x=%q: want #4 and #5 rejected and x=5", st.athens().Rejected, st.athens().store["x"])
	}
	if v := st.s.Violations(); len(v) > 0 || !st.c.Linearizable(st.s.History()) {
		t.Fatalf("violations %v, linearizable %v", v, st.c.Linearizable(st.s.History()))
	}
}

// Without the order check athens applies #4 and #5, then the resent #3:
// x ends with #3's value though #5 was written last.
func TestWithoutTheOrderCheckXEndsWithThe3rdWrite(t *testing.T) {
	st := newStory(t, RequestPipeline(), nil, VarNoOrderCheck)
	lose3(st)
	if x := st.athens().store["x"]; x != "3" {
		t.Fatalf("x=%q, want #3's value", x)
	}
	if !st.violated(InvAppliedInOrder) || st.s.Violations()[0].Invariant != InvAppliedInOrder {
		t.Fatalf("violations %v, want %s first", st.s.Violations(), InvAppliedInOrder)
	}
	if st.c.Linearizable(st.s.History()) {
		t.Fatal("porcupine accepts x=3 after #5")
	}
}

// Ten requests, one of them invalid, go in one message; only the invalid
// one's future fails.
func TestOneInvalidRequestFailsOnlyItsOwnFuture(t *testing.T) {
	st := newStory(t, RequestBatch(), nil)
	st.client("alice", actBurst, map[string]string{"count": "10", "invalid": "4"})
	st.run(200 * time.Millisecond)
	a := st.batcher("alice")
	if a.Messages != 1 || a.Completed != 10 || a.Refused != 1 {
		t.Fatalf("messages %d, completed %d, refused %d: want one message, ten answers, one refusal", a.Messages, a.Completed, a.Refused)
	}
	for _, op := range st.s.History() {
		if (op.Status == engine.OpFail) != (op.Input.(Op).Kind == opPut && op.Input.(Op).Value == "") {
			t.Fatalf("%v ended %s", op.Input, op.Status)
		}
	}
	if v := st.s.Violations(); len(v) > 0 || !st.c.Linearizable(st.s.History()) {
		t.Fatalf("violations %v", v)
	}
}

// Matched by position, the futures after the invalid request each get
// their neighbour's answer.
func TestByPositionTheFuturesAfterAFailureGetTheirNeighboursAnswer(t *testing.T) {
	st := newStory(t, RequestBatch(), nil, VarByPosition)
	st.client("alice", actBurst, map[string]string{"count": "10", "invalid": "4"})
	st.run(200 * time.Millisecond)
	v := st.s.Violations()
	if len(v) == 0 || v[0].Invariant != InvMatchedByID || !strings.Contains(v[0].Text, "answer to request") {
		t.Fatalf("violations %v, want %s", v, InvMatchedByID)
	}
}

// A lone request waits the linger time, then goes alone; a full batch goes
// at once.
func TestALoneRequestWaitsTheLingerTime(t *testing.T) {
	st := newStory(t, RequestBatch(), map[string]int{ParamLinger: 50})
	st.client("bob", opPut, map[string]string{"key": "x", "value": "7"})
	st.run(45 * time.Millisecond)
	if b := st.batcher("bob"); b.Messages != 0 || len(b.queue) != 1 {
		t.Fatalf("sent %d messages before the linger ran out", b.Messages)
	}
	st.run(10 * time.Millisecond)
	if b := st.batcher("bob"); b.Messages != 1 {
		t.Fatal("the lone request was not sent when its linger ran out")
	}
	st.client("alice", actBurst, map[string]string{"count": "10"})
	if a := st.batcher("alice"); a.Messages != 1 {
		t.Fatal("a full batch waited")
	}
}

// With linger = ∞ the lone request is never sent, and the liveness check
// says so as soon as it is late.
func TestWithoutALingerALoneRequestIsNeverSent(t *testing.T) {
	st := newStory(t, RequestBatch(), nil, VarNoLinger)
	st.client("bob", opPut, map[string]string{"key": "x", "value": "7"})
	st.run(time.Second)
	if b := st.batcher("bob"); b.Messages != 0 || !st.violated(InvSentInTime) {
		t.Fatalf("messages %d, violations %v", b.Messages, st.s.Violations())
	}
}

// Bad settings are refused with a clear error and leave the run as it was.
func TestBadSettingsAreRefused(t *testing.T) {
	for _, tc := range []struct {
		page  *kit.Cluster
		name  string
		value int
	}{{RequestPipeline(), ParamWindow, 0}, {RequestBatch(), ParamLinger, -1}, {RequestBatch(), ParamBatch, 0}} {
		st := newStory(t, tc.page, nil)
		before := st.s.Trace().Hash()
		err := st.s.Apply(engine.Command{Kind: engine.CmdParam, Name: tc.name, Value: tc.value})
		if err == nil || !strings.Contains(err.Error(), tc.name) {
			t.Fatalf("%s=%d: error %v", tc.name, tc.value, err)
		}
		if st.s.Trace().Hash() != before || st.s.World().Param(tc.name, -99) == tc.value {
			t.Fatalf("%s=%d changed the run", tc.name, tc.value)
		}
	}
}

// A batch pays the frame header once: its bytes grow with its requests,
// but ten requests in one message cost fewer bytes than ten messages of
// one, both ways. On a link with a bandwidth that is time.
func TestABatchPaysTheFrameHeaderOnce(t *testing.T) {
	bytes := func(batch int) (out, back int64) {
		st := newStory(t, RequestBatch(), map[string]int{ParamBatch: batch})
		st.client("alice", actBurst, map[string]string{"count": "10"})
		st.run(200 * time.Millisecond)
		if a := st.batcher("alice"); a.Completed != 10 || a.Messages != 10/batch {
			t.Fatalf("batch %d: completed %d in %d messages", batch, a.Completed, a.Messages)
		}
		w := st.s.World()
		return w.LinkStats("alice", "athens").Bytes, w.LinkStats("athens", "alice").Bytes
	}
	one := func() (out, back int64) {
		st := newStory(t, RequestBatch(), map[string]int{ParamLinger: 0})
		st.client("alice", opPut, map[string]string{"key": "x", "value": "1"})
		st.run(200 * time.Millisecond)
		w := st.s.World()
		return w.LinkStats("alice", "athens").Bytes, w.LinkStats("athens", "alice").Bytes
	}
	singleOut, singleBack := one()
	batchedOut, batchedBack := bytes(10)
	unbatchedOut, unbatchedBack := bytes(1)
	if !(singleOut < batchedOut && batchedOut < unbatchedOut) || !(singleBack < batchedBack && batchedBack < unbatchedBack) {
		t.Fatalf("bytes out/back: one request %d/%d, ten in a batch %d/%d, ten alone %d/%d",
			singleOut, singleBack, batchedOut, batchedBack, unbatchedOut, unbatchedBack)
	}
	t.Logf("bytes out/back: one request %d/%d, ten in a batch %d/%d, ten alone %d/%d",
		singleOut, singleBack, batchedOut, batchedBack, unbatchedOut, unbatchedBack)
}

// A pipelined request's size is its frame and its write: a long value
// takes longer to cross a slow link.
func TestALongerValueTakesLongerOnASlowLink(t *testing.T) {
	took := func(value string) time.Duration {
		st := newStory(t, RequestPipeline(), nil)
		st.do(engine.Command{Kind: engine.CmdNetwork, Net: &engine.NetSettings{MinDelay: engine.Duration(time.Millisecond), MeanDelay: engine.Duration(time.Millisecond), FIFO: true, Bandwidth: 1000}})
		st.client("alice", opPut, map[string]string{"key": "x", "value": value})
		return st.runUntil(func() bool { return st.sender().Completed == 1 }, 2*time.Second)
	}
	short, long := took("1"), took(strings.Repeat("v", maxValue))
	// 31 more bytes at 1000 bytes/s is 31 ms more.
	if long-short < 25*time.Millisecond {
		t.Fatalf("a put of 1 byte took %v, of %d bytes %v", short, maxValue, long)
	}
}

// With no linger a lone request goes at once, even at the run's first
// instant (the linger timer's "not set" must not look like "due at 0").
func TestWithNoLingerALoneRequestGoesAtOnce(t *testing.T) {
	st := newStory(t, RequestBatch(), map[string]int{ParamLinger: 0})
	st.client("bob", opPut, map[string]string{"key": "x", "value": "7"})
	st.run(time.Millisecond)
	if b := st.batcher("bob"); b.Messages != 1 {
		t.Fatalf("bob sent %d messages", b.Messages)
	}
}

// A page opened and played shows its mechanism at work without a click:
// alice keeps several writes in flight, and the batchers put more than one
// request in a message on average.
func TestTheDefaultLoadShowsTheMechanismAtOnce(t *testing.T) {
	pipe := newStory(t, RequestPipeline(), map[string]int{ParamLoad: RequestPipeline().Params[ParamLoad]})
	most := 0
	for range 100 {
		pipe.run(10 * time.Millisecond)
		most = max(most, len(pipe.sender().flight))
	}
	if a := pipe.sender(); a.Completed < 50 || most < 2 {
		t.Fatalf("pipeline: %d writes completed in a second, at most %d in flight", a.Completed, most)
	}
	batch := newStory(t, RequestBatch(), map[string]int{ParamLoad: RequestBatch().Params[ParamLoad]})
	batch.run(time.Second)
	for _, id := range []string{"alice", "bob"} {
		if b := batch.batcher(id); b.Completed < 50 || 10*b.Requests < 13*b.Messages {
			t.Fatalf("batch: %s completed %d, sent %d requests in %d messages", id, b.Completed, b.Requests, b.Messages)
		}
	}
	for _, st := range []*story{pipe, batch} {
		if v := st.s.Violations(); len(v) > 0 || !st.c.Linearizable(st.s.History()) {
			t.Fatalf("violations %v", v)
		}
	}
}

// Stop-and-wait cannot keep up with the default load: alice's application
// is held back at maxBurst waiting calls rather than her outbox growing
// without bound.
func TestAnOfferedLoadPastTheWindowIsHeldBack(t *testing.T) {
	st := newStory(t, RequestPipeline(), map[string]int{ParamLoad: 500, ParamWindow: 1})
	for range 30 {
		st.run(100 * time.Millisecond)
		if w := st.sender().waiting(); w > maxBurst {
			t.Fatalf("%d calls waiting, more than %d", w, maxBurst)
		}
	}
	if st.sender().waiting() < maxBurst-1 {
		t.Fatalf("only %d calls waiting: the load did not outrun stop-and-wait", st.sender().waiting())
	}
}

// Under a load the cluster is settled when every request older than a
// second is answered; a request that is never sent keeps it unsettled.
func TestSettledMeansNoOldRequestWaits(t *testing.T) {
	st := newStory(t, RequestPipeline(), map[string]int{ParamLoad: 100})
	st.run(2 * time.Second)
	if v := settled(st.s.World()); !v.OK || st.sender().waiting() == 0 {
		t.Fatalf("under load with %d waiting: %s", st.sender().waiting(), v.Text)
	}
	stuck := newStory(t, RequestBatch(), map[string]int{ParamLoad: 0}, VarNoLinger)
	stuck.client("bob", opPut, map[string]string{"key": "x", "value": "7"})
	stuck.run(900 * time.Millisecond)
	if v := settled(stuck.s.World()); !v.OK {
		t.Fatalf("unsettled before a second: %s", v.Text)
	}
	stuck.run(200 * time.Millisecond)
	if v := settled(stuck.s.World()); v.OK || v.Check != "answered" {
		t.Fatalf("bob's request unsent for 1.1 s, yet %s: %s", v.Check, v.Text)
	}
}
