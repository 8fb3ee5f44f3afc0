package web

import (
	"net/http/httptest"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"clusterscope/engine"
	"clusterscope/patterns"
	"clusterscope/patterns/sweep"
	"clusterscope/web/share"
	"clusterscope/web/testlog"
)

type searchFrame struct {
	Type   string       `json:"type"`
	Code   string       `json:"code"`
	Error  string       `json:"error"`
	Search *searchState `json:"search"`
}

func liveServer(t *testing.T, l Limits) *httptest.Server {
	t.Helper()
	srv := New(Options{Patterns: patterns.Live(), Logger: testlog.New(t), Limits: l})
	ts := httptest.NewServer(srv)
	t.Cleanup(func() { srv.Close(); ts.Close() })
	return ts
}

// nextSearch reads frames until a search report (or an error) comes.
func nextSearch(c *client, final bool) searchFrame {
	c.t.Helper()
	for {
		f, _ := mustReadAs[searchFrame](c)
		if f.Type == "error" || (f.Type == "search" && (!final || f.Search.State != "running")) {
			return f
		}
	}
}

// A learner who switched a broken variant on asks for a failure: the server
// finds one, shrinks it, and its link replays to the invariant it names at
// the step it names.
func TestFindAFailureWithTheVariantInForce(t *testing.T) {
	ts := liveServer(t, Limits{})
	c := dial(t, ts, "pattern=replicated-log")
	c.next()
	c.send(`{"type":"cmd","cmd":{"kind":"variant","name":"vote-without-log-check","on":true}}`)
	c.send(`{"type":"find-failure"}`)
	if f := nextSearch(c, false); f.Type != "search" || f.Search.State != "running" || strings.Join(f.Search.Variants, ",") != "vote-without-log-check" {
		t.Fatalf("first report: %+v %+v", f, f.Search)
	}
	f := nextSearch(c, true)
	st := f.Search
	if f.Type != "search" || st.State != "found" || st.Invariant == "" || st.Commands > st.Original {
		t.Fatalf("search: %+v %+v", f, st)
	}
	q, err := url.ParseQuery(st.Query)
	if err != nil {
		t.Fatal(err)
	}
	log, err := share.DecodeLog(q.Get("log"))
	if err != nil || len(log) != st.Commands {
		t.Fatalf("link log: %d commands, %v; want %d", len(log), err, st.Commands)
	}
	p, _ := patterns.ByID("replicated-log")
	seed, _ := strconv.ParseUint(q.Get("seed"), 10, 64)
	step, _ := strconv.Atoi(q.Get("step"))
	cfg, err := p.Config(0, seed, strings.Split(q.Get("variants"), ","))
	if err != nil {
		t.Fatal(err)
	}
	sim, err := engine.Replay(cfg, p.Cluster.Model(cfg), log, step)
	if err != nil {
		t.Fatal(err)
	}
	if v := sim.Violations(); len(v) == 0 || v[0].Invariant != st.Invariant || v[0].Step != st.Step {
		t.Fatalf("the link replays to %v, want %s at step %d", v, st.Invariant, st.Step)
	}
	// Byte for byte the run the search shrank to: its schedule played at
	// its virtual times, as the shrinker ran it, gives the same events.
	shrunk := sweep.ReplaySchedule(p.Cluster, cfg, log, sweep.Options{})
	if shrunk.Sim == nil || shrunk.Invariant != st.Invariant {
		t.Fatalf("the shrunk schedule: %v", shrunk)
	}
	got, want := sim.Trace().Events(), shrunk.Sim.Trace().Events()
	if len(got) == 0 || len(want) < len(got) || !reflect.DeepEqual(got, want[:len(got)]) {
		t.Fatalf("the link's replay (%d events) is not the shrunk run (%d events)", len(got), len(want))
	}
}

// On the correct pattern a search finds nothing; the learner can cancel it,
// and it says how many schedules ran. A second search at once is refused.
func TestFindAFailureCancelsAndRefusesASecond(t *testing.T) {
	ts := liveServer(t, Limits{SearchTime: time.Minute})
	c := dial(t, ts, "pattern=replicated-log")
	c.next()
	c.send(`{"type":"find-failure"}`)
	nextSearch(c, false)
	c.send(`{"type":"find-failure"}`)
	if f := nextSearch(c, false); f.Type != "error" || !strings.Contains(f.Error, "already running") {
		t.Fatalf("second search: %+v", f)
	}
	c.send(`{"type":"find-cancel"}`)
	f := nextSearch(c, true)
	if f.Type != "search" || f.Search.State != "cancelled" || len(f.Search.Variants) != 0 {
		t.Fatalf("after cancel: %+v %+v", f, f.Search)
	}
	c.send(`{"type":"find-cancel"}`)
	if f := nextSearch(c, false); f.Type != "error" || !strings.Contains(f.Error, "no search") {
		t.Fatalf("cancel with none running: %+v", f)
	}
}

// The server runs a bounded number of searches at once: another learner's
// is refused as busy, and a search that runs out of time says how far it got.
func TestFindAFailureIsBoundedServerWide(t *testing.T) {
	ts := liveServer(t, Limits{MaxSearches: 1, SearchTime: 300 * time.Millisecond})
	a := dial(t, ts, "pattern=replicated-log")
	a.next()
	b := dial(t, ts, "pattern=leader-and-followers")
	b.next()
	a.send(`{"type":"find-failure"}`)
	nextSearch(a, false)
	b.send(`{"type":"find-failure"}`)
	if f := nextSearch(b, false); f.Type != "error" || f.Code != "busy" {
		t.Fatalf("second learner's search: %+v", f)
	}
	f := nextSearch(a, true)
	if f.Search.State != "nothing" || f.Search.Done == 0 || f.Search.Done >= f.Search.Seeds {
		t.Fatalf("out of time: %+v", f.Search)
	}
	b.send(`{"type":"find-failure"}`) // the slot is free again
	if f := nextSearch(b, false); f.Type != "search" {
		t.Fatalf("after the first ended: %+v", f)
	}
}
