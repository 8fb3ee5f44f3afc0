package web

import (
	"errors"
	"fmt"
	"hash/fnv"
	"html/template"
	"maps"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"clusterscope/engine"
	"clusterscope/lessons"
	"clusterscope/web/share"
)

// A story is a scenario played inside a session: the session's Sim IS the
// player's Sim while the learner follows the story, so the cluster view,
// the event log and the invariants all follow it.
//
// The player moves in chunks: "next" plays steps up to and including the
// next narration or question (or to the end), so each narration is read
// before the commands and runs that follow it. "prev" rebuilds the cluster
// and replays up to the chunk before (the engine is deterministic, so it
// is the same cluster). A question blocks "next" until the learner picks a
// choice; only then are the right answer and the explanation sent.
//
// A learner who acts on the cluster (a command, a step, play, a rewind...)
// takes over: the session goes on with a copy of the story's cluster and the
// story waits where it was. "scenario-resume" comes back to it.
type story struct {
	sc      *lessons.Scenario
	source  string // "bundled", "folder" (an instructor's), "upload"
	pl      *lessons.Player
	gate    func() (func(), error) // lets a find-failure step search (session.searchGate)
	played  []playedStep
	answers map[int]int // step index → the choice picked; kept when going back
	stops   []int       // the player's position after each chunk played
	follow  bool        // the session's Sim is the player's
	version int         // bumped on every change, for deltas
	// pacing: a "next" is playing its part at a watchable pace, a slice of
	// virtual time per play tick (the session's ticker drives it); another
	// "next" skips to the part's end.
	pacing  bool
	actions map[string]string // the pattern's action names → their labels
}

type playedStep struct {
	out lessons.Outcome
	err error
}

// storyMsg is the part of a client message the story reads.
type storyMsg struct {
	Name   string // a scenario of the session's pattern
	Source string // or a scenario file as text (an upload, or fetched from a URL)
	Choice *int   // answer: the choice picked, from 0
}

// newStory prepares a scenario and plays its first chunk.
// gate bounds its find-failure steps' searches (session.searchGate).
func newStory(sc *lessons.Scenario, source string, gate func() (func(), error)) (*story, error) {
	pl, err := lessons.NewPlayer(sc)
	if err != nil {
		return nil, err
	}
	pl.SearchGate = gate
	st := &story{sc: sc, source: source, pl: pl, answers: map[int]int{}, follow: true, gate: gate}
	if len(sc.Steps) > 0 {
		if err := st.next(); err != nil {
			return nil, err
		}
	}
	return st, nil
}

// isStop: a chunk ends after narration or a question.
func isStop(s *lessons.Step) bool { return s.Kind == lessons.StepSay || s.Kind == lessons.StepQuestion }

// waiting is the index of a question that waits for its answer, or -1.
func (st *story) waiting() int {
	if n := len(st.played); n > 0 {
		o := st.played[n-1].out
		if o.Step != nil && o.Step.Kind == lessons.StepQuestion {
			if _, ok := st.answers[o.Index]; !ok {
				return o.Index
			}
		}
	}
	return -1
}

// next plays the next chunk at once.
func (st *story) next() error {
	if err := st.begin(); err != nil {
		return err
	}
	return st.advance(0)
}

// begin starts the next chunk; advance plays it.
func (st *story) begin() error {
	if st.pl.Done() {
		return errors.New("the scenario is over: go back, or pick another")
	}
	if st.waiting() >= 0 {
		return errors.New("pick an answer to the question first")
	}
	st.pacing = true
	st.version++
	return nil
}

// advance plays on in the chunk begun: its run steps for at most budget of
// virtual time (0: the whole chunk). The chunk ends after narration or a
// question, or at the end of the scenario; then pacing stops.
func (st *story) advance(budget time.Duration) error {
	for !st.pl.Done() {
		at := st.pl.Next()
		out, done, err := st.pl.StepWithin(budget)
		if !done {
			return nil // the budget is spent; a run step goes on next tick
		}
		if st.pl.Next() == at { // the simulation failed: it cannot go on
			st.pacing = false
			st.version++
			return err
		}
		st.played = append(st.played, playedStep{out, err})
		st.version++
		if isStop(out.Step) {
			break
		}
		if budget > 0 && out.Step.Kind == lessons.StepRun {
			return nil // one run step per tick: each shows on its own
		}
	}
	st.pacing = false
	st.stops = append(st.stops, st.pl.Next())
	st.version++
	return nil
}

// seekChunk rebuilds the cluster and plays the first n chunks again (at
// least one). Answers given stay given.
func (st *story) seekChunk(n int) error {
	pl, err := lessons.NewPlayer(st.sc)
	if err != nil {
		return err
	}
	pl.SearchGate = st.gate
	st.pl, st.played, st.stops, st.pacing = pl, nil, nil, false
	for len(st.stops) < max(n, 1) && !st.pl.Done() {
		if err := st.next(); err != nil {
			return err
		}
	}
	st.version++
	return nil
}

// prev goes back one chunk.
func (st *story) prev() error {
	if len(st.stops) <= 1 {
		return errors.New("already at the start of the scenario")
	}
	return st.seekChunk(len(st.stops) - 1)
}

func (st *story) answer(choice int) error {
	i := st.waiting()
	if i < 0 {
		return errors.New("answer: no question is waiting for an answer")
	}
	q := st.sc.Steps[i].Question
	if choice < 0 || choice >= len(q.Choices) {
		return fmt.Errorf("answer: choice must be 0..%d, not %d", len(q.Choices)-1, choice)
	}
	st.answers[i] = choiceOrder(q)[choice] // kept in the file's order
	st.version++
	return nil
}

// chunks counts the chunks of the whole scenario.
func (st *story) chunks() int {
	n, tail := 0, false
	for i := range st.sc.Steps {
		tail = true
		if isStop(&st.sc.Steps[i]) {
			n++
			tail = false
		}
	}
	if tail {
		n++
	}
	return n
}

// ---- on the wire ----

// storyWire is the player's state as the page draws it. Frames carry it
// whole whenever it changed (it is small and changes only on the learner's
// clicks). Active false closes the player.
type storyWire struct {
	Active      bool          `json:"active"`
	Name        string        `json:"name,omitempty"`
	Title       string        `json:"title,omitempty"`
	Pattern     string        `json:"pattern,omitempty"`
	Source      string        `json:"source,omitempty"`
	File        string        `json:"file,omitempty"`
	Description template.HTML `json:"description,omitempty"`
	Steps       int           `json:"steps"`  // steps in the scenario
	Next        int           `json:"next"`   // index of the step to play next
	Chunk       int           `json:"chunk"`  // chunks played
	Chunks      int           `json:"chunks"` // chunks in the scenario
	Following   bool          `json:"following"`
	Done        bool          `json:"done"`
	Waiting     bool          `json:"waiting"` // a question waits for an answer
	Playing     bool          `json:"playing"` // a part plays at a watchable pace; "next" skips it
	Expects     int           `json:"expects"` // expectations checked so far
	Failed      int           `json:"failed"`  // steps that failed so far
	Items       []storyItem   `json:"items"`
}

// storyItem is one step played. Chunk numbers them by chunk, from 1.
type storyItem struct {
	Index int           `json:"index"`
	Chunk int           `json:"chunk"`
	Kind  string        `json:"kind"`
	Line  int           `json:"line"`
	HTML  template.HTML `json:"html,omitempty"`  // narration, or the question
	Text  string        `json:"text,omitempty"`  // what a run, command or expect did, as the file says it
	Plain string        `json:"plain,omitempty"` // the same in plain words, for a learner
	OK    *bool         `json:"ok,omitempty"`    // expect held; run-until came true
	Error string        `json:"error,omitempty"`
	// Open is a find-failure step's counterexample as a run's URL query.
	Open string `json:"open,omitempty"`
	// Questions: Answer and Explain only once Picked is set.
	Choices []string      `json:"choices,omitempty"`
	Picked  *int          `json:"picked,omitempty"`
	Answer  *int          `json:"answer,omitempty"`
	Explain template.HTML `json:"explain,omitempty"`
	SimStep int           `json:"simStep"`
	At      int64         `json:"at"`
}

func (st *story) wire() *storyWire {
	sc := st.sc
	w := &storyWire{
		Active: true, Name: sc.Name, Title: sc.Title, Pattern: sc.Pattern, Source: st.source, File: sc.File,
		Description: sc.DescriptionHTML, Steps: len(sc.Steps), Next: st.pl.Next(), Chunk: len(st.stops) + boolInt(st.pacing), Chunks: st.chunks(),
		Following: st.follow, Done: st.pl.Done() && !st.pacing, Waiting: st.waiting() >= 0, Playing: st.pacing, Items: make([]storyItem, 0, len(st.played)),
	}
	chunk := 1
	for _, p := range st.played {
		it := itemOf(p, st.answers, st.actions)
		it.Chunk = chunk
		if isStop(p.out.Step) {
			chunk++
		}
		if p.out.Step.Kind == lessons.StepExpect {
			w.Expects++
		}
		if p.err != nil {
			w.Failed++
		}
		w.Items = append(w.Items, it)
	}
	return w
}

// choiceOrder is the order a question's choices are shown in: shown[i]
// is the file's choice. Authors tend to put the right answer in the middle
// (63 of 77 three-way questions did), and a learner soon learns where to
// click; shuffled, it is anywhere. The order follows from the question's
// words alone, so everyone in a room sees the same list.
func choiceOrder(q *lessons.Question) []int {
	h := fnv.New64a()
	h.Write([]byte(q.Text))
	for _, c := range q.Choices {
		h.Write([]byte{0})
		h.Write([]byte(c))
	}
	r := rand.New(rand.NewPCG(h.Sum64(), 0x9e3779b97f4a7c15))
	order := make([]int, len(q.Choices))
	for i := range order {
		order[i] = i
	}
	r.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
	return order
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func itemOf(p playedStep, answers map[int]int, actions map[string]string) storyItem {
	o, s := p.out, p.out.Step
	it := storyItem{Index: o.Index, Kind: s.Kind, Line: s.Line, SimStep: o.SimStep, At: o.At}
	if p.err != nil {
		it.Error = p.err.Error()
	}
	yes, no := true, false
	switch s.Kind {
	case lessons.StepSay:
		it.HTML = s.HTML
	case lessons.StepQuestion:
		q := s.Question
		order := choiceOrder(q)
		it.HTML, it.Choices = q.HTML, make([]string, len(order))
		for shown, c := range order {
			it.Choices[shown] = q.Choices[c]
		}
		if c, ok := answers[o.Index]; ok {
			picked, a := slices.Index(order, c), slices.Index(order, q.Answer)
			it.Picked, it.Answer, it.Explain = &picked, &a, q.ExplainHTML
		}
	case lessons.StepRun:
		it.Text = runText(s.Run, o)
		it.Plain = runPlain(s.Run, o, p.err)
		if s.Run.Until != "" {
			it.OK = &no
			if p.err == nil {
				it.OK = &yes
			}
		}
	case lessons.StepCommand:
		c := s.Command
		if o.Command != nil {
			c = o.Command
		}
		it.Text = c.String()
		it.Plain = commandPlain(c, actions)
	case lessons.StepCompare:
		it.Text = "compare side by side: " + s.Compare.String()
		it.Plain = "The same seed and commands with other broken variants, beside this run."
		if !s.Compare.On {
			it.Plain = "Back to one run."
		}
	case lessons.StepFindFailure:
		it.Text = fmt.Sprintf("find-failure: %d schedules", s.FindFailure.Seeds)
		it.Plain = "Find me a failure: random fault schedules, the first that breaks an invariant shrunk."
		if r := o.Search; r != nil {
			it.Plain = "Find me a failure: " + r.String() + "."
			if r.Failed {
				it.Open = share.RunQuery(r.Config, r.Step, r.Log).Encode()
			}
		}
	case lessons.StepExpect:
		it.Text = s.Expect.Condition
		if s.Expect.Message != "" {
			it.Text += " (" + s.Expect.Message + ")"
		}
		it.OK = &no
		it.Plain = "Check: this did not turn out as the story expects."
		if p.err == nil {
			it.OK = &yes
			it.Plain = "Check: the cluster is as the story says."
		}
		if s.Expect.Message != "" {
			it.Plain = "Check: " + s.Expect.Message + "."
		}
	}
	return it
}

// runPlain tells a learner what a run step did: how much time passed.
func runPlain(r *lessons.RunSpec, o lessons.Outcome, err error) string {
	at := fmt.Sprintf("(now t = %.3f s)", float64(o.At)/1e6)
	switch {
	case r.For > 0:
		return fmt.Sprintf("Time passes: %v %s.", time.Duration(r.For), at)
	case r.Until != "" && err != nil:
		return fmt.Sprintf("The cluster ran for %v without reaching what the story waits for %s.", time.Duration(r.Limit), at)
	case r.Until != "":
		return "The cluster runs until what the story waits for happens " + at + "."
	default:
		return fmt.Sprintf("The cluster runs %d events %s.", o.Ran, at)
	}
}

// commandPlain tells a learner what a command did, as a sentence.
func commandPlain(c *engine.Command, actions map[string]string) string {
	switch c.Kind {
	case engine.CmdCrash:
		return c.Node + " crashes: it loses everything not on its disk."
	case engine.CmdRestart:
		return c.Node + " restarts from what its disk holds."
	case engine.CmdPause:
		return c.Node + " pauses (a long GC): it keeps its state but does nothing."
	case engine.CmdResume:
		return c.Node + " resumes."
	case engine.CmdPartition:
		parts := make([]string, len(c.Groups))
		for i, g := range c.Groups {
			parts[i] = strings.Join(g, " and ")
		}
		return "The network splits into " + strings.Join(parts, "; ") + ": messages between the sides are lost."
	case engine.CmdCut:
		return fmt.Sprintf("Messages from %s to %s are lost from now on.", c.From, c.To)
	case engine.CmdHeal:
		return "The network heals: every message gets through again."
	case engine.CmdAction:
		if l := actions[c.Name]; l != "" {
			return c.Node + ": " + l + "."
		}
	case engine.CmdClient:
		args := make([]string, 0, len(c.Args))
		for _, k := range slices.Sorted(maps.Keys(c.Args)) {
			args = append(args, k+" "+c.Args[k])
		}
		if len(args) == 0 {
			return fmt.Sprintf("%s sends a %s request.", c.Node, c.Name)
		}
		return fmt.Sprintf("%s sends a %s request (%s).", c.Node, c.Name, strings.Join(args, ", "))
	case engine.CmdVariant:
		if c.On {
			return "The broken variant " + c.Name + " is switched on."
		}
		return "The broken variant " + c.Name + " is switched off."
	}
	return c.String() + "."
}

func runText(r *lessons.RunSpec, o lessons.Outcome) string {
	var what string
	switch {
	case r.For > 0:
		what = "run " + time.Duration(r.For).String()
	case r.Until != "":
		what = "run until " + r.Until
	case r.Steps > 0:
		what = fmt.Sprintf("run %d steps", r.Steps)
	default:
		what = fmt.Sprintf("run to step %d", r.ToStep)
	}
	return fmt.Sprintf("%s → step %d at %.3fs (%d events)", what, o.SimStep, float64(o.At)/1e6, o.Ran)
}

// ---- in the session ----

// storyTypes are the messages the story handles.
var storyTypes = map[string]bool{
	"scenario": true, "scenario-next": true, "scenario-prev": true, "scenario-restart": true,
	"scenario-resume": true, "scenario-close": true, "answer": true, "export-scenario": true,
}

// takesOver are the messages with which a learner acts on the cluster
// themselves: while following a story, they detach the session from it.
var takesOver = map[string]bool{
	"cmd": true, "step": true, "run": true, "play": true, "back": true, "seek": true, "reset": true, "branch": true,
}

// doStory handles a story message (handled true), or notes that a learner
// took over from the story before the message is carried out (false).
func (s *session) doStory(m clientMsg) (handled bool, err error) {
	if !storyTypes[m.Type] {
		// While a part plays, play (the speed menu, or Play after Pause)
		// sets its pace; it does not take over.
		if st := s.story; st != nil && st.follow && st.pacing && m.Type == "play" {
			if m.Speed != 0 && (m.Speed < minSpeed || m.Speed > maxStoryPace || math.IsNaN(m.Speed)) {
				return true, fmt.Errorf("play: speed must be within %g..%g while a part of the story plays, not %g", minSpeed, float64(maxStoryPace), m.Speed)
			}
			if m.Speed != 0 {
				s.play.Speed = m.Speed
			}
			s.play.Playing = true
			return true, nil
		}
		if st := s.story; st != nil && st.follow && takesOver[m.Type] {
			// The learner's actions go to the player's cluster, which is
			// rebuilt from the scenario when they come back.
			// A part still playing ends first, so the story waits at the
			// end of a part (where "scenario-resume" brings the learner back).
			if st.pacing {
				if err := st.advance(0); err != nil {
					return false, err
				}
				s.play.Playing = false
			}
			st.follow = false
			st.version++
		}
		return false, nil
	}
	switch m.Type {
	case "scenario":
		return true, s.loadStory(storyMsg{Name: m.Name, Source: m.YAML})
	case "export-scenario":
		return true, s.exportScenario(m.Name)
	}
	st := s.story
	if st == nil {
		return true, fmt.Errorf("%s: no scenario is open (send {\"type\":\"scenario\",\"name\":...} first)", m.Type)
	}
	if m.Type == "scenario-close" {
		s.story = nil
		return true, nil
	}
	// Any move in the story comes back to it first.
	if !st.follow {
		if err := st.seekChunk(len(st.stops)); err != nil {
			return true, err
		}
		st.follow = true
	}
	switch m.Type {
	case "scenario-next":
		// A part plays at the page's speed; "next" again skips to its end.
		if st.pacing {
			err = st.advance(0)
			break
		}
		if !m.Pace {
			err = st.next()
			break
		}
		if m.Speed >= minSpeed && m.Speed <= maxStoryPace {
			s.play.Speed = m.Speed
		}
		if err = st.begin(); err == nil {
			s.play.Playing = true // the session's ticker paces the part (playTick)
			err = s.paceStory()
		}
	case "scenario-prev", "scenario-restart", "answer":
		st.pacing = false
		s.play.Playing = false
	}
	switch m.Type {
	case "scenario-prev":
		err = st.prev()
	case "scenario-restart":
		err = st.seekChunk(1)
	case "answer":
		if m.Choice == nil {
			return true, errors.New(`answer: which choice? ("choice" is missing)`)
		}
		err = st.answer(*m.Choice)
	}
	s.adoptStorySim()
	return true, err
}

// loadStory opens a scenario of this page's pattern: by name from the
// lessons being served, or from the text of a file.
func (s *session) loadStory(m storyMsg) error {
	var sc *lessons.Scenario
	source := "upload"
	switch {
	case m.Source != "":
		if len(m.Source) > lessons.MaxScenarioBytes {
			return fmt.Errorf("scenario: the file is %d bytes; at most %d", len(m.Source), lessons.MaxScenarioBytes)
		}
		name := "uploaded.yaml"
		if m.Name != "" {
			name = truncate(m.Name, 80)
		}
		var err error
		sc, err = lessons.ParseScenarioIn(name, []byte(m.Source), s.pat.ID)
		if err != nil {
			return fmt.Errorf("scenario: %w", err)
		}
		if sc.Name == "" {
			sc.Name = strings.TrimSuffix(name, ".yaml")
		}
		if err := uploadBudget(sc, s.lim.MaxReplaySteps); err != nil {
			return fmt.Errorf("scenario: %s: %w", name, err)
		}
	case m.Name != "":
		if s.lessons == nil {
			return errors.New("scenario: this server serves no lessons")
		}
		var ok bool
		sc, source, ok = s.lessons.scenario(s.pat.ID, m.Name)
		if !ok {
			return fmt.Errorf("scenario: %s has no scenario called %s", s.pat.Title, quote(m.Name))
		}
	default:
		return errors.New(`scenario: which one? give "name" (a scenario of this pattern) or "yaml" (a scenario file)`)
	}
	st, err := newStory(sc, source, s.searchGate)
	if err != nil {
		return fmt.Errorf("scenario: %w", err)
	}
	st.actions = map[string]string{}
	for _, a := range s.pat.Cluster.Actions {
		st.actions[a.Name] = a.Label
	}
	s.story = st
	s.adoptStorySim()
	return nil
}

// Bounds on a scenario that comes from a browser, so one upload cannot keep
// a session's goroutine busy for long: virtual time summed over its run
// steps (each run-until counted at its limit), and events it may ask for.
const maxUploadRunTime = 10 * time.Minute

func uploadBudget(sc *lessons.Scenario, maxSteps int) error {
	var total, until time.Duration
	steps := 0
	for _, st := range sc.Steps {
		if st.Run == nil {
			continue
		}
		r := st.Run
		total += time.Duration(r.For) + time.Duration(r.Limit)
		until = max(until, time.Duration(r.Time)) // a recording's times are absolute
		steps = max(steps+r.Steps, r.ToStep)
	}
	total += until
	if total > maxUploadRunTime {
		return fmt.Errorf("its run steps add up to %v of virtual time; a file opened in the browser may run at most %v (serve longer ones with --lessons)", total, maxUploadRunTime)
	}
	if steps > maxSteps {
		return fmt.Errorf("it asks for %d events; a file opened in the browser may run at most %d", steps, maxSteps)
	}
	return nil
}

// maxStoryPace is the fastest a part of a story plays (the page's 20×).
const maxStoryPace = 20

// paceStory plays one play tick's worth of the part begun: called on
// "next" and then by playTick while the story paces. When the part is over
// the cluster stops.
func (s *session) paceStory() error {
	st := s.story
	before := s.sim.StepCount()
	err := st.advance(max(time.Duration(float64(s.lim.Tick)*playRate*s.play.Speed), time.Microsecond))
	s.work += max(s.sim.StepCount()-before, 0)
	if !st.pacing {
		s.play.Playing = false
	}
	return err
}

// adoptStorySim makes the story's cluster the session's, when it is not.
func (s *session) adoptStorySim() {
	st := s.story
	if st == nil || !st.follow || s.sim == st.pl.Sim() {
		return
	}
	sim := st.pl.Sim()
	cfg := sim.Config()
	s.sim, s.cfg, s.model = sim, cfg, s.pat.Cluster.Model(cfg)
	s.meta = newPatternMeta(s.pat, sim)
	s.future = nil
	s.tree = branchTree{}
	s.play.Playing = false
	s.resync = true
}

// storyFrame is the story for a frame: always in a snapshot, in a delta
// only when it changed.
func (s *session) storyFrame(snapshot bool) *storyWire {
	b := &s.base
	st := s.story
	ver := 0
	if st != nil {
		ver = st.version
	}
	if !snapshot && st == b.story && ver == b.storyVersion {
		return nil
	}
	b.story, b.storyVersion = st, ver
	if st == nil {
		if snapshot {
			return nil
		}
		return &storyWire{Items: []storyItem{}}
	}
	return st.wire()
}

// exportFrame answers export-scenario: the run so far as a scenario file,
// and the hash of its trace (replaying the file gives the same).
type exportFrame struct {
	Type      string `json:"type"` // "scenario-export"
	Step      int    `json:"step"`
	Time      int64  `json:"time"`
	File      string `json:"file"`
	YAML      string `json:"yaml"`
	TraceHash string `json:"traceHash"`
}

func (s *session) exportScenario(title string) error {
	f, err := s.scenarioExport(title)
	if err != nil {
		return err
	}
	if s.conn != nil {
		s.flush() // the frames before the export first
		s.send(mustJSON(f))
	}
	return nil
}

// scenarioExport writes the run shown now (the story's cluster while one is
// followed) as a scenario file. Call it on the session's goroutine.
func (s *session) scenarioExport(title string) (exportFrame, error) {
	title = truncate(strings.TrimSpace(title), 200)
	if title == "" && s.story != nil {
		title = s.story.sc.Title + " (recorded)"
	}
	y, err := lessons.ExportRun(s.pat.ID, s.sim, title)
	if err != nil {
		return exportFrame{}, err
	}
	return exportFrame{Type: "scenario-export", Step: s.sim.StepCount(), Time: s.sim.Now().Microseconds(),
		File: fmt.Sprintf("%s-seed%d-step%d.yaml", s.pat.ID, s.sim.Config().Seed, s.sim.StepCount()), YAML: string(y), TraceHash: s.sim.Trace().Hash()}, nil
}
