package engine

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"
)

// diskNode is a process driven by actions: append/fsync/work on its disk,
// and it logs every event it handles, so a test reads what it saw and when.
type diskNode struct {
	seen []string
}

func (n *diskNode) Handle(env Env, ev Event) {
	switch ev.Kind {
	case EvStart:
		for _, name := range env.Disk().Files() {
			f := env.Disk().File(name)
			for _, r := range f.Records() {
				n.seen = append(n.seen, fmt.Sprintf("recover %s %v intact=%v", name, r.Data, r.Intact()))
			}
		}
	case EvRequest:
		a := ev.Request.Args
		switch ev.Request.Name {
		case "append":
			size, _ := strconv.Atoi(a["size"])
			if _, err := env.Disk().Append(a["file"], Record{Data: a["data"], Size: size}); err != nil {
				n.seen = append(n.seen, "append: "+err.Error())
			}
		case "fsync":
			if _, err := env.Fsync(a["file"]); err != nil {
				n.seen = append(n.seen, "fsync: "+err.Error())
			}
		case "work":
			d, _ := time.ParseDuration(a["for"])
			env.Work(a["name"], d)
		case "send":
			env.Send(a["to"], ping{})
		}
	case EvDisk:
		n.seen = append(n.seen, fmt.Sprintf("%v fsync #%d %s durable=%d %s", env.Now(), ev.Disk.Job, ev.Disk.File, ev.Disk.Durable, ev.Disk.Err))
	case EvTimer:
		n.seen = append(n.seen, fmt.Sprintf("%v timer %s", env.Now(), ev.Timer))
	case EvReceive:
		n.seen = append(n.seen, fmt.Sprintf("%v got %s from %s", env.Now(), ev.Msg.Kind(), ev.From))
	}
}

func (n *diskNode) View() ProcessView { return ProcessView{} }

func newDiskSim(t *testing.T) *Sim {
	t.Helper()
	cfg := Config{Nodes: []string{"athens", "byzantium"}, Seed: 7, Net: fixedNet(ms(1))}
	s, err := New(cfg, Model{NewProcess: func(string, Role) Process { return &diskNode{} }})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func diskAct(t *testing.T, s *Sim, node, name string, kv ...string) {
	t.Helper()
	args := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		args[kv[i]] = kv[i+1]
	}
	apply(t, s, Command{Kind: CmdAction, Node: node, Name: name, Args: args})
}

func seen(s *Sim, id string) []string {
	p := s.byID[id]
	if p.p == nil {
		return nil
	}
	return p.p.(*diskNode).seen
}

func TestFsyncTakesTimeAndOnlyDurableRecordsSurviveACrash(t *testing.T) {
	s := newDiskSim(t)
	apply(t, s, Command{Kind: CmdDisk, Node: "athens", Name: DiskFsyncJitter})
	apply(t, s, Command{Kind: CmdDisk, Node: "athens", Name: DiskFsyncLatency, Dur: Duration(ms(5))})
	apply(t, s, Command{Kind: CmdDisk, Node: "athens", Name: DiskWriteLatency, Dur: Duration(ms(1))})
	diskAct(t, s, "athens", "append", "file", "wal", "data", "title=Microservices", "size", "20")
	diskAct(t, s, "athens", "append", "file", "wal", "data", "author=Unmesh", "size", "14")
	diskAct(t, s, "athens", "fsync", "file", "wal")
	diskAct(t, s, "athens", "append", "file", "wal", "data", "year=2023", "size", "9") // after the fsync was asked

	f := s.World().Disk("athens").File("wal")
	if f.Len() != 3 || f.Durable() != 0 || f.Bytes() != 43 {
		t.Fatalf("before the fsync completes: len=%d durable=%d bytes=%d", f.Len(), f.Durable(), f.Bytes())
	}
	s.RunFor(ms(6), 0)
	if f.Durable() != 0 {
		t.Fatalf("an fsync of 2 records at 5ms + 2×1ms completed by 6ms")
	}
	s.RunFor(ms(2), 0)
	if f.Durable() != 2 || f.DurableBytes() != 34 {
		t.Fatalf("after the fsync: durable=%d (%d bytes), want the 2 records written before it", f.Durable(), f.DurableBytes())
	}
	if got := seen(s, "athens"); len(got) != 1 || got[0] != "7ms fsync #1 wal durable=2 " {
		t.Fatalf("athens saw %q", got)
	}

	apply(t, s, Command{Kind: CmdCrash, Node: "athens"})
	if c := traceOf(s, TrCrash); len(c) != 1 || !strings.Contains(c[0].Text, "1 unsynced record(s) lost") {
		t.Fatalf("crash trace %+v", c)
	}
	apply(t, s, Command{Kind: CmdRestart, Node: "athens"})
	want := []string{"recover wal title=Microservices intact=true", "recover wal author=Unmesh intact=true"}
	if got := seen(s, "athens"); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("athens recovered %q, want %q", got, want)
	}
}

func TestAnFsyncInFlightDiesWithItsProcess(t *testing.T) {
	s := newDiskSim(t)
	diskAct(t, s, "athens", "append", "file", "wal", "data", "x=1", "size", "3")
	diskAct(t, s, "athens", "fsync", "file", "wal")
	apply(t, s, Command{Kind: CmdCrash, Node: "athens"})
	s.RunFor(ms(100), 0)
	if f := s.World().Disk("athens").File("wal"); f.Len() != 0 || f.Durable() != 0 {
		t.Fatalf("a crash before the fsync completed kept %d records (%d durable)", f.Len(), f.Durable())
	}
	if n := len(s.View().Timers); n != 0 {
		t.Fatalf("the dead fsync is still shown as %d timer(s)", n)
	}
}

func TestTornWriteIsLeftForTheChecksumToCatch(t *testing.T) {
	s := newDiskSim(t)
	diskAct(t, s, "athens", "append", "file", "wal", "data", "a", "size", "1")
	diskAct(t, s, "athens", "fsync", "file", "wal")
	s.RunFor(ms(10), 0)
	diskAct(t, s, "athens", "append", "file", "wal", "data", "b", "size", "1")
	diskAct(t, s, "athens", "append", "file", "wal", "data", "c", "size", "1")
	if err := s.Apply(Command{Kind: CmdDisk, Node: "athens", Name: DiskTear, Args: map[string]string{"file": "nope"}}); err == nil || !strings.Contains(err.Error(), `no file "nope"`) {
		t.Fatalf("tear on a missing file: %v", err)
	}
	apply(t, s, Command{Kind: CmdDisk, Node: "athens", Name: DiskTear, Args: map[string]string{"file": "wal"}})
	apply(t, s, Command{Kind: CmdCrash, Node: "athens"})
	apply(t, s, Command{Kind: CmdRestart, Node: "athens"})
	want := []string{"recover wal a intact=true", "recover wal b intact=false"}
	if got := seen(s, "athens"); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("athens recovered %q, want %q", got, want)
	}
	// The fault is spent: the next crash tears nothing.
	diskAct(t, s, "athens", "append", "file", "wal", "data", "d", "size", "1")
	apply(t, s, Command{Kind: CmdCrash, Node: "athens"})
	if f := s.World().Disk("athens").File("wal"); f.Len() != 2 {
		t.Fatalf("second crash left %d records, want the 2 from before", f.Len())
	}
}

func TestFailedFsyncMakesNothingDurable(t *testing.T) {
	s := newDiskSim(t)
	apply(t, s, Command{Kind: CmdDisk, Node: "athens", Name: DiskFailFsync})
	diskAct(t, s, "athens", "append", "file", "wal", "data", "a", "size", "1")
	diskAct(t, s, "athens", "fsync", "file", "wal")
	s.RunFor(ms(20), 0)
	got := seen(s, "athens")
	if len(got) != 1 || !strings.Contains(got[0], "durable=0 fsync failed") {
		t.Fatalf("athens saw %q", got)
	}
	diskAct(t, s, "athens", "fsync", "file", "wal") // the fault was for one fsync
	s.RunFor(ms(20), 0)
	if f := s.World().Disk("athens").File("wal"); f.Durable() != 1 {
		t.Fatalf("the retry left durable=%d", f.Durable())
	}
}

func TestFullDiskRefusesAppends(t *testing.T) {
	s := newDiskSim(t)
	apply(t, s, Command{Kind: CmdDisk, Node: "athens", Name: DiskFull, Value: 10})
	diskAct(t, s, "athens", "append", "file", "wal", "data", "a", "size", "8")
	diskAct(t, s, "athens", "append", "file", "wal", "data", "b", "size", "8")
	if got := seen(s, "athens"); len(got) != 1 || got[0] != "append: disk full" {
		t.Fatalf("athens saw %q", got)
	}
	apply(t, s, Command{Kind: CmdDisk, Node: "athens", Name: DiskHealthy})
	diskAct(t, s, "athens", "append", "file", "wal", "data", "b", "size", "8")
	if f := s.World().Disk("athens").File("wal"); f.Len() != 2 {
		t.Fatalf("after healthy: %d records", f.Len())
	}
}

func TestSlowDiskAndFsyncsCompleteInOrder(t *testing.T) {
	s := newDiskSim(t)
	apply(t, s, Command{Kind: CmdDisk, Node: "athens", Name: DiskFsyncJitter})
	apply(t, s, Command{Kind: CmdDisk, Node: "athens", Name: DiskWriteLatency})
	apply(t, s, Command{Kind: CmdDisk, Node: "athens", Name: DiskSlow, Value: 10})
	diskAct(t, s, "athens", "append", "file", "a", "data", "1")
	diskAct(t, s, "athens", "fsync", "file", "a")
	diskAct(t, s, "athens", "append", "file", "b", "data", "1")
	diskAct(t, s, "athens", "fsync", "file", "b")
	s.RunFor(time.Second, 0)
	want := []string{"20ms fsync #1 a durable=1 ", "40ms fsync #2 b durable=1 "}
	if got := seen(s, "athens"); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("athens saw %q, want %q (2ms × 10, one after the other)", got, want)
	}
}

func TestABusyProcessHandlesWhatArrivedInOrderAfterItsWork(t *testing.T) {
	s := newDiskSim(t)
	diskAct(t, s, "athens", "work", "name", "apply x=1", "for", "10ms")
	diskAct(t, s, "byzantium", "send", "to", "athens")
	s.RunFor(ms(3), 0)
	if v, _ := s.NodeView("athens"); v.Busy != "apply x=1" || v.Waiting != 1 {
		t.Fatalf("athens view busy=%q waiting=%d, want busy with one message waiting", v.Busy, v.Waiting)
	}
	s.RunFor(ms(20), 0)
	want := []string{"10ms timer apply x=1", "10ms got Ping from byzantium"}
	if got := seen(s, "athens"); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("athens saw %q, want %q", got, want)
	}
	if v, _ := s.NodeView("athens"); v.Busy != "" || v.Waiting != 0 {
		t.Fatalf("athens still busy=%q waiting=%d", v.Busy, v.Waiting)
	}
}

func TestWorkAndFsyncIgnoreClockJumps(t *testing.T) {
	s := newDiskSim(t)
	apply(t, s, Command{Kind: CmdDisk, Node: "athens", Name: DiskFsyncJitter})
	apply(t, s, Command{Kind: CmdDisk, Node: "athens", Name: DiskWriteLatency})
	diskAct(t, s, "athens", "append", "file", "wal", "data", "a")
	diskAct(t, s, "athens", "fsync", "file", "wal")
	apply(t, s, Command{Kind: CmdJump, Node: "athens", Dur: Duration(time.Second)})
	s.RunFor(ms(1), 0)
	if f := s.World().Disk("athens").File("wal"); f.Durable() != 0 {
		t.Fatal("a clock jump hurried the disk")
	}
	s.RunFor(ms(2), 0)
	if f := s.World().Disk("athens").File("wal"); f.Durable() != 1 {
		t.Fatal("the fsync did not complete at 2ms of true time")
	}
}

func TestDiskCommandRefusesBadInput(t *testing.T) {
	s := newDiskSim(t)
	before := len(s.Log())
	for _, c := range []Command{
		{Kind: CmdDisk, Node: "sparta", Name: DiskSlow, Value: 2},
		{Kind: CmdDisk, Node: "athens", Name: "melt"},
		{Kind: CmdDisk, Node: "athens", Name: DiskFsyncLatency, Dur: Duration(-ms(1))},
		{Kind: CmdDisk, Node: "athens", Name: DiskSlow, Value: 0},
		{Kind: CmdDisk, Node: "athens", Name: DiskFull, Value: -1},
		{Kind: CmdDisk, Node: "athens", Name: DiskTear, Args: map[string]string{"file": "wal"}},
	} {
		if err := s.Apply(c); err == nil {
			t.Errorf("%+v was accepted", c)
		}
	}
	if len(s.Log()) != before || s.World().Disk("athens").Settings() != DefaultDisk {
		t.Fatal("a refused disk command changed the run")
	}
}

func TestCrashStatesListEveryPrefixAndTear(t *testing.T) {
	s := newDiskSim(t)
	for _, x := range []string{"a", "b"} {
		diskAct(t, s, "athens", "append", "file", "wal", "data", x)
	}
	diskAct(t, s, "athens", "fsync", "file", "wal")
	s.RunFor(ms(10), 0)
	diskAct(t, s, "athens", "append", "file", "wal", "data", "c")
	diskAct(t, s, "athens", "append", "file", "wal", "data", "d")
	diskAct(t, s, "athens", "append", "file", "snap", "data", "s")
	d := s.World().Disk("athens")
	states, cut := d.CrashStates(64)
	if cut || len(states) != 5*3 {
		t.Fatalf("%d states (cut %v), want 5 outcomes for wal × 3 for snap", len(states), cut)
	}
	if first := d.AfterCrash(states[0]); first.File("wal").Len() != 2 || first.File("snap").Len() != 0 {
		t.Fatal("the first state should be the engine's own crash: durable records only")
	}
	var got []string
	for _, cs := range states {
		if cs.Keep["snap"] != 0 || cs.Torn["snap"] {
			continue
		}
		after := d.AfterCrash(cs)
		var recs []string
		for _, r := range after.File("wal").Records() {
			mark := ""
			if !r.Intact() {
				mark = "~"
			}
			recs = append(recs, fmt.Sprint(r.Data)+mark)
		}
		got = append(got, strings.Join(recs, ""))
	}
	want := []string{"ab", "abc~", "abc", "abcd~", "abcd"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("wal after a crash could be %q, want %q", got, want)
	}
	if d.File("wal").Len() != 4 || d.File("wal").Records()[2].Intact() != true {
		t.Fatal("AfterCrash changed the live disk")
	}
	if few, cut := d.CrashStates(4); !cut || len(few) != 4 {
		t.Fatalf("limit 4 gave %d states, cut %v", len(few), cut)
	}
}

// File remembers the last file it found: a delete, a rename or a new file
// of the same name must never leave it answering with the old one.
func TestFileLookupFollowsDeleteAndRename(t *testing.T) {
	d := newDisk(1, "athens")
	a := d.Create("a")
	if d.File("a") != a {
		t.Fatal("created file not found")
	}
	d.Delete("a")
	if d.File("a") != nil {
		t.Fatal("a deleted file is still found")
	}
	a2 := d.Create("a")
	if d.File("a") != a2 {
		t.Fatal("a file made again under a deleted one's name is not the one found")
	}
	if err := d.Rename("a", "b"); err != nil {
		t.Fatal(err)
	}
	if d.File("a") != nil || d.File("b") != a2 {
		t.Fatalf("after the rename a is %v, b is %v", d.File("a"), d.File("b"))
	}
	c := d.Create("c")
	if err := d.Rename("c", "b"); err != nil {
		t.Fatal(err)
	}
	if d.File("b") != c || d.File("c") != nil {
		t.Fatal("a rename over b left the old b found")
	}
}
