package updatequeue

import (
	"slices"
	"strings"
	"testing"
	"time"

	"clusterscope/engine"
	"clusterscope/patterns/sweep"
)

// ganttOf is athens's gantt chart as the cluster panel draws it.
func (st *story) ganttOf() *engine.GanttView {
	st.t.Helper()
	for _, w := range st.s.View().Widgets {
		if w.Type == engine.WGantt {
			return w.Gantt
		}
	}
	st.t.Fatal("athens draws no gantt chart")
	return nil
}

func spanNames(r engine.GanttRow) []string {
	var out []string
	for _, sp := range r.Spans {
		out = append(out, sp.Name)
	}
	return out
}

func rowOf(t *testing.T, g *engine.GanttView, label string) engine.GanttRow {
	t.Helper()
	for _, r := range g.Rows {
		if r.Label == label {
			return r
		}
	}
	t.Fatalf("no gantt row %q among %+v", label, g.Rows)
	return engine.GanttRow{}
}

var fullPipeline = []string{"read", "validate", "WAL write", "apply", "respond"}

// Through the queue: the task that arrived second waits (a thin queued
// span), then runs its stages after the first has answered; nothing is red.
func TestGanttShowsOneTaskAtATimeThroughTheQueue(t *testing.T) {
	st := newStory(t, SingularUpdateQueue(), 1, nil)
	st.client("alice", opWithdraw, 70)
	st.client("bob", opWithdraw, 50)
	st.run(time.Second)
	g := st.ganttOf()
	if len(g.Rows) != 2 {
		t.Fatalf("%d gantt rows, want alice's and bob's: %+v", len(g.Rows), g.Rows)
	}
	first, second := g.Rows[0], g.Rows[1]
	// bob's request reached athens first (the lesson's story), and ran at once.
	if first.Label != "bob's withdraw 50" || !slices.Equal(spanNames(first), fullPipeline) || first.Note != "ok" {
		t.Fatalf("first row %q %v (%s), want bob's five stages, ok", first.Label, spanNames(first), first.Note)
	}
	// alice's read 50, which does not cover 70: refused without a WAL write.
	if want := []string{"queued", "read", "validate", "respond"}; !slices.Equal(spanNames(second), want) || second.Note != "refused" {
		t.Fatalf("second row %q %v (%s), want %v, refused", second.Label, spanNames(second), second.Note, want)
	}
	if !second.Spans[0].Wait || first.Spans[0].Wait {
		t.Fatal("the queued span is not drawn as a wait, or a stage is")
	}
	if end, start := first.Spans[len(first.Spans)-1].To, second.Spans[1].From; start < end {
		t.Fatalf("alice's task read at %d µs, before bob's answered at %d µs", start, end)
	}
	for _, r := range g.Rows {
		for i, sp := range r.Spans {
			if sp.State == engine.StateBad || sp.To <= sp.From {
				t.Fatalf("%s's span %+v: red, open or empty after both answered", r.Label, sp)
			}
			if i > 0 && sp.From != r.Spans[i-1].To {
				t.Fatalf("%s's spans leave a gap: %+v", r.Label, r.Spans)
			}
		}
	}
	if g.Now < second.Spans[len(second.Spans)-1].To {
		t.Fatalf("the axis ends at %d, before the last span", g.Now)
	}
}

// With parallel handlers both read-modify-writes run at once: their
// overlapping stages are red, on both rows.
func TestGanttMarksOverlappingUpdatesRed(t *testing.T) {
	st := newStory(t, SingularUpdateQueue(), 1, nil, VarParallelHandlers)
	st.client("alice", opWithdraw, 70)
	st.client("bob", opWithdraw, 50)
	st.s.RunUntil(func() bool { return len(st.athens().critical()) == 2 }, 10_000)
	g := st.ganttOf()
	for _, r := range g.Rows {
		if spanNames(r)[0] == "queued" {
			t.Fatalf("%s waited in a queue that parallel handlers do not have: %v", r.Label, spanNames(r))
		}
		if last := r.Spans[len(r.Spans)-1]; last.To != 0 || last.State != engine.StateBad {
			t.Fatalf("%s's running stage %+v is not open and red while the other runs too", r.Label, last)
		}
	}
	st.run(time.Second)
	g = st.ganttOf()
	red := 0
	for _, r := range g.Rows {
		for _, sp := range r.Spans {
			if sp.State == engine.StateBad {
				red++
				if sp.Name == "respond" {
					t.Fatalf("%s's respond is red: it touches no state", r.Label)
				}
			}
		}
	}
	if red < 4 {
		t.Fatalf("%d red spans after the two overlapping withdrawals, want their read-to-apply stages red", red)
	}
}

// The chart keeps only the most recent requests.
func TestGanttIsBounded(t *testing.T) {
	st := newStory(t, SingularUpdateQueue(), 1, map[string]int{ParamCapacity: 0})
	for range 3 {
		st.do(engine.Command{Kind: engine.CmdClient, Node: "philip", Name: "burst", Args: map[string]string{"count": "20"}})
	}
	st.run(2 * time.Second)
	g := st.ganttOf()
	if len(g.Rows) != ganttRows {
		t.Fatalf("%d gantt rows after 60 requests, want the last %d", len(g.Rows), ganttRows)
	}
	last := st.athens().recent[ganttRows-1]
	if last.seq != 60 {
		t.Fatalf("the last row is task %d, want the 60th", last.seq)
	}
}

// A withdrawal that asks the fraud check leaves the update thread while the
// call is out; the callback puts it back in the queue, behind what is
// waiting there, and it is applied in that queue order, never from the
// callback.
func TestExternalCallResultIsQueuedAndAppliedInOrder(t *testing.T) {
	st := newStory(t, SingularUpdateQueue(), 1, map[string]int{ParamExternalCall: 1, ParamExternalCallMs: 30, ParamCapacity: 0})
	st.client("alice", opWithdraw, 70)
	st.run(2 * time.Millisecond)
	if a := st.athens(); len(a.calls) != 1 || len(a.active) != 0 {
		t.Fatalf("alice's withdrawal is not waiting off the thread: %d calls out, %d on the thread", len(a.calls), len(a.active))
	}
	for range 8 {
		st.client("bob", opDeposit, 10)
	}
	// Step until the callback has run: the fraud check answered.
	if !st.s.RunUntil(func() bool { return len(st.athens().calls) == 0 }, 100_000) {
		t.Fatal("the fraud check never answered")
	}
	a := st.athens()
	var before []int // the requests ahead of alice's continuation (ids)
	found := false
	for _, task := range a.active {
		before = append(before, task.req)
	}
	for _, task := range a.queue {
		if task.from == "alice" {
			found = task.checked && task.stage == stQueued
			break
		}
		before = append(before, task.req)
	}
	if !found || len(before) == 0 {
		t.Fatalf("after the callback alice's withdrawal is not queued behind other tasks (found %v, %d ahead)", found, len(before))
	}
	for _, r := range a.recent {
		if r.from == "alice" && r.finished {
			t.Fatal("the callback answered alice itself")
		}
	}
	st.client("philip", opDeposit, 5) // after the callback: it must come after alice's
	st.run(time.Second)

	out, status := st.outcome("alice")
	if status != engine.OpOK || !out.OK {
		t.Fatalf("alice's withdrawal: %v %v", status, out)
	}
	var wal []int // request ids in WAL order
	alice, philip := -1, -1
	for i, r := range st.s.World().Disk("athens").File(walFile).Records() {
		rec := r.Data.(walRecord)
		wal = append(wal, rec.Req)
		switch rec.Client {
		case "alice":
			alice = i
		case "philip":
			philip = i
		}
	}
	for _, id := range before {
		if at := slices.Index(wal, id); at < 0 || at > alice {
			t.Fatalf("WAL order %v: request %d, queued before alice's callback, is logged after her (%d)", wal, id, alice)
		}
	}
	if alice < 0 || philip != alice+1 || len(wal) != 10 {
		t.Fatalf("WAL order %v: alice's withdrawal at %d, philip's later deposit at %d; want all ten, philip's right after alice's", wal, alice, philip)
	}
	if a := st.athens(); a.orderBreach != "" || len(st.s.Violations()) != 0 {
		t.Fatalf("breach: %q %v", a.orderBreach, st.s.Violations())
	}

	row := rowOf(t, st.ganttOf(), "alice's withdraw 70")
	want := []string{"external call", "awaiting reply", "queued", "read", "validate", "WAL write", "apply", "respond"}
	if !slices.Equal(spanNames(row), want) || !row.Spans[1].Wait || !row.Spans[2].Wait {
		t.Fatalf("alice's gantt row %v, want %v with the reply and the queue drawn as waits", spanNames(row), want)
	}
	var notes []string
	for _, ev := range st.s.Trace().Events() {
		if ev.Kind == engine.TrNote && strings.Contains(ev.Text, "fraud check") {
			notes = append(notes, ev.Text)
		}
	}
	if len(notes) != 2 || !strings.Contains(notes[1], "puts it back in athens's queue behind") {
		t.Fatalf("the event log does not tell the call and the re-enqueue: %q", notes)
	}
}

// Without the setting nothing calls out: a withdrawal runs straight through.
func TestNoExternalCallByDefault(t *testing.T) {
	st := newStory(t, SingularUpdateQueue(), 1, nil)
	st.client("alice", opWithdraw, 70)
	st.run(time.Second)
	if got := spanNames(st.ganttOf().Rows[0]); !slices.Equal(got, fullPipeline) {
		t.Fatalf("alice's stages %v, want %v", got, fullPipeline)
	}
}

// With external calls on, the correct pattern still survives the sweep's
// faults (crashes while a call is out, slow and failing disks): no
// invariant breaks, the history is linearizable and athens settles.
func TestSweepWithExternalCalls(t *testing.T) {
	c := SingularUpdateQueue()
	cfg, err := c.Config(0, 1)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Params[ParamExternalCall] = 1
	cfg.Params[ParamExternalCallMs] = 20
	n := 60
	if testing.Short() {
		n = 15
	}
	if r, ok := sweep.Sweep(c, cfg, 1, n, sweep.Options{}, nil); !ok {
		t.Fatalf("%s", r)
	}
}
