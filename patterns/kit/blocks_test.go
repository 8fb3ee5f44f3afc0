package kit

import (
	"slices"
	"strconv"
	"testing"
	"time"

	"clusterscope/engine"
)

func TestTimerKeyNamesAndMatches(t *testing.T) {
	retry := TimerKey[int]{Name: "retry"}
	if n := retry.For(12); n != "retry#12" {
		t.Fatalf("name %q", n)
	}
	if id, ok := retry.Match("retry#12"); !ok || id != 12 {
		t.Fatalf("match = %d, %v", id, ok)
	}
	for _, other := range []string{"retry", "retry#", "retry#x", "retryx#1", "timeout#12", "retry#1#2", ""} {
		if id, ok := retry.Match(other); ok {
			t.Errorf("%q matched as %d", other, id)
		}
	}
	peer := TimerKey[string]{Name: "ping"}
	if p, ok := peer.Match(peer.For("cyrene")); !ok || p != "cyrene" {
		t.Fatalf("peer timer = %q, %v", p, ok)
	}
}

// timerLog is an Env that only writes down the timers set and cancelled.
type timerLog struct {
	engine.Env
	set, cancelled []string
}

func (l *timerLog) SetTimer(name string, _ time.Duration) { l.set = append(l.set, name) }
func (l *timerLog) CancelTimer(name string)               { l.cancelled = append(l.cancelled, name) }

// Set and Cancel name the timer as For does, through any Env (the engine's
// own finds the timer without making the name a string).
func TestTimerKeySetAndCancelUseItsName(t *testing.T) {
	env := &timerLog{}
	retry, peer := TimerKey[int]{Name: "retry"}, TimerKey[string]{Name: "ping"}
	retry.Set(env, 12, time.Second)
	retry.Set(env, -3, time.Second)
	peer.Set(env, "cyrene", time.Second)
	retry.Cancel(env, 12)
	peer.Cancel(env, "cyrene")
	if want := []string{"retry#12", "retry#-3", "ping#cyrene"}; !slices.Equal(env.set, want) {
		t.Errorf("set %q, want %q", env.set, want)
	}
	if want := []string{"retry#12", "ping#cyrene"}; !slices.Equal(env.cancelled, want) {
		t.Errorf("cancelled %q, want %q", env.cancelled, want)
	}
}

func TestRecordAndDiskLogReadBackTheirType(t *testing.T) {
	st := engine.NewStorage()
	gen := Record[int]{Key: "generation"}
	if _, ok := gen.Get(st); ok {
		t.Fatal("a record never written reads as present")
	}
	gen.Put(st, 3)
	if v, ok := gen.Get(st); !ok || v != 3 {
		t.Fatalf("generation = %d, %v", v, ok)
	}
	if _, ok := (Record[string]{Key: "generation"}).Get(st); ok {
		t.Fatal("an int record read as a string")
	}
	if _, ok := gen.Get(nil); ok {
		t.Fatal("a missing disk has records")
	}
	gen.Delete(st)
	if _, ok := gen.Get(st); ok {
		t.Fatal("a deleted record is still there")
	}
	type entry struct{ Gen int }
	var log DiskLog[entry]
	log.Append(st, entry{1})
	log.Append(st, entry{2})
	st.Append("not an entry")
	if e, ok := log.At(st, 1); !ok || e.Gen != 2 || log.Len(st) != 3 {
		t.Fatalf("entry 1 = %v, %v (len %d)", e, ok, log.Len(st))
	}
	if _, ok := log.At(st, 2); ok {
		t.Fatal("an entry of another type read back")
	}
	if _, ok := log.At(st, 3); ok {
		t.Fatal("an entry past the end")
	}
	log.Truncate(st, 1)
	if log.Len(st) != 1 || log.Len(nil) != 0 {
		t.Fatal("truncate")
	}
}

func TestWaitingList(t *testing.T) {
	var l WaitingList[int, string]
	l.Add(1, "a", 100)
	l.Add(2, "b", 50)
	l.Add(3, "c", 200)
	if v, ok := l.Get(2); !ok || v != "b" {
		t.Fatalf("get 2 = %q, %v", v, ok)
	}
	before := l.All()
	if v, ok := l.Remove(2); !ok || v != "b" || l.Len() != 2 {
		t.Fatalf("remove 2 = %q, %v, len %d", v, ok, l.Len())
	}
	if before[1].ID != 2 {
		t.Fatal("Remove changed a listing taken before it")
	}
	if _, ok := l.Remove(2); ok {
		t.Fatal("a second answer to one request found it again")
	}
	exp := l.Expired(100)
	if len(exp) != 1 || exp[0].ID != 1 || exp[0].Value != "a" || l.Len() != 1 || l.All()[0].ID != 3 {
		t.Fatalf("expired at 100: %v, left %v", exp, l.All())
	}
	if exp := l.Expired(199); exp != nil {
		t.Fatalf("expired early: %v", exp)
	}
	l.Clear()
	if l.Len() != 0 {
		t.Fatal("clear")
	}
}

// A quorum callback that completes takes all its messages off the list at
// once; the others stay, in order, and a listing taken before is unchanged.
func TestWaitingListRemoveFunc(t *testing.T) {
	var l WaitingList[int, string]
	for i, v := range []string{"r1", "r2", "r1", "r2"} {
		l.Add(i+1, v, 0)
	}
	before := l.All()
	if n := l.RemoveFunc(func(w Waiting[int, string]) bool { return w.Value == "r1" }); n != 2 {
		t.Fatalf("removed %d, want 2", n)
	}
	if got := l.All(); len(got) != 2 || got[0].ID != 2 || got[1].ID != 4 {
		t.Fatalf("left %v, want 2 then 4", got)
	}
	if len(before) != 4 || before[0].ID != 1 || before[2].ID != 3 {
		t.Fatalf("RemoveFunc changed a listing taken before it: %v", before)
	}
	if n := l.RemoveFunc(func(Waiting[int, string]) bool { return false }); n != 0 || l.Len() != 2 {
		t.Fatalf("removed %d of nothing matching", n)
	}
}

// A client adds and removes a request per operation: while no listing is
// out, that reuses the list's array and keeps the order.
func TestWaitingListRemovesInPlaceWhenNothingIsLent(t *testing.T) {
	var l WaitingList[int, string]
	l.Add(1, "a", 0)
	l.Add(2, "b", 0)
	id := 3
	if allocs := testing.AllocsPerRun(100, func() {
		l.Add(id, "c", 0)
		for w := range l.Each() { // a check that keeps nothing lends nothing
			_ = w.ID
		}
		l.Remove(2)
		l.Add(2, "b", 0)
		l.Remove(id)
		l.Add(id, "d", 0)
		l.RemoveFunc(func(w Waiting[int, string]) bool { return w.Value == "d" })
		id++
	}); allocs != 0 {
		t.Fatalf("%v allocations per add and remove", allocs)
	}
	l.Add(9, "z", 0)
	l.Remove(1)
	if got := l.All(); len(got) != 2 || got[0].ID != 2 || got[1].ID != 9 {
		t.Fatalf("left %v, want 2 then 9", got)
	}
}

// ---- the retrying client, against small servers in a real run ----

type testOp string

func (o testOp) String() string { return string(o) }

type testReq struct{ ID int }

func (testReq) Kind() string { return "Req" }

type testReply struct {
	ID      int
	Refused bool
	Hint    string
}

func (testReply) Kind() string { return "Reply" }

// testServer answers every request, refuses it naming hint, or (hint
// "silent") says nothing.
type testServer struct {
	hint string
	got  int
}

func (s *testServer) Handle(env engine.Env, ev engine.Event) {
	if m, ok := ev.Msg.(testReq); ok {
		s.got++
		switch s.hint {
		case "":
			env.Send(ev.From, testReply{ID: m.ID})
		case "silent":
		default:
			env.Send(ev.From, testReply{ID: m.ID, Refused: true, Hint: s.hint})
		}
	}
}

func (s *testServer) View() engine.ProcessView { return engine.ProcessView{} }

type testClient struct{ rc RetryingClient[testOp] }

func (c *testClient) Handle(env engine.Env, ev engine.Event) {
	switch ev.Kind {
	case engine.EvStart:
		c.rc.Start(env)
	case engine.EvRequest:
		c.rc.Invoke(env, testOp(ev.Request.Name), ev.Request.Args["node"])
	case engine.EvReceive:
		m := ev.Msg.(testReply)
		if m.Refused {
			c.rc.Refused(env, ev.From, m.ID, m.Hint)
		} else {
			c.rc.Answer(env, ev.From, m.ID, "done", "ok")
		}
	case engine.EvTimer:
		if !c.rc.Timer(env, ev.Timer) {
			panic("not the client's timer: " + ev.Timer)
		}
	}
}

func (c *testClient) View() engine.ProcessView { return engine.ProcessView{Widgets: c.rc.Widgets()} }

// runClient runs three servers (athens, byzantium, cyrene; hints by name)
// and alice, sends ops, and returns the servers' request counts and alice.
func runClient(t *testing.T, targeting Targeting, hints map[string]string, ops ...engine.Command) (map[string]int, *RetryingClient[testOp], *engine.Sim) {
	t.Helper()
	servers := map[string]*testServer{}
	var client *testClient
	cfg := engine.Config{Nodes: []string{"athens", "byzantium", "cyrene"}, Clients: []string{"alice"}, Seed: 1}
	s, err := engine.New(cfg, engine.Model{NewProcess: func(id string, role engine.Role) engine.Process {
		if role == engine.RoleClient {
			client = &testClient{rc: RetryingClient[testOp]{Config: ClientConfig[testOp]{
				Targeting: targeting, MaxTries: 3, RetryWait: 50 * time.Millisecond,
				Timeout: func(engine.Env) time.Duration { return 900 * time.Millisecond },
				Request: func(id int, _ testOp) engine.Message { return testReq{ID: id} },
				GiveUp:  func(in testOp) engine.OpStatus { return engine.OpFail },
			}}}
			return client
		}
		servers[id] = &testServer{hint: hints[id]}
		return servers[id]
	}})
	if err != nil {
		t.Fatal(err)
	}
	for _, op := range ops {
		op.Kind, op.Node = engine.CmdClient, "alice"
		if err := s.Apply(op); err != nil {
			t.Fatal(err)
		}
		s.RunFor(2*time.Second, 0)
	}
	got := map[string]int{}
	for id, srv := range servers {
		got[id] = srv.got
	}
	return got, &client.rc, s
}

func statuses(s *engine.Sim) []engine.OpStatus {
	var out []engine.OpStatus
	for _, op := range s.History() {
		out = append(out, op.Status)
	}
	return out
}

func TestRetryingClientTargeting(t *testing.T) {
	six := make([]engine.Command, 6)
	for i := range six {
		six[i].Name = "op"
	}
	// Leader: athens and byzantium refer to cyrene; the client follows
	// athens's hint straight there, and every later operation goes to
	// cyrene.
	got, rc, _ := runClient(t, TargetLeader, map[string]string{"athens": "cyrene", "byzantium": "cyrene"}, six...)
	if got["athens"] != 1 || got["byzantium"] != 0 || got["cyrene"] != 6 || rc.OK != 6 || rc.Leader() != "cyrene" {
		t.Fatalf("leader targeting: requests %v, ok %d, leader %q", got, rc.OK, rc.Leader())
	}
	// Round robin: each server gets two of six.
	got, rc, _ = runClient(t, TargetRoundRobin, nil, six...)
	if got["athens"] != 2 || got["byzantium"] != 2 || got["cyrene"] != 2 || rc.OK != 6 {
		t.Fatalf("round robin: %v, ok %d", got, rc.OK)
	}
	// Any: spread by the client's own random stream, the same every run.
	got, rc, _ = runClient(t, TargetAny, nil, six...)
	again, _, _ := runClient(t, TargetAny, nil, six...)
	if rc.OK != 6 || got["athens"] == 6 || got["byzantium"] == 6 || got["cyrene"] == 6 || got["athens"] != again["athens"] || got["cyrene"] != again["cyrene"] {
		t.Fatalf("any: %v then %v, ok %d", got, again, rc.OK)
	}
	// A named server wins over the targeting.
	got, _, _ = runClient(t, TargetRoundRobin, nil, engine.Command{Name: "op", Args: map[string]string{"node": "cyrene"}})
	if got["cyrene"] != 1 || got["athens"] != 0 {
		t.Fatalf("named server: %v", got)
	}
}

func TestRetryingClientRetriesAndGivesUp(t *testing.T) {
	// athens says nothing: after a try's share of the timeout the client
	// moves to byzantium, which answers.
	got, rc, s := runClient(t, TargetLeader, map[string]string{"athens": "silent"}, engine.Command{Name: "op"})
	if got["athens"] != 1 || got["byzantium"] != 1 || rc.OK != 1 || statuses(s)[0] != engine.OpOK {
		t.Fatalf("silent first server: %v, ok %d", got, rc.OK)
	}
	if op := s.History()[0]; time.Duration(op.Return-op.Call)*time.Microsecond < 300*time.Millisecond {
		t.Fatalf("moved on after %dµs, before a try's share of the timeout", op.Return-op.Call)
	}
	// Everyone refuses without naming another: three tries, then GiveUp's
	// outcome.
	everyone := map[string]string{"athens": "athens", "byzantium": "byzantium", "cyrene": "cyrene"}
	got, rc, s = runClient(t, TargetLeader, everyone, engine.Command{Name: "op"})
	if got["athens"]+got["byzantium"]+got["cyrene"] != 3 || rc.Failed != 1 || statuses(s)[0] != engine.OpFail || rc.Last() != "op → gave up, no leader" {
		t.Fatalf("all refuse: %v, failed %d, last %q", got, rc.Failed, rc.Last())
	}
	// Nobody answers: the operation times out, outcome unknown.
	silent := map[string]string{"athens": "silent", "byzantium": "silent", "cyrene": "silent"}
	got, rc, s = runClient(t, TargetLeader, silent, engine.Command{Name: "op"})
	if rc.Unknown != 1 || statuses(s)[0] != engine.OpUnknown || len(rc.Pending()) != 0 || got["athens"] != 1 {
		t.Fatalf("silence: %v, unknown %d, pending %d", got, rc.Unknown, len(rc.Pending()))
	}
	if op := s.History()[0]; time.Duration(op.Return-op.Call)*time.Microsecond != 900*time.Millisecond {
		t.Fatalf("timed out after %dµs, want the 900ms timeout", op.Return-op.Call)
	}
}

// The results panel lists the last keptResults outcomes, oldest first, and
// Last is the newest: fewer than that, exactly that, and past it.
func TestRetryingClientKeepsTheLastOutcomes(t *testing.T) {
	for _, n := range []int{0, 3, keptResults, 2*keptResults + 2} {
		ops := make([]engine.Command, n)
		for i := range ops {
			ops[i].Name = "op" + strconv.Itoa(i)
		}
		_, rc, _ := runClient(t, TargetLeader, nil, ops...)
		var want []string
		for i := max(0, n-keptResults); i < n; i++ {
			want = append(want, "op"+strconv.Itoa(i)+" → ok")
		}
		got := rc.Widgets()[1]
		if got.Title != "results" || !slices.Equal(got.Items, want) {
			t.Fatalf("after %d ops the panel %q lists %q, want %q", n, got.Title, got.Items, want)
		}
		if last := rc.Last(); n > 0 && last != want[len(want)-1] || n == 0 && last != "" {
			t.Fatalf("after %d ops Last is %q", n, last)
		}
	}
}
