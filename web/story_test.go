package web

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"clusterscope/engine"
	"clusterscope/lessons"
	"clusterscope/patterns"
	"clusterscope/web/share"
	"clusterscope/web/testlog"
)

// sframe is what the scenario tests read of a frame.
type sframe struct {
	Type      string      `json:"type"`
	Step      int         `json:"step"`
	Session   string      `json:"session"`
	Key       string      `json:"exportKey"`
	Config    *configMeta `json:"config"`
	Story     *storyWire  `json:"story"`
	Error     string      `json:"error"`
	YAML      string      `json:"yaml"`
	File      string      `json:"file"`
	TraceHash string      `json:"traceHash"`
}

func (c *client) sread() sframe { f, _ := mustReadAs[sframe](c); return f }

// suntil reads frames until one satisfies ok; an error frame fails the test
// unless ok accepts it.
func (c *client) suntil(what string, ok func(sframe) bool) sframe {
	c.t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); {
		f := c.sread()
		if ok(f) {
			return f
		}
		if f.Type == "error" {
			c.t.Fatalf("waiting for %s: error frame: %s", what, f.Error)
		}
	}
	c.t.Fatalf("no frame with %s", what)
	return sframe{}
}

func hasStory(f sframe) bool { return f.Story != nil }

func newLessonServer(t *testing.T, ls *Lessons) (*Server, *httptest.Server) {
	t.Helper()
	srv := New(Options{Logger: testlog.New(t), Lessons: ls})
	ts := httptest.NewServer(srv)
	t.Cleanup(func() { srv.Close(); ts.Close() })
	return srv, ts
}

func headless(t *testing.T, pattern, name string) lessons.Result {
	t.Helper()
	lib, err := lessons.Bundled()
	if err != nil {
		t.Fatal(err)
	}
	sc, ok := lib.Scenario(pattern, name)
	if !ok {
		t.Fatalf("no bundled scenario %s/%s", pattern, name)
	}
	res, err := lessons.Run(sc, io.Discard)
	if err != nil {
		t.Fatalf("headless run: %v", err)
	}
	return res
}

// A story played through the protocol drives the page's own cluster: it
// ends where the headless run ends, with the same trace, and it asks its
// question without giving the answer away.
func TestScenarioPlaysInTheSession(t *testing.T) {
	_, ts := newLessonServer(t, nil)
	c := dial(t, ts, "pattern=leader-and-followers&nodes=5")
	first := c.sread()
	if first.Type != "snapshot" || first.Config.Nodes != 5 {
		t.Fatalf("first frame: %+v", first)
	}
	c.send(map[string]any{"type": "scenario", "name": "1-election"})
	f := c.suntil("the story", hasStory)
	if f.Type != "snapshot" || f.Config.Nodes != 3 {
		t.Fatalf("opening a story should resync to its 3-node cluster; got %s with %+v", f.Type, f.Config)
	}
	st := f.Story
	if !st.Active || !st.Following || st.Chunk != 1 || st.Title == "" || len(st.Items) != 1 || st.Items[0].Kind != lessons.StepSay || !strings.Contains(string(st.Items[0].HTML), "<strong>athens</strong>") {
		t.Fatalf("first part of the story: %+v", st)
	}
	// On to the question.
	for !st.Waiting {
		if st.Done {
			t.Fatal("the story ended without asking its question")
		}
		c.send(map[string]any{"type": "scenario-next"})
		st = c.suntil("the next part", hasStory).Story
	}
	q := st.Items[len(st.Items)-1]
	if q.Kind != lessons.StepQuestion || len(q.Choices) != 3 || q.Answer != nil || q.Explain != "" || q.Picked != nil {
		t.Fatalf("the question must come without its answer: %+v", q)
	}
	c.send(map[string]any{"type": "scenario-next"})
	if e := c.suntil("an error", func(f sframe) bool { return f.Type == "error" }); !strings.Contains(e.Error, "answer") {
		t.Fatalf("next before answering: %q", e.Error)
	}
	c.send(map[string]any{"type": "answer", "choice": 7})
	if e := c.suntil("an error", func(f sframe) bool { return f.Type == "error" }); !strings.Contains(e.Error, "0..2") {
		t.Fatalf("answer out of range: %q", e.Error)
	}
	c.send(map[string]any{"type": "answer", "choice": 0})
	st = c.suntil("the answer", hasStory).Story
	shown := q.Choices
	q = st.Items[len(st.Items)-1]
	if st.Waiting || q.Picked == nil || *q.Picked != 0 || q.Answer == nil || !strings.Contains(string(q.Explain), "majority") {
		t.Fatalf("after answering: waiting=%v %+v", st.Waiting, q)
	}
	// The choices are shown in an order of their own: the answer named is
	// the file's right answer, wherever it is shown.
	if fq := fileQuestion(t, "leader-and-followers", "1-election"); !slices.Equal(slices.Sorted(slices.Values(shown)), slices.Sorted(slices.Values(fq.Choices))) || shown[*q.Answer] != fq.Choices[fq.Answer] {
		t.Fatalf("shown %q with answer %d, the file's answer is %q", shown, *q.Answer, fq.Choices[fq.Answer])
	}
	for !st.Done {
		c.send(map[string]any{"type": "scenario-next"})
		st = c.suntil("the next part", hasStory).Story
	}
	if st.Failed != 0 || st.Expects != 5 {
		t.Fatalf("every expectation should hold: failed %d, expects %d", st.Failed, st.Expects)
	}
	for _, it := range st.Items {
		if it.Kind == lessons.StepExpect && (it.OK == nil || !*it.OK) {
			t.Fatalf("expect at line %d not marked held", it.Line)
		}
	}
	want := headless(t, "leader-and-followers", "1-election")
	c.send(map[string]any{"type": "export-scenario"})
	ex := c.suntil("the export", func(f sframe) bool { return f.Type == "scenario-export" })
	if ex.Step != want.SimSteps || ex.TraceHash != want.TraceHash {
		t.Fatalf("story in the session: step %d trace %s; headless: step %d trace %s", ex.Step, ex.TraceHash, want.SimSteps, want.TraceHash)
	}
	// Going back rebuilds the cluster at the part before, answers kept.
	c.send(map[string]any{"type": "scenario-prev"})
	back := c.suntil("the part before", hasStory)
	if back.Story.Chunk != st.Chunk-1 || back.Story.Done || back.Step >= want.SimSteps {
		t.Fatalf("prev: chunk %d of %d, done %v, step %d", back.Story.Chunk, st.Chunk, back.Story.Done, back.Step)
	}
	for _, it := range back.Story.Items {
		if it.Kind == lessons.StepQuestion && it.Picked == nil {
			t.Fatal("going back forgot the answer")
		}
	}
}

// A learner who acts on the cluster takes over from the story; coming back
// puts the story's cluster back where the story was.
func TestScenarioTakeOverAndComeBack(t *testing.T) {
	_, ts := newLessonServer(t, nil)
	c := dial(t, ts, "pattern=leader-and-followers")
	c.sread()
	c.send(map[string]any{"type": "scenario", "name": "1-election"})
	c.suntil("the story", hasStory)
	c.send(map[string]any{"type": "scenario-next"})
	f := c.suntil("part 2", hasStory)
	c.send(map[string]any{"type": "scenario-next"})
	f = c.suntil("part 3", hasStory)
	storyStep := f.Step
	if storyStep == 0 {
		t.Fatal("part 3 should have run the cluster")
	}
	c.send(map[string]any{"type": "cmd", "cmd": map[string]any{"kind": "crash", "node": "athens"}})
	f = c.suntil("the take-over", hasStory)
	if f.Story.Following {
		t.Fatal("a command should detach the page from the story")
	}
	c.send(map[string]any{"type": "run", "dur": "2s"})
	f = c.suntil("the run", func(f sframe) bool { return f.Step > storyStep })
	// Export what the learner did: a scenario of its own that replays it.
	c.send(map[string]any{"type": "export-scenario", "name": "My detour"})
	ex := c.suntil("the export", func(f sframe) bool { return f.Type == "scenario-export" })
	sc, err := lessons.ParseScenario("detour.yaml", []byte(ex.YAML))
	if err != nil {
		t.Fatalf("the export does not parse: %v\n%s", err, ex.YAML)
	}
	if sc.Title != "My detour" {
		t.Fatalf("title %q", sc.Title)
	}
	res, err := lessons.Run(sc, io.Discard)
	if err != nil || res.TraceHash != ex.TraceHash {
		t.Fatalf("replaying the export: %v; trace %s, want %s\n%s", err, res.TraceHash, ex.TraceHash, ex.YAML)
	}
	c.send(map[string]any{"type": "scenario-resume"})
	f = c.suntil("the story again", hasStory)
	if !f.Story.Following || f.Step != storyStep || f.Story.Chunk != 3 {
		t.Fatalf("back to the story: following %v, step %d (story was at %d), chunk %d", f.Story.Following, f.Step, storyStep, f.Story.Chunk)
	}
	c.send(map[string]any{"type": "scenario-close"})
	f = c.suntil("the close", hasStory)
	if f.Story.Active {
		t.Fatal("close should send an inactive story")
	}
	c.send(map[string]any{"type": "scenario-next"})
	if e := c.suntil("an error", func(f sframe) bool { return f.Type == "error" }); !strings.Contains(e.Error, "no scenario is open") {
		t.Fatalf("next without a story: %q", e.Error)
	}
}

// A recorded run exported over HTTP replays to the same trace.
func TestExportedRunReplaysTheSameTrace(t *testing.T) {
	_, ts := newLessonServer(t, nil)
	c := dial(t, ts, "pattern=leader-and-followers&seed=7")
	snap := c.sread()
	for _, m := range []map[string]any{
		{"type": "run", "dur": "1500ms"},
		{"type": "cmd", "cmd": map[string]any{"kind": "client", "node": "alice", "name": "write", "args": map[string]string{"key": "x", "value": "1", "node": "athens"}}},
		{"type": "step", "n": 7},
		{"type": "cmd", "cmd": map[string]any{"kind": "partition", "groups": [][]string{{"athens"}, {"byzantium", "cyrene"}}}},
		{"type": "run", "dur": "2s"},
		{"type": "cmd", "cmd": map[string]any{"kind": "heal"}},
		{"type": "run", "dur": "333ms"},
	} {
		c.send(m)
	}
	// The session answers a connection's messages in order: once it has
	// refused this one, it has taken every message before it.
	c.send(map[string]any{"type": "round-trip-probe"})
	c.until("the probe refused", func(f tframe) bool {
		if f.Type == "error" && !strings.Contains(f.Error, "round-trip-probe") {
			t.Fatalf("a message was refused: %s", f.Error)
		}
		return f.Type == "error"
	})
	exp, err := http.Get(ts.URL + "/session/" + snap.Session + "/scenario.yaml?title=Recorded&key=" + snap.Key)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(exp.Body)
	exp.Body.Close()
	if exp.StatusCode != 200 || !strings.HasPrefix(exp.Header.Get("Content-Type"), "text/yaml") || !strings.Contains(exp.Header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("export: %d %v\n%s", exp.StatusCode, exp.Header, b)
	}
	hash, body := exp.Header.Get("X-Trace-Hash"), string(b)
	if !strings.Contains(body, "partition") || !strings.Contains(body, "heal") || !strings.Contains(body, "time: ") {
		t.Fatalf("the export lacks the partition, the heal or the last run:\n%s", body)
	}
	sc, err := lessons.ParseScenario("recorded.yaml", []byte(body))
	if err != nil {
		t.Fatalf("export does not parse: %v\n%s", err, body)
	}
	res, err := lessons.Run(sc, io.Discard)
	if err != nil || res.TraceHash != hash || sc.Seed != 7 {
		t.Fatalf("replay: %v; trace %s want %s (seed %d)\n%s", err, res.TraceHash, hash, sc.Seed, body)
	}
	if r, _ := http.Get(ts.URL + "/session/nope/scenario.yaml"); r.StatusCode != http.StatusNotFound {
		t.Fatalf("unknown session: %d", r.StatusCode)
	}
}

// Scenario files can be opened from their text (an upload); broken ones
// are refused with file:line:col, and another pattern's too.
func TestScenarioUpload(t *testing.T) {
	_, ts := newLessonServer(t, nil)
	c := dial(t, ts, "pattern=heartbeat")
	c.sread()
	good := "title: Mine\nnodes: 3\nsteps:\n  - say: Hello *there*\n  - run: 1s\n  - expect: violations == 0\n"
	c.send(map[string]any{"type": "scenario", "name": "mine.yaml", "yaml": good})
	f := c.suntil("the story", hasStory)
	if f.Story.Source != "upload" || f.Story.Title != "Mine" || !strings.Contains(string(f.Story.Items[0].HTML), "<em>there</em>") {
		t.Fatalf("uploaded story: %+v", f.Story)
	}
	for _, tc := range []struct{ src, want string }{
		{"title: Bad\nsteps:\n  - crash: atlantis\n", "mine.yaml:3:"},
		{"title: Bad\nsteps:\n  - explode: athens\n", "mine.yaml:3:5"},
		{"title: x\npattern: leader-and-followers\nsteps: []\n", "leader-and-followers"},
		{"title: [unclosed\n", "mine.yaml:1:"},
		{"title: Long\nsteps:\n  - run: 8m\n  - run: {until: violations > 0, limit: 5m}\n", "at most 10m0s"},
	} {
		c.send(map[string]any{"type": "scenario", "name": "mine.yaml", "yaml": tc.src})
		e := c.suntil("an error", func(f sframe) bool { return f.Type == "error" })
		if !strings.Contains(e.Error, tc.want) {
			t.Errorf("%q: error %q should contain %q", tc.src, e.Error, tc.want)
		}
	}
	c.send(map[string]any{"type": "scenario", "name": "no-such"})
	if e := c.suntil("an error", func(f sframe) bool { return f.Type == "error" }); !strings.Contains(e.Error, "no scenario called") {
		t.Errorf("unknown name: %q", e.Error)
	}
}

func TestScenarioSchemaAndSources(t *testing.T) {
	_, ts := newLessonServer(t, nil)
	res, err := http.Get(ts.URL + "/schema/scenario.json")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	var schema map[string]any
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "application/schema+json" || json.Unmarshal(b, &schema) != nil || schema["$schema"] == nil {
		t.Fatalf("schema: %d %q %.80s", res.StatusCode, res.Header.Get("Content-Type"), b)
	}
	res, err = http.Get(ts.URL + "/lessons/heartbeat/1-silence-means-trouble.yaml")
	if err != nil {
		t.Fatal(err)
	}
	b, _ = io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/yaml") {
		t.Fatalf("source: %d %v", res.StatusCode, res.Header)
	}
	if _, err := lessons.ParseScenarioIn("x.yaml", b, "heartbeat"); err != nil {
		t.Fatalf("the served source does not parse: %v", err)
	}
	for _, p := range []string{"/lessons/heartbeat/nope.yaml", "/lessons/heartbeat/lesson.md", "/lessons/nope/1-silence-means-trouble.yaml", "/lessons/heartbeat/..%2f..%2fgo.mod"} {
		if r, _ := http.Get(ts.URL + p); r.StatusCode != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", p, r.StatusCode)
		}
	}
	page := httpGet(t, ts.URL+"/patterns/leader-and-followers")
	for _, want := range []string{`data-view="story"`, `data-scenario="2-forgotten-vote"`, "a vote forgotten", `href="/lessons/leader-and-followers/1-election.yaml"`, `class="lesson-text"`} {
		if !strings.Contains(page, want) {
			t.Errorf("pattern page lacks %s", want)
		}
	}
}

func httpGet(t *testing.T, url string) string {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 {
		t.Fatalf("GET %s: %d", url, res.StatusCode)
	}
	return string(b)
}

// A scenario's find-failure step plays on the page as the button's search
// does: its finding in the story panel, and refused while the server's
// search slots are all taken (the step is then the story's error).
func TestStoryFindFailureStep(t *testing.T) {
	srv, ts := newLessonServer(t, nil)
	c := dial(t, ts, "pattern=majority-quorum")
	c.sread()
	src := "title: Search\nnodes: 5\nvariants: [half-quorum]\nsteps:\n  - find-failure: {seeds: 5}\n  - say: done\n"
	// Every slot taken: the step fails with the server's reason.
	for srv.hub.searches.try() {
	}
	c.send(map[string]any{"type": "scenario", "name": "s.yaml", "yaml": src})
	f := c.suntil("the refusal", func(f sframe) bool { return f.Type == "error" || f.Story != nil && f.Story.Failed > 0 })
	if !strings.Contains(f.Error+storyErrors(f.Story), "already searching") {
		t.Fatalf("a search with no slot free: %q %+v", f.Error, f.Story)
	}
	for range cap(srv.hub.searches) {
		srv.hub.searches.release()
	}
	c.send(map[string]any{"type": "scenario", "name": "s.yaml", "yaml": src})
	f = c.suntil("the finding", func(f sframe) bool {
		return f.Story != nil && len(f.Story.Items) > 0 && f.Story.Items[0].Kind == lessons.StepFindFailure
	})
	it := f.Story.Items[0]
	if !strings.Contains(it.Plain, "broke in schedule") || !strings.Contains(it.Plain, "with half-quorum") {
		t.Fatalf("the story says: %+v", it)
	}
	// Its link opens the counterexample: replayed, it breaks what the story
	// names at the step it names.
	q, err := url.ParseQuery(it.Open)
	if err != nil {
		t.Fatal(err)
	}
	log, err := share.DecodeLog(q.Get("log"))
	if err != nil {
		t.Fatal(err)
	}
	p, _ := patterns.ByID("majority-quorum")
	seed, _ := strconv.ParseUint(q.Get("seed"), 10, 64)
	step, _ := strconv.Atoi(q.Get("step"))
	n, _ := strconv.Atoi(q.Get("nodes"))
	cfg, err := p.Config(n, seed, strings.Split(q.Get("variants"), ","))
	if err != nil {
		t.Fatal(err)
	}
	sim, err := engine.Replay(cfg, p.Cluster.Model(cfg), log, step)
	if err != nil {
		t.Fatal(err)
	}
	if v := sim.Violations(); len(v) == 0 || !strings.Contains(it.Plain, v[0].Invariant+" broke") || !strings.Contains(it.Plain, fmt.Sprintf("at step %d:", v[0].Step)) {
		t.Fatalf("the link replays to %v; the story says %q", v, it.Plain)
	}
	if !srv.hub.searches.try() {
		t.Fatal("the step kept its search slot")
	}
}

func storyErrors(st *storyWire) string {
	if st == nil {
		return ""
	}
	var out []string
	for _, it := range st.Items {
		out = append(out, it.Error)
	}
	return strings.Join(out, " ")
}

// fileQuestion is the first question of a bundled scenario, as written.
func fileQuestion(t *testing.T, pattern, name string) *lessons.Question {
	t.Helper()
	lib, err := lessons.Bundled()
	if err != nil {
		t.Fatal(err)
	}
	sc, ok := lib.Scenario(pattern, name)
	if !ok {
		t.Fatalf("no bundled scenario %s/%s", pattern, name)
	}
	for _, s := range sc.Steps {
		if s.Kind == lessons.StepQuestion {
			return s.Question
		}
	}
	t.Fatalf("%s/%s asks nothing", pattern, name)
	return nil
}
