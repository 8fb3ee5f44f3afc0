package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"clusterscope/engine"
	"clusterscope/patterns"
	"clusterscope/web/share"
)

func TestCheckCorrectPatternPasses(t *testing.T) {
	var out, errb bytes.Buffer
	code := dispatch([]string{"check", "--pattern", "leader-and-followers", "--seeds", "20"}, &out, &errb)
	if code != 0 {
		t.Fatalf("exit %d: %s%s", code, out.String(), errb.String())
	}
	if !strings.HasPrefix(out.String(), "ok leader-and-followers: 20 seeds") {
		t.Fatalf("output: %q", out.String())
	}
}

func TestCheckBrokenVariantFails(t *testing.T) {
	var out, errb bytes.Buffer
	code := dispatch([]string{"check", "--pattern", "heartbeat", "--variant", "timeout-below-interval", "--seeds", "5", "--from", "7"}, &out, &errb)
	if code != 1 {
		t.Fatalf("exit %d: %s%s", code, out.String(), errb.String())
	}
	// The first failing seed is the first one run: every seed breaks.
	for _, want := range []string{"FAIL heartbeat (timeout-below-interval): seed 7, step ", "no-false-suspicion", "reproduce: clusterscope check --pattern heartbeat --seeds 1 --from 7 --variant timeout-below-interval"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}

// A calm sweep draws another schedule, so its reproduce line must say --calm
// or it would replay a different run.
func TestCheckReproduceLineKeepsCalm(t *testing.T) {
	var out, errb bytes.Buffer
	code := dispatch([]string{"check", "--pattern", "heartbeat", "--variant", "timeout-below-interval", "--calm", "--seeds", "1", "--from", "3"}, &out, &errb)
	if code != 1 {
		t.Fatalf("exit %d: %s%s", code, out.String(), errb.String())
	}
	if !strings.Contains(out.String(), "reproduce: clusterscope check --pattern heartbeat --seeds 1 --from 3 --variant timeout-below-interval --calm") {
		t.Fatalf("output:\n%s", out.String())
	}
}

// Settings reach the sweep: a heartbeat slower than the election timeout
// makes followers suspect a healthy leader, and the same slow heartbeat with
// timeouts to match is sound again. The reproduce line repeats them.
func TestCheckRunsWithSettingsAndSetup(t *testing.T) {
	var out, errb bytes.Buffer
	code := dispatch([]string{"check", "--pattern", "heartbeat", "--seeds", "3", "--set", "heartbeat-ms=600"}, &out, &errb)
	if code != 1 || !strings.Contains(out.String(), "no-false-suspicion") ||
		!strings.Contains(out.String(), "reproduce: clusterscope check --pattern heartbeat --seeds 1 --from 1 --set heartbeat-ms=600") {
		t.Fatalf("slow heartbeat: exit %d:\n%s%s", code, out.String(), errb.String())
	}
	out.Reset()
	code = dispatch([]string{"check", "--pattern", "heartbeat", "--seeds", "3", "--set", "heartbeat-ms=600", "--set", "election-min-ms=1500", "--set", "election-max-ms=3000"}, &out, &errb)
	if code != 0 {
		t.Fatalf("slow heartbeat with matching timeouts: exit %d:\n%s%s", code, out.String(), errb.String())
	}
	out.Reset()
	code = dispatch([]string{"check", "--pattern", "singular-update-queue", "--setup", "heartbeat", "--seeds", "2"}, &out, &errb)
	if code != 0 || !strings.HasPrefix(out.String(), "ok singular-update-queue [heartbeat]: 2 seeds") {
		t.Fatalf("a named setup: exit %d:\n%s%s", code, out.String(), errb.String())
	}
}

// --shrink prints a shorter schedule under a line that says how much shorter,
// and a page link that replays it to the same violation.
func TestCheckShrinkPrintsAShorterScheduleAndItsLink(t *testing.T) {
	var out, errb bytes.Buffer
	code := dispatch([]string{"check", "--pattern", "replicated-log", "--variant", "vote-without-log-check", "--seeds", "5", "--shrink"}, &out, &errb)
	if code != 1 {
		t.Fatalf("exit %d: %s%s", code, out.String(), errb.String())
	}
	var shrunkLine, link string
	for _, l := range strings.Split(out.String(), "\n") {
		if strings.HasPrefix(l, "shrunk: ") {
			shrunkLine = l
		}
		if u, ok := strings.CutPrefix(l, "open: "); ok {
			link = u
		}
	}
	var from, to int
	if _, err := fmt.Sscanf(shrunkLine, "shrunk: %d → %d commands", &from, &to); err != nil || to >= from {
		t.Fatalf("shrunk line %q (%v):\n%s", shrunkLine, err, out.String())
	}
	u, err := url.Parse(link)
	if err != nil || u.Path != "/patterns/replicated-log" {
		t.Fatalf("link %q: %v", link, err)
	}
	q := u.Query()
	log, err := share.DecodeLog(q.Get("log"))
	if err != nil || len(log) != to {
		t.Fatalf("link log: %d commands, %v; want %d", len(log), err, to)
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
	if v := sim.Violations(); len(v) == 0 || v[0].Invariant != "leader-completeness" || v[0].Step != step {
		t.Fatalf("the link replays to %v, want leader-completeness at step %d", v, step)
	}
}

func TestCheckBadInput(t *testing.T) {
	cases := [][]string{
		{"check"},
		{"check", "--pattern", "nope"},
		{"check", "--pattern", "heartbeat", "--variant", "nope"},
		{"check", "--pattern", "heartbeat", "--seeds", "0"},
		{"check", "--pattern", "heartbeat", "--nodes", "99"},
		{"check", "--pattern", "heartbeat", "--set", "heartbeat-ms"},
		{"check", "--pattern", "heartbeat", "--set", "heartbeat-ms=fast"},
		{"check", "--pattern", "heartbeat", "--set", "heartbeat-ms=-5"},
		{"check", "--pattern", "heartbeat", "--set", "no-such-setting=1"},
		{"check", "--pattern", "low-water-mark", "--setup", "no-such-setup"},
	}
	// A pattern of the catalog still coming has nothing to check.
	for _, p := range patterns.All() {
		if !p.Live() {
			cases = append(cases, []string{"check", "--pattern", p.ID})
			break
		}
	}
	for _, args := range cases {
		var out, errb bytes.Buffer
		if code := dispatch(args, &out, &errb); code != 2 {
			t.Errorf("%v: exit %d", args, code)
		}
		if errb.Len() == 0 {
			t.Errorf("%v: no explanation on stderr", args)
		}
	}
}

func TestPatternsJSON(t *testing.T) {
	var out, errb bytes.Buffer
	if code := dispatch([]string{"patterns", "--json"}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	var list []patternInfo
	if err := json.Unmarshal(out.Bytes(), &list); err != nil {
		t.Fatal(err)
	}
	if len(list) != 30 {
		t.Fatalf("%d patterns", len(list))
	}
	live := map[string][]string{}
	for _, p := range list {
		if p.Status == "live" {
			live[p.ID] = p.Variants
		} else if p.Status != "coming" || len(p.Variants) != 0 {
			t.Errorf("%s: status %q, variants %v", p.ID, p.Status, p.Variants)
		}
	}
	for _, id := range []string{"leader-and-followers", "heartbeat", "generation-clock", "majority-quorum", "high-water-mark", "replicated-log"} {
		if len(live[id]) == 0 {
			t.Errorf("%s should be live with broken variants, got %v", id, live[id])
		}
	}
}
