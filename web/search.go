package web

import (
	"context"
	"errors"
	"time"

	"clusterscope/engine"
	"clusterscope/patterns/kit"
	"clusterscope/patterns/sweep"
	"clusterscope/web/share"
)

// "Find me a failure": the page asks the server to sweep random fault
// schedules with the variants in force, and when one breaks an invariant,
// to shrink it and hand back a link that opens it at the step where it
// broke. The search runs on a goroutine of its own (the session goes on
// answering its page), holds one of the server's search slots (a few at
// once, so live runs are not starved), and stops at its seed or time bound,
// when the page cancels, or when the session ends.

// searchState is what the page is told of its search (frame.Search).
type searchState struct {
	State    string   `json:"state"` // running, found, nothing, cancelled
	Done     int      `json:"done"`  // seeds run
	Seeds    int      `json:"seeds"` // seeds it may run
	Elapsed  int64    `json:"elapsedMs"`
	Variants []string `json:"variants,omitempty"`
	// When found: what broke, where, and the shrunk schedule's link query.
	Invariant string `json:"invariant,omitempty"`
	Text      string `json:"text,omitempty"`
	Seed      uint64 `json:"seed,omitempty"`
	Step      int    `json:"step,omitempty"`
	FirstStep int    `json:"firstStep,omitempty"` // where the unshrunk schedule broke
	Original  int    `json:"original,omitempty"`  // its commands
	Commands  int    `json:"commands,omitempty"`  // the shrunk schedule's
	Query     string `json:"query,omitempty"`
}

// searchSeeds bounds one search; the time bound is Limits.SearchTime.
const searchSeeds = 2000

// search is the session's search in progress (owned by the run goroutine).
type search struct {
	cancel context.CancelFunc
}

// startSearch begins a search with the run's config and the variants in
// force now.
func (s *session) startSearch() error {
	if s.caps != nil {
		return s.caps.refused("embed-search", "find a failure: not from an embed on another site (%s)", capsHint)
	}
	if s.search != nil {
		return errors.New("find a failure: a search is already running (cancel it first)")
	}
	if !s.hub.searches.try() {
		return refusal("searches-busy", "busy", "the server is already searching for failures for other learners; try again in a little while")
	}
	c, err := s.pat.ClusterOf(s.cfg)
	if err != nil {
		s.hub.searches.release()
		return err
	}
	cfg := s.cfg
	w := s.sim.World()
	cfg.Variants = map[string]bool{}
	var on []string
	for _, v := range c.Variants {
		if w.Variant(v.Name) {
			cfg.Variants[v.Name] = true
			on = append(on, v.Name)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), s.lim.SearchTime)
	s.search = &search{cancel: cancel}
	updates := s.searchC
	done := s.done
	go func() {
		final := runSearch(ctx, c, cfg, on, func(st searchState) {
			select { // progress may be skipped; the last word may not
			case updates <- st:
			default:
			}
		})
		// Free the slot before the page hears the search ended, so it can
		// start another at once.
		cancel()
		s.hub.searches.release()
		select {
		case updates <- final:
		case <-done:
		}
	}()
	s.sendSearch(searchState{State: "running", Seeds: searchSeeds, Variants: on})
	return nil
}

// searchGate lets a scenario's find-failure step search, on the same terms
// as the page's button: not from an embed on another site, and only while
// the server has a search slot free. The step runs on the session's
// goroutine, so the session has no search of its own meanwhile.
func (s *session) searchGate() (func(), error) {
	if s.caps != nil {
		return nil, s.caps.refused("embed-search", "find a failure: not from an embed on another site (%s)", capsHint)
	}
	if !s.hub.searches.try() {
		return nil, refusal("searches-busy", "busy", "the server is already searching for failures for other learners; try again in a little while")
	}
	return s.hub.searches.release, nil
}

// cancelSearch stops the search in progress, if any; its goroutine reports
// "cancelled".
func (s *session) cancelSearch() {
	if s.search != nil {
		s.search.cancel()
	}
}

// searchUpdate hands a report of the search goroutine to the page.
func (s *session) searchUpdate(st searchState) {
	if st.State != "running" {
		s.search = nil
	}
	s.sendSearch(st)
}

func (s *session) sendSearch(st searchState) {
	if s.conn == nil {
		return
	}
	s.flush()
	f := frame{Type: "search", Step: s.sim.StepCount(), Time: s.sim.Now().Microseconds(), Search: &st}
	select {
	case s.conn.out <- mustJSON(f):
	default: // a full outbox resyncs the page; the next report comes soon
	}
}

// runSearch sweeps seeds 1, 2, ... of cfg until one fails, ctx ends or
// searchSeeds ran; report hears progress about ten times a second.
func runSearch(ctx context.Context, c *kit.Cluster, cfg engine.Config, on []string, report func(searchState)) searchState {
	start := time.Now()
	st := searchState{State: "running", Seeds: searchSeeds, Variants: on}
	last := start
	for seed := uint64(1); seed <= searchSeeds; seed++ {
		if ctx.Err() != nil {
			break
		}
		run := cfg
		run.Seed = seed
		r := sweep.Run(c, run, sweep.Options{})
		r.Sim = nil
		st.Done++
		if now := time.Now(); now.Sub(last) >= 100*time.Millisecond {
			last = now
			st.Elapsed = now.Sub(start).Milliseconds()
			report(st)
		}
		if !r.Failed {
			continue
		}
		st.State, st.Seed, st.Invariant, st.Text, st.FirstStep, st.Original = "found", seed, r.Invariant, r.Text, r.Step, len(r.Log)
		st.Step, st.Commands = r.Step, len(r.Log)
		log := r.Log
		// The shrink stops at the search's deadline or cancel with the
		// shortest schedule found by then.
		if shrunk, err := sweep.Shrink(c, run, r, sweep.Options{Stop: func() bool { return ctx.Err() != nil }}, 0); err == nil {
			st.Step, st.Commands, st.Text, log = shrunk.Step, len(shrunk.Log), shrunk.Text, shrunk.Log
		}
		st.Query = share.RunQuery(run, st.Step, log).Encode()
		st.Elapsed = time.Since(start).Milliseconds()
		return st
	}
	st.Elapsed = time.Since(start).Milliseconds()
	if errors.Is(ctx.Err(), context.Canceled) {
		st.State = "cancelled"
	} else {
		st.State = "nothing" // seeds or time ran out without a failure: say how many ran
	}
	return st
}
