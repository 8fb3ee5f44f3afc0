package main

import (
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"clusterscope/engine"
	"clusterscope/patterns"
	"clusterscope/patterns/kit"
	"clusterscope/patterns/sweep"
	"clusterscope/web/share"
)

// cmdCheck runs seeded random fault schedules against a pattern and reports
// the first seed (in seed order) that breaks an invariant or linearizability.
func cmdCheck(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	id := fs.String("pattern", "", "pattern id (see clusterscope patterns)")
	variant := fs.String("variant", "", "broken variant(s) to switch on, comma-separated")
	seeds := fs.Int("seeds", 100, "how many seeds to run")
	from := fs.Uint64("from", 1, "first seed")
	nodes := fs.Int("nodes", 0, "cluster size (0 = the pattern's default)")
	workers := fs.Int("workers", runtime.GOMAXPROCS(0), "seeds run in parallel")
	calm := fs.Bool("calm", false, "client load only, no faults")
	shrink := fs.Bool("shrink", false, "on a failure, look for a shorter schedule that breaks the same invariant")
	shrinkTries := fs.Int("shrink-tries", sweep.DefaultShrinkTries, "most runs a shrink may take")
	setup := fs.String("setup", "", "which of the page's setups to run (\"\" = the first)")
	var sets []string // name=value, in the order given
	fs.Func("set", "a setting, name=value (repeat for more; see the page's Settings)", func(s string) error {
		if _, _, ok := strings.Cut(s, "="); !ok {
			return fmt.Errorf("want name=value, got %q", s)
		}
		sets = append(sets, s)
		return nil
	})
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "clusterscope check: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	if *id == "" {
		fmt.Fprintln(stderr, "clusterscope check: which pattern? (--pattern ID; see clusterscope patterns)")
		return 2
	}
	p, ok := patterns.ByID(*id)
	if !ok {
		fmt.Fprintf(stderr, "clusterscope check: no pattern %q (see clusterscope patterns)\n", *id)
		return 2
	}
	if !p.Live() {
		fmt.Fprintf(stderr, "clusterscope check: %s is not built yet\n", p.Title)
		return 2
	}
	if *seeds < 1 {
		fmt.Fprintln(stderr, "clusterscope check: --seeds must be at least 1")
		return 2
	}
	if *workers < 1 {
		*workers = 1
	}
	var variants []string
	for _, v := range strings.Split(*variant, ",") {
		if v = strings.TrimSpace(v); v != "" {
			variants = append(variants, v)
		}
	}
	base, err := p.ConfigFor(*setup, *nodes, *from, variants)
	if err == nil {
		err = applySettings(&base, sets)
	}
	var cluster *kit.Cluster
	if err == nil {
		cluster, err = p.ClusterOf(base)
	}
	if err == nil {
		// The engine checks each setting's name and range: a bad one is
		// refused here, not reported as the first seed's failure.
		_, err = p.NewSim(base)
	}
	if err != nil {
		fmt.Fprintln(stderr, "clusterscope check:", err)
		return 2
	}
	opt := sweep.Options{NoFaults: *calm}

	start := time.Now()
	tty := isTerminal(stderr)
	var done atomic.Int64
	var lowest atomic.Int64 // index of the lowest failing seed so far
	lowest.Store(int64(*seeds))
	results := make([]sweep.Result, *seeds)
	var next atomic.Int64
	var wg sync.WaitGroup
	var mu sync.Mutex
	lastDraw := time.Time{}
	for w := 0; w < *workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1) - 1
				if i >= int64(*seeds) || i > lowest.Load() {
					return
				}
				cfg := base
				cfg.Seed = *from + uint64(i)
				r := sweep.Run(cluster, cfg, opt)
				r.Sim = nil
				results[i] = r
				if r.Failed {
					for {
						cur := lowest.Load()
						if i >= cur || lowest.CompareAndSwap(cur, i) {
							break
						}
					}
				}
				n := done.Add(1)
				if tty {
					mu.Lock()
					if time.Since(lastDraw) > 100*time.Millisecond || n == int64(*seeds) {
						lastDraw = time.Now()
						fmt.Fprintf(stderr, "\r%s: %d/%d seeds (%.1fs)", p.ID, n, *seeds, time.Since(start).Seconds())
					}
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	if tty {
		fmt.Fprintln(stderr)
	}
	elapsed := time.Since(start).Round(time.Millisecond)
	label := p.ID
	if *setup != "" {
		label += " [" + *setup + "]"
	}
	if len(variants) > 0 {
		label += " (" + strings.Join(variants, ", ") + ")"
	}
	if k := lowest.Load(); k < int64(*seeds) {
		r := results[k]
		fmt.Fprintf(stdout, "FAIL %s: seed %d, step %d: %s: %s\n", label, r.Seed, r.Step, r.Invariant, r.Text)
		printSchedule(stdout, r)
		again := fmt.Sprintf("clusterscope check --pattern %s --seeds 1 --from %d", p.ID, r.Seed)
		if len(variants) > 0 {
			again += " --variant " + strings.Join(variants, ",")
		}
		if *nodes != 0 {
			again += fmt.Sprintf(" --nodes %d", *nodes)
		}
		if *calm {
			again += " --calm"
		}
		if *setup != "" {
			again += " --setup " + *setup
		}
		for _, s := range sets {
			again += " --set " + s
		}
		fmt.Fprintf(stdout, "reproduce: %s\n", again)
		if *shrink {
			cfg := base
			cfg.Seed = r.Seed
			printShrunk(stdout, p, cluster, cfg, r, opt, *shrinkTries, len(sets) == 0)
		}
		return 1
	}
	steps := 0
	for _, r := range results {
		steps += r.Steps
	}
	fmt.Fprintf(stdout, "ok %s: %d seeds from %d, %d steps, nothing broke (%v)\n", label, *seeds, *from, steps, elapsed)
	return 0
}

// applySettings puts name=value settings into cfg's params.
func applySettings(cfg *engine.Config, sets []string) error {
	for _, s := range sets {
		name, value, _ := strings.Cut(s, "=")
		n, err := strconv.Atoi(strings.TrimSpace(value))
		if err != nil {
			return fmt.Errorf("--set %s: the value must be a whole number", s)
		}
		params := make(map[string]int, len(cfg.Params)+1)
		maps.Copy(params, cfg.Params)
		params[strings.TrimSpace(name)] = n
		cfg.Params = params
	}
	return nil
}

// printShrunk shrinks a failing run and prints the shorter schedule, with a
// link that opens it in the viewer at the step where it broke (a page link
// carries no --set settings, so there is none then).
func printShrunk(w io.Writer, p *patterns.Pattern, c *kit.Cluster, cfg engine.Config, r sweep.Result, opt sweep.Options, tries int, link bool) {
	s, err := sweep.Shrink(c, cfg, r, opt, tries)
	if err != nil {
		fmt.Fprintln(w, "shrink:", err)
		return
	}
	more := ""
	if !s.Complete {
		more = "; stopped at the try limit, a shorter one may exist"
	}
	fmt.Fprintf(w, "shrunk: %d → %d commands, broke at step %d → %d (%s), %d runs%s\n", s.Original, len(s.Log), s.FirstStep, s.Step, s.Invariant, s.Tries, more)
	for _, lc := range s.Log {
		fmt.Fprintf(w, "  step %-7d %8.3fs  %s\n", lc.Step, float64(lc.At)/1e6, lc.Command)
	}
	if !link {
		return
	}
	q := share.RunQuery(cfg, s.Step, s.Log)
	fmt.Fprintf(w, "open: http://localhost:8080/patterns/%s?%s\n", p.ID, q.Encode())
}

// printSchedule shows the last commands applied before the failing step.
func printSchedule(w io.Writer, r sweep.Result) {
	var before []string
	for _, c := range r.Log {
		if c.Step > r.Step {
			break
		}
		before = append(before, fmt.Sprintf("  step %-7d %8.3fs  %s", c.Step, float64(c.At)/1e6, c.Command))
	}
	if len(before) == 0 {
		return
	}
	if len(before) > 12 {
		fmt.Fprintf(w, "  ... %d earlier commands\n", len(before)-12)
		before = before[len(before)-12:]
	}
	fmt.Fprintln(w, "last commands before it:")
	for _, l := range before {
		fmt.Fprintln(w, l)
	}
}

// isTerminal reports whether w is a character device (a terminal).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
