package engine

import (
	"runtime"
	"syscall"
	"testing"
	"time"
)

// cpuTime is the CPU time the test process has used, in seconds: on a
// shared machine events per CPU-second is steadier than per wall second.
func cpuTime() float64 {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}

// pingNode is the echo node without its notebook: it pings every peer every
// 10ms and answers pings, recording nothing, so the benchmarks measure the
// engine rather than the test process.
type pingNode struct{ sent, got int }

func (n *pingNode) Handle(env Env, ev Event) {
	switch ev.Kind {
	case EvStart:
		env.SetTimer("tick", 10*time.Millisecond)
	case EvTimer:
		for _, p := range env.Peers() {
			if p != env.ID() {
				n.sent++
				env.Send(p, ping{N: n.sent})
			}
		}
		env.SetTimer("tick", 10*time.Millisecond)
	case EvReceive:
		n.got++
		if m, ok := ev.Msg.(ping); ok {
			env.Send(ev.From, pong(m))
		}
	}
}

func (n *pingNode) View() ProcessView { return ProcessView{Role: "ping"} }

func pingModel() Model {
	return Model{NewProcess: func(id string, role Role) Process {
		if role == RoleClient {
			return &echoClient{}
		}
		return &pingNode{}
	}}
}

func newPingSim(b *testing.B, cfg Config) *Sim {
	return newPingSimOf(b, cfg, pingModel())
}

func newPingSimOf(b *testing.B, cfg Config, m Model) *Sim {
	s, err := New(cfg, m)
	if err != nil {
		b.Fatal(err)
	}
	return s
}

// benchChunk is how many events one benchmark run lasts: a fresh Sim every
// chunk keeps the append-only trace from growing with b.N.
const benchChunk = 200_000

// BenchmarkEngine5Nodes runs the echo cluster on five nodes: every node
// pings the four others each 10ms and answers every ping, so the queue
// holds timers and messages on all 20 links. One op is one event.
func BenchmarkEngine5Nodes(b *testing.B) { benchEngine5Nodes(b, pingModel()) }

// BenchmarkEngine5NodesCausal is the same run with the happens-before
// oracle on (Model.Causal): the goal is that it costs at most 20%.
func BenchmarkEngine5NodesCausal(b *testing.B) {
	m := pingModel()
	m.Causal = true
	benchEngine5Nodes(b, m)
}

func benchEngine5Nodes(b *testing.B, m Model) {
	cfg := Config{Nodes: five, Seed: 1}
	var ms0, ms1 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms0)
	b.ResetTimer()
	cpu0 := cpuTime()
	stepPingSimsOf(b, cfg, m)
	b.StopTimer()
	cpu := cpuTime() - cpu0
	elapsed := b.Elapsed()
	runtime.ReadMemStats(&ms1)
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "events/s")
	b.ReportMetric(float64(b.N)/cpu, "events/cpu-s")
	b.ReportMetric(float64(ms1.Mallocs-ms0.Mallocs)/float64(b.N), "allocs/event")
}

// BenchmarkEngine200Processes runs the ping cluster at scale: 199 nodes
// and a client, every node pinging the 198 others each 10ms. One op is one
// event; the goal is ≥ 500k events/s.
func BenchmarkEngine200Processes(b *testing.B) {
	cfg := Config{Nodes: numbered(199), Clients: []string{"alice"}, Seed: 1}
	b.ResetTimer()
	stepPingSims(b, cfg)
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// stepPingSims runs b.N events of fresh ping clusters, benchChunk events
// each, so the queue stays the size of a running cluster's.
func stepPingSims(b *testing.B, cfg Config) { stepPingSimsOf(b, cfg, pingModel()) }

func stepPingSimsOf(b *testing.B, cfg Config, m Model) {
	for done := 0; done < b.N; {
		s := newPingSimOf(b, cfg, m)
		n := min(benchChunk, b.N-done)
		for i := 0; i < n; i++ {
			s.Step()
		}
		done += n
	}
}

// replayLog is a 100k-step run of the echo cluster with faults on the way.
func replayLog(b *testing.B) (Config, []LoggedCommand) {
	cfg := Config{Nodes: five, Clients: []string{"alice"}, Seed: 1}
	s := newPingSim(b, cfg)
	cmds := []Command{
		{Kind: CmdPartition, Groups: [][]string{{"athens", "byzantium"}, {"cyrene", "delphi", "ephesus"}}},
		{Kind: CmdCrash, Node: "cyrene"},
		{Kind: CmdClient, Node: "alice", Name: "write"},
		{Kind: CmdHeal},
		{Kind: CmdRestart, Node: "cyrene"},
		{Kind: CmdJump, Node: "delphi", Dur: Duration(30 * time.Millisecond)},
		{Kind: CmdPause, Node: "ephesus"},
		{Kind: CmdResume, Node: "ephesus"},
	}
	for i := 0; s.StepCount() < 100_000; i++ {
		s.RunFor(10*time.Millisecond+time.Duration(i)*time.Microsecond, 100_000-s.StepCount())
		if i%50 == 0 {
			apply(b, s, cmds[(i/50)%len(cmds)])
		}
	}
	return cfg, s.Log()
}

// BenchmarkReplay100k rebuilds step 100,000 of a recorded run from its
// command log, as a rewind does.
func BenchmarkReplay100k(b *testing.B) {
	cfg, log := replayLog(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		s, err := Replay(cfg, pingModel(), log, 100_000)
		if err != nil {
			b.Fatal(err)
		}
		if s.StepCount() != 100_000 {
			b.Fatalf("replay stopped at %d", s.StepCount())
		}
	}
	b.ReportMetric(b.Elapsed().Seconds()*1000/float64(b.N), "ms/replay")
}

// BenchmarkNotef writes one note of the shape patterns write at nearly
// every step: a few strings and ints, and a buffer.
func BenchmarkNotef(b *testing.B) {
	s, err := New(Config{Nodes: []string{"athens"}, Seed: 1}, pingModel())
	if err != nil {
		b.Fatal(err)
	}
	env := s.procByID("athens").env
	ctx := []byte("[athens:3 byzantium:1]")
	for i := 0; b.Loop(); i++ {
		if s.trace.n >= benchChunk { // keep the trace from growing with b.N
			s.trace = Trace{}
		}
		Notef(env, "%s: %s's write %s=%d with context %s", S("athens"), S("client-1"), S("k1"), D(i), B(ctx))
	}
}
