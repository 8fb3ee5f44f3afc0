package lessons

import (
	"fmt"
	"strings"
	"sync"

	"clusterscope/engine"
	"clusterscope/patterns/sweep"
)

// A find-failure step is the page's "find me a failure" button played
// headless: seeds 1..N of the sweep's random fault schedules, on the
// scenario's cluster (its header's config) with the broken variants in
// force when the step plays, as the page's button does; the first schedule that breaks an invariant is shrunk. It is
// deterministic (seeded schedules, no clock) and leaves the scenario's own
// cluster untouched. Each schedule is a whole sweep run (about ten seconds
// of virtual time), so the seeds, and the steps per file, are bounded.
const (
	MaxFindFailureSeeds = 200
	MaxFindFailureSteps = 2
)

// FindFailureSpec is a find-failure step.
type FindFailureSpec struct {
	Seeds int `json:"seeds"`
}

// SearchOutcome is what a find-failure step found.
type SearchOutcome struct {
	Seeds     int      `json:"seeds"`    // schedules it may run
	Variants  []string `json:"variants"` // in force
	Ran       int      `json:"ran"`      // schedules run
	Failed    bool     `json:"failed"`
	Seed      uint64   `json:"seed,omitempty"` // the schedule that broke
	Invariant string   `json:"invariant,omitempty"`
	Text      string   `json:"text,omitempty"`
	Step      int      `json:"step,omitempty"`      // where the shrunk schedule breaks
	FirstStep int      `json:"firstStep,omitempty"` // where the schedule found broke
	Original  int      `json:"original,omitempty"`  // commands in the schedule found
	Commands  int      `json:"commands,omitempty"`  // commands in the shrunk one
	// The shrunk run, to open it: its config (seed included) and its
	// commands at the steps they ran.
	Config engine.Config          `json:"-"`
	Log    []engine.LoggedCommand `json:"-"`
}

func (r SearchOutcome) String() string {
	on := "on the correct pattern"
	if len(r.Variants) > 0 {
		on = "with " + strings.Join(r.Variants, ", ")
	}
	if !r.Failed {
		return fmt.Sprintf("nothing broke in %d schedules %s", r.Ran, on)
	}
	return fmt.Sprintf("%s broke in schedule %d %s, at step %d: %s (shrunk from %d commands to %d; step %d → %d)",
		r.Invariant, r.Seed, on, r.Step, r.Text, r.Original, r.Commands, r.FirstStep, r.Step)
}

// searchCache keeps what a scenario's find-failure steps found, by step and
// variants: a page that goes back in a story plays it again from the
// start, and the same search gives the same answer. A bundled scenario is
// shared by every session, hence the lock.
type searchCache struct {
	mu    sync.Mutex
	found map[string]SearchOutcome
}

func (c *searchCache) get(key string) (SearchOutcome, bool) {
	if c == nil {
		return SearchOutcome{}, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	r, ok := c.found[key]
	return r, ok
}

func (c *searchCache) put(key string, r SearchOutcome) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.found == nil {
		c.found = map[string]SearchOutcome{}
	}
	c.found[key] = r
}

// findFailure plays a find-failure step: from the scenario's cache, or
// searched (after gate, when given, lets it: a server bounds the searches
// running at once).
func (p *Player) findFailure(st *Step) (SearchOutcome, error) {
	sc, sim := p.sc, p.sim
	var on []string
	for _, v := range sc.cluster.Variants {
		if sim.World().Variant(v.Name) {
			on = append(on, v.Name)
		}
	}
	key := fmt.Sprintf("%d:%d:%s", st.Line, st.FindFailure.Seeds, strings.Join(on, ","))
	if r, ok := sc.searches.get(key); ok {
		return r, nil
	}
	if p.SearchGate != nil {
		release, err := p.SearchGate()
		if err != nil {
			return SearchOutcome{}, err
		}
		defer release()
	}
	r, err := findFailure(sc, sim, st.FindFailure.Seeds)
	if err == nil {
		sc.searches.put(key, r)
	}
	return r, err
}

func findFailure(sc *Scenario, sim *engine.Sim, seeds int) (SearchOutcome, error) {
	cfg := sim.Config()
	w := sim.World()
	var on []string
	for _, v := range sc.cluster.Variants {
		if w.Variant(v.Name) {
			on = append(on, v.Name)
		}
	}
	cfg.Variants = map[string]bool{}
	for _, v := range on {
		cfg.Variants[v] = true
	}
	out := SearchOutcome{Seeds: seeds, Variants: on}
	if out.Variants == nil {
		out.Variants = []string{}
	}
	r, held := sweep.Sweep(sc.cluster, cfg, 1, seeds, sweep.Options{}, func(done int, _ sweep.Result) { out.Ran = done })
	if held {
		out.Ran = seeds
		return out, nil
	}
	run := cfg
	run.Seed = r.Seed
	out.Failed, out.Seed, out.Invariant, out.Text, out.FirstStep, out.Original = true, r.Seed, r.Invariant, r.Text, r.Step, len(r.Log)
	out.Step, out.Commands = r.Step, len(r.Log)
	shrunk, err := sweep.Shrink(sc.cluster, run, r, sweep.Options{}, 0)
	if err != nil {
		return out, err
	}
	out.Step, out.Commands, out.Text = shrunk.Step, len(shrunk.Log), shrunk.Text
	out.Config, out.Log = run, shrunk.Log
	return out, nil
}
