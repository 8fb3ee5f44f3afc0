// Package sweep runs a live pattern under random fault schedules: one seed
// gives one schedule (partitions, one-way cuts, crashes, restarts, pauses,
// dropped messages, lossy links, clock skews, pattern actions and client
// load), always the same. After the schedule the network heals, every node
// comes back, the cluster settles, and the run is judged on the pattern's
// invariants, on its client history (linearizability and the pattern's
// named history checks) and on whether it recovered (the pattern's Settled
// check).
package sweep

import (
	"fmt"
	"math/rand/v2"
	"time"

	"clusterscope/engine"
	"clusterscope/patterns/kit"
)

// Options shape the schedules. The zero value means the defaults.
type Options struct {
	Calm     time.Duration // fault-free start, only client load (default 1s)
	Faults   time.Duration // length of the fault phase after it (default 6s)
	Settle   time.Duration // healed run at the end (default 3s)
	Gap      time.Duration // mean time between schedule events (default 80ms)
	MaxSteps int           // safety bound per run (default 2,000,000)
	// NoFaults sends client load only (a calm run from start to end).
	NoFaults bool
	// KeepGoing plays the whole schedule even after a violation, as a
	// learner who keeps clicking would (robustness tests).
	KeepGoing bool
	// Stop, when set, is asked between runs of a shrink: true ends it with
	// the shortest schedule found so far (a caller's deadline or cancel).
	Stop func() bool
}

func (o Options) withDefaults() Options {
	if o.Calm == 0 {
		o.Calm = time.Second
	}
	if o.Faults == 0 {
		o.Faults = 6 * time.Second
	}
	if o.Settle == 0 {
		o.Settle = 3 * time.Second
	}
	if o.Gap == 0 {
		o.Gap = 80 * time.Millisecond
	}
	if o.MaxSteps == 0 {
		o.MaxSteps = 2_000_000
	}
	return o
}

// Draws are the commands a schedule may contain (engine.Commands is the
// table of them all); NotDrawn are the table's faults it leaves out, and
// why. A test keeps the three in step, so a new fault is either drawn here
// or excused.
var (
	Draws = []string{
		engine.CmdPartition, engine.CmdCut, engine.CmdHeal, engine.CmdCrash, engine.CmdRestart,
		engine.CmdPause, engine.CmdResume, engine.CmdDropNext, engine.CmdNetwork,
		engine.CmdOffset, engine.CmdDrift, engine.CmdJump, engine.CmdAction, engine.CmdClient,
		engine.CmdJoin, engine.CmdLeave,
	}
	NotDrawn = map[string]string{
		engine.CmdDrop:      "picks one message by id; drop-next and lossy links lose messages in a schedule",
		engine.CmdDuplicate: "picks one message by id; lossy links duplicate messages in a schedule",
		engine.CmdReset:     "only patterns whose processes talk over connections draw resets, through kit.ConnResets in their Faults",
		engine.CmdDisk:      "only patterns that keep their state on the engine's Disk draw disk faults, through kit.DiskFaults in their Faults",
	}
)

// Linearizability is the name a failed history check gets in a Result.
const Linearizability = "linearizability"

// SettledPrefix starts the Invariant of a Result whose cluster did not
// recover after healing: "settled/one-leader".
const SettledPrefix = "settled/"

// Result is the outcome of one seed.
type Result struct {
	Seed      uint64
	Failed    bool
	Step      int    // where the first violation was seen
	Invariant string // which one (or Linearizability)
	Text      string // its explanation
	Steps     int    // steps run
	Ops       int    // client operations invoked
	// Unchecked says why the history was not checked for linearizability
	// (too many unknown outcomes for porcupine); empty when it was.
	Unchecked string
	Log       []engine.LoggedCommand
	Sim       *engine.Sim // the finished run, for inspection
}

func (r Result) String() string {
	if !r.Failed {
		if r.Unchecked != "" {
			return fmt.Sprintf("seed %d: ok (%d steps, %d client ops; history not checked: %s)", r.Seed, r.Steps, r.Ops, r.Unchecked)
		}
		return fmt.Sprintf("seed %d: ok (%d steps, %d client ops)", r.Seed, r.Steps, r.Ops)
	}
	return fmt.Sprintf("seed %d: %s broke at step %d: %s", r.Seed, r.Invariant, r.Step, r.Text)
}

// start builds the run, from sp's memory when sp is not nil; a config the
// engine refuses is the run's failure.
func start(sp *engine.Spares, c *kit.Cluster, cfg engine.Config) (*engine.Sim, Result, bool) {
	res := Result{Seed: cfg.Seed}
	s, err := sp.New(cfg, c.Model(cfg))
	if err != nil {
		res.Failed, res.Invariant, res.Text = true, "config", err.Error()
		return nil, res, false
	}
	res.Sim = s
	return s, res, true
}

// Run plays one seeded schedule against the cluster; cfg.Seed is the seed
// (it also seeds the simulation).
func Run(c *kit.Cluster, cfg engine.Config, opt Options) Result { return RunOn(nil, c, cfg, opt) }

// RunOn is Run building the run from sp's memory (engine.Spares), as a loop
// over seeds does: once done with the result, the caller hands its Sim
// back with sp.Reclaim(r.Sim), after which only r's own fields (its Log,
// counts and texts) may be read. A nil sp is Run.
func RunOn(sp *engine.Spares, c *kit.Cluster, cfg engine.Config, opt Options) Result {
	opt = opt.withDefaults()
	s, res, ok := start(sp, c, cfg)
	if !ok {
		return res
	}
	g := &gen{c: c, s: s, w: s.World(), r: rand.New(rand.NewPCG(cfg.Seed, 0x7377656570)),
		nodes: append(append([]string(nil), cfg.Nodes...), cfg.Standby...), clients: cfg.Clients, membership: len(cfg.Standby) > 0}
	budget := opt.MaxSteps

	run := func(until time.Duration, faults bool) bool {
		broke := func() bool { return !opt.KeepGoing && len(s.Violations()) > 0 }
		for s.Now() < until && budget > 0 && !broke() {
			gap := time.Duration(g.r.Int64N(int64(2*opt.Gap))) + time.Millisecond
			budget -= s.RunFor(min(gap, until-s.Now()), budget)
			if s.Now() >= until || broke() {
				break
			}
			g.event(faults)
		}
		return !broke()
	}
	if run(opt.Calm, false) && run(opt.Calm+opt.Faults, !opt.NoFaults) && budget > 0 {
		g.healAll()
		budget -= s.RunFor(opt.Settle, budget)
	}
	return judge(c, s, res, opt, budget)
}

// judge fills res from a finished run: the first violation, the step
// budget, the client history, the pattern's history checks, recovery.
func judge(c *kit.Cluster, s *engine.Sim, res Result, opt Options, budget int) Result {
	res.Steps, res.Log = s.StepCount(), s.Log()
	res.Ops = len(s.History())
	if v := s.Violations(); len(v) > 0 {
		res.Failed, res.Step, res.Invariant, res.Text = true, v[0].Step, v[0].Invariant, v[0].Text
		return res
	}
	if budget <= 0 {
		res.Failed, res.Step, res.Invariant = true, s.StepCount(), "step-budget"
		res.Text = fmt.Sprintf("the run needed more than %d steps for %v of virtual time: a message storm?", opt.MaxSteps, opt.Calm+opt.Faults+opt.Settle)
		return res
	}
	if ok, checked := c.LinearizableBounded(s.History()); !checked {
		res.Unchecked = fmt.Sprintf("more than %d operations with an unknown outcome: porcupine would try too many orders", kit.MaxUnknownOutcomes)
	} else if !ok {
		res.Failed, res.Step, res.Invariant = true, s.StepCount(), Linearizability
		res.Text = "the client history has no linearizable order (porcupine)"
		return res
	}
	for _, v := range c.CheckHistory(s.History()) {
		if !v.OK {
			res.Failed, res.Step, res.Invariant, res.Text = true, s.StepCount(), v.Check, v.Text
			return res
		}
	}
	if c.Settled != nil {
		if v := c.Settled(s.World()); !v.OK {
			res.Failed, res.Step, res.Invariant = true, s.StepCount(), SettledPrefix+v.Check
			res.Text = fmt.Sprintf("%v after every fault was healed: %s", opt.Settle, v.Text)
		}
	}
	return res
}

// Sweep runs seeds from, from+1, ... (n of them) and returns the first
// failing result in seed order, or ok=true. progress, when given, is called
// after each seed.
func Sweep(c *kit.Cluster, base engine.Config, from uint64, n int, opt Options, progress func(done int, r Result)) (Result, bool) {
	var sp engine.Spares // each seed's run takes the memory of the one before
	for i := 0; i < n; i++ {
		cfg := base
		cfg.Seed = from + uint64(i)
		r := RunOn(&sp, c, cfg, opt)
		s := r.Sim
		r.Sim = nil
		if progress != nil {
			progress(i+1, r)
		}
		if r.Failed {
			return r, false
		}
		sp.Reclaim(s)
	}
	return Result{}, true
}

// gen draws schedule events.
type gen struct {
	c       *kit.Cluster
	s       *engine.Sim
	w       *engine.World
	r       *rand.Rand
	nodes   []string
	clients []string
	lossy   bool
	// membership: the cluster has standby servers, so the schedule also
	// joins and removes servers (a cluster without any draws exactly as
	// before).
	membership bool
}

func (g *gen) apply(cmd engine.Command) {
	// A command the state refuses (restart of a node that is up) is simply
	// not part of the schedule; the generator only picks sensible ones.
	_ = g.s.Apply(cmd)
}

func (g *gen) pick(list []string) string { return list[g.r.IntN(len(list))] }

func (g *gen) withStatus(status engine.Status) []string {
	var out []string
	for _, id := range g.nodes {
		if g.w.Status(id) == status {
			out = append(out, id)
		}
	}
	return out
}

func (g *gen) event(faults bool) {
	if !faults || g.r.IntN(100) < 45 {
		g.client()
		return
	}
	if g.membership && g.r.IntN(8) == 0 {
		g.joinOrLeave()
		return
	}
	if len(g.c.Faults) > 0 && g.r.IntN(4) == 0 { // a pattern without its own faults draws as before
		f := g.c.Faults[g.r.IntN(len(g.c.Faults))]
		if cmd, ok := f.Draw(g.r, g.w); ok {
			g.apply(cmd)
		}
		return
	}
	switch k := g.r.IntN(15); k {
	case 0, 1: // split the nodes into two groups
		perm := g.r.Perm(len(g.nodes))
		cut := 1 + g.r.IntN(max(1, len(g.nodes)-1))
		var a, b []string
		for i, p := range perm {
			if i < cut {
				a = append(a, g.nodes[p])
			} else {
				b = append(b, g.nodes[p])
			}
		}
		if len(a) > 0 && len(b) > 0 {
			g.apply(engine.Command{Kind: engine.CmdPartition, Groups: [][]string{a, b}})
		}
	case 2: // one-way cut
		from, to := g.pick(g.nodes), g.pick(g.nodes)
		if from != to {
			g.apply(engine.Command{Kind: engine.CmdCut, From: from, To: to})
		}
	case 3, 4:
		g.apply(engine.Command{Kind: engine.CmdHeal})
	case 5:
		if up := g.withStatus(engine.StatusUp); len(up) > 0 {
			g.apply(engine.Command{Kind: engine.CmdCrash, Node: g.pick(up)})
		}
	case 6, 7:
		if down := g.withStatus(engine.StatusCrashed); len(down) > 0 {
			g.apply(engine.Command{Kind: engine.CmdRestart, Node: g.pick(down)})
		}
	case 8:
		if up := g.withStatus(engine.StatusUp); len(up) > 0 {
			g.apply(engine.Command{Kind: engine.CmdPause, Node: g.pick(up)})
		}
	case 9:
		if paused := g.withStatus(engine.StatusPaused); len(paused) > 0 {
			g.apply(engine.Command{Kind: engine.CmdResume, Node: g.pick(paused)})
		}
	case 10:
		from, to := g.pick(g.nodes), g.pick(g.nodes)
		if from != to {
			g.apply(engine.Command{Kind: engine.CmdDropNext, From: from, To: to, Count: 1 + g.r.IntN(3)})
		}
	case 11: // lossy, duplicating links for a while, or back to normal
		net := engine.DefaultNet
		if cfg := g.s.Config(); cfg.Net != nil {
			net = *cfg.Net
		}
		if !g.lossy {
			net.DropPct = float64(g.r.IntN(20))
			net.DupPct = float64(g.r.IntN(10))
		}
		g.lossy = !g.lossy
		g.apply(engine.Command{Kind: engine.CmdNetwork, Net: &net})
	case 12:
		if g.c.BoundedClocks { // the pattern draws its own skews, within its bound
			g.client()
			return
		}
		node := g.pick(g.nodes)
		switch g.r.IntN(3) {
		case 0:
			g.apply(engine.Command{Kind: engine.CmdOffset, Node: node, Dur: engine.Duration(time.Duration(g.r.Int64N(1000)-500) * time.Millisecond)})
		case 1:
			g.apply(engine.Command{Kind: engine.CmdDrift, Node: node, PPM: g.r.Int64N(100_000) - 50_000})
		default:
			if d := time.Duration(g.r.Int64N(600)-300) * time.Millisecond; d != 0 {
				g.apply(engine.Command{Kind: engine.CmdJump, Node: node, Dur: engine.Duration(d)})
			}
		}
	case 13: // a pattern action that takes no arguments, at a random node
		var names []string
		for _, a := range g.c.Actions {
			if a.Target == kit.TargetNode && len(a.Params) == 0 {
				names = append(names, a.Name)
			}
		}
		if up := g.withStatus(engine.StatusUp); len(names) > 0 && len(up) > 0 {
			g.apply(engine.Command{Kind: engine.CmdAction, Node: g.pick(up), Name: g.pick(names)})
		}
	default:
		g.client()
	}
}

// joinOrLeave boots a server waiting outside the cluster, or takes a member
// out (never the last one).
func (g *gen) joinOrLeave() {
	out := append(g.withStatus(engine.StatusStandby), g.withStatus(engine.StatusLeft)...)
	in := g.withStatus(engine.StatusUp)
	if len(out) > 0 && (len(in) <= 1 || g.r.IntN(2) == 0) {
		g.apply(engine.Command{Kind: engine.CmdJoin, Node: g.pick(out)})
	} else if len(in) > 1 {
		g.apply(engine.Command{Kind: engine.CmdLeave, Node: g.pick(in)})
	}
}

func (g *gen) client() {
	if g.c.Workload == nil || len(g.clients) == 0 || len(g.nodes) == 0 {
		return
	}
	g.apply(g.c.Workload(g.r, g.nodes, g.clients))
}

// healAll ends the fault phase: links up and normal, every node back.
func (g *gen) healAll() {
	g.apply(engine.Command{Kind: engine.CmdHeal})
	net := engine.DefaultNet
	if cfg := g.s.Config(); cfg.Net != nil {
		net = *cfg.Net
	}
	g.apply(engine.Command{Kind: engine.CmdNetwork, Net: &net})
	for _, id := range g.nodes {
		if d := g.w.Disk(id); d != nil && d.Faulty() {
			g.apply(engine.Command{Kind: engine.CmdDisk, Node: id, Name: engine.DiskHealthy})
		}
		switch g.w.Status(id) {
		case engine.StatusCrashed:
			g.apply(engine.Command{Kind: engine.CmdRestart, Node: id})
		case engine.StatusPaused:
			g.apply(engine.Command{Kind: engine.CmdResume, Node: id})
		}
	}
}
