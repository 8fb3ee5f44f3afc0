package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"sort"
	"sync"

	"clusterscope/engine"
	"clusterscope/patterns"
	"clusterscope/patterns/kit"
	"clusterscope/web/share"

	"github.com/anishathalye/porcupine"
)

// frame is one server → browser message. A snapshot carries everything; a
// delta only what changed since the previous frame. Every frame carries the
// step and the virtual time (µs).
type frame struct {
	Type    string `json:"type"` // "snapshot", "delta", "error"
	Step    int    `json:"step"`
	Time    int64  `json:"time"`
	Session string `json:"session,omitempty"`
	// ExportKey (snapshots to the run's own page only) must be in export
	// URLs: /session/{id}/trace.json?key=...
	ExportKey string       `json:"exportKey,omitempty"`
	Pattern   *patternMeta `json:"pattern,omitempty"`
	Config    *configMeta  `json:"config,omitempty"`
	// Nodes: every process (snapshot). Changed: the processes whose view
	// changed (delta).
	Nodes   []wireNode  `json:"nodes,omitempty"`
	Changed []nodeDelta `json:"changed,omitempty"`
	// Clocks are the local clock readings of the nodes whose clock is
	// skewed, sent when one of them changed; every other node's clock reads
	// the frame's time. (Clocks change on every frame, so they are
	// kept out of the per-node comparison.)
	Clocks map[string]string `json:"clocks,omitempty"`
	// Cluster is the cluster panel's widgets (engine.ClusterView.Widgets):
	// all of them in a snapshot. A delta carries the changed ones by
	// position in CW, and CN, the number of widgets now, when any changed.
	Cluster []engine.Widget `json:"cluster,omitempty"`
	CW      []widgetPatch   `json:"cw,omitempty"`
	CN      *int            `json:"cn,omitempty"`
	// Msgs are messages in flight: all (snapshot) or new and changed
	// (delta); Gone lists the ids that left the network since.
	Msgs []engine.MessageView `json:"msgs,omitempty"`
	Gone []uint64             `json:"gone,omitempty"`
	// Cut is the full list of cut links, present when it changed; Conns
	// the same for the connections (the node menu offers to reset them).
	Conns *[]engine.ConnView `json:"conns,omitempty"`
	Cut   *[]engine.LinkView `json:"cut,omitempty"`
	// Net is the network's link settings (the network menu edits them),
	// present when they changed.
	Net    *engine.NetView     `json:"net,omitempty"`
	Events []engine.TraceEvent `json:"events,omitempty"`
	// Earlier are the story events (notes, crashes, commands: no traffic)
	// from before Events when Events is only the tail of a long stretch, so
	// the event log still tells what happened in it.
	Earlier []engine.TraceEvent `json:"earlier,omitempty"`
	// Violations: all (snapshot) or the new ones (delta).
	Violations []engine.Violation `json:"violations,omitempty"`
	// Ops are client operations: all (snapshot), or the new ones and those
	// that completed since the last frame (delta).
	Ops      []wireOp        `json:"ops,omitempty"`
	Manual   *bool           `json:"manual,omitempty"`
	Variants map[string]bool `json:"variants,omitempty"`
	// Params are the settings in force: all (snapshot), or all again when
	// one changed (delta).
	Params map[string]int `json:"params,omitempty"`
	Play   *playState     `json:"play,omitempty"`
	// Log is the command log (URL form) when it changed; Future counts the
	// commands waiting to be re-applied after a step back.
	Log    *string `json:"log,omitempty"`
	Future *int    `json:"future,omitempty"`
	// Branches is the tree of runs kept when the learner acted at a past
	// step (snapshot, and deltas when it changed).
	Branches *branchesWire `json:"branches,omitempty"`
	// Story is the scenario being played (story.go): in a snapshot while
	// one is open, in a delta when it changed; active false closes it.
	Story *storyWire `json:"story,omitempty"`
	// Compare is the twin run of compare mode (compare.go), when it changed.
	Compare *compareWire `json:"compare,omitempty"`
	// Traffic is the counters panel's data (traffic.go): in a snapshot,
	// and in a delta when it changed.
	Traffic *trafficWire `json:"traffic,omitempty"`
	// Search reports a "find me a failure" search (search.go).
	Search *searchState `json:"search,omitempty"`
	// Error frames.
	Error string `json:"error,omitempty"`
	Code  string `json:"code,omitempty"` // machine-readable: "no-session", "bad-pattern", "limit", "crashed"
}

type playState struct {
	Playing bool    `json:"playing"`
	Speed   float64 `json:"speed"`
}

type patternMeta struct {
	ID         string          `json:"id"`
	Title      string          `json:"title"`
	MinNodes   int             `json:"minNodes"`
	MaxNodes   int             `json:"maxNodes"`
	Clients    []string        `json:"clients,omitempty"`
	Actions    []kit.Action    `json:"actions,omitempty"`
	Variants   []kit.Variant   `json:"variants,omitempty"`
	Params     []kit.Param     `json:"params,omitempty"`
	Invariants []invariantMeta `json:"invariants,omitempty"`
	Emphasis   []string        `json:"emphasis,omitempty"`
	Setups     []kit.Setup     `json:"setups,omitempty"` // the page's setups, when it has several
}

type invariantMeta struct {
	Name        string `json:"name"`
	Description string `json:"description"`
}

type configMeta struct {
	Seed     uint64   `json:"seed"`
	Nodes    int      `json:"nodes"`
	Variants []string `json:"variants,omitempty"`
	Setup    string   `json:"setup,omitempty"`
}

// nodeHead is the small part of a node: sent whole whenever the node changes.
// The clock reading travels in Clocks; Facts are for scenario conditions and
// stay on the server.
type nodeHead struct {
	ID     string         `json:"id"`
	Client bool           `json:"client,omitempty"`
	Group  engine.Role    `json:"group,omitempty"`
	Status string         `json:"status"`
	Skew   string         `json:"skew,omitempty"`
	Role   string         `json:"role,omitempty"`
	Badge  string         `json:"badge,omitempty"`
	Arrows []engine.Arrow `json:"arrows,omitempty"`
	Timers []wireTimer    `json:"timers,omitempty"`
}

// wireNode is a whole node (snapshots).
type wireNode struct {
	nodeHead
	Widgets []engine.Widget `json:"widgets,omitempty"`
	gen     uint64          // engine.NodeView.Gen: an equal one is the same node as before
}

// nodeDelta is a changed node (deltas): its head, and only the widgets that
// changed, by position; NW is the number of widgets now.
type nodeDelta struct {
	nodeHead
	W  []widgetPatch `json:"w,omitempty"`
	NW int           `json:"nw"`
}

// widgetPatch carries the widget as the encoding the diff already made (a
// baseline's bytes are never changed in place, only replaced).
type widgetPatch struct {
	I int             `json:"i"`
	W json.RawMessage `json:"w"`
}

// nodeBase is what the browser holds of one node.
type nodeBase struct {
	head    []byte
	widgets [][]byte
	gen     uint64 // the view generation head and widgets were taken from
}

// wireOp is a client operation with its text as the pattern's porcupine
// model describes it ("put x=1", "get x → \"1\""), so the browser needs no
// knowledge of any pattern's inputs.
type wireOp struct {
	engine.Operation
	Text string `json:"text"`
}

func newWireOp(m *porcupine.Model, op engine.Operation) wireOp {
	// As kit.PorcupineOps hands it to the checker: only a success has an output.
	var out any
	if op.Status == engine.OpOK {
		out = op.Output
	}
	w := wireOp{Operation: op}
	if m != nil && m.DescribeOperation != nil {
		w.Text = m.DescribeOperation(op.Input, out)
	} else {
		w.Text = describe(op.Input)
		if out != nil {
			w.Text += " → " + describe(out)
		}
	}
	return w
}

// describe is a history value's text without a porcupine model: its own
// words when it has them (a fmt.Stringer), else its JSON.
func describe(v any) string {
	if s, ok := v.(fmt.Stringer); ok {
		return s.String()
	}
	return string(mustJSON(v))
}

func (s *session) wireOps(h []engine.Operation) []wireOp {
	out := make([]wireOp, len(h))
	for i := range h {
		out[i] = newWireOp(s.pat.Cluster.Porcupine, h[i])
	}
	return out
}

type wireTimer struct {
	Name  string `json:"name"`
	DueAt int64  `json:"dueAt"`
}

// recentEvents is how much of the trace a snapshot carries.
const recentEvents = 300

// earlierEvents bounds the story events a frame carries from before its
// tail, and earlierLookback the records scanned for them.
const (
	earlierEvents   = 200
	earlierLookback = 200_000
)

func newPatternMeta(p *patterns.Pattern, sim *engine.Sim) *patternMeta {
	c, err := p.ClusterOf(sim.Config())
	if err != nil {
		c = p.Cluster
	}
	m := &patternMeta{ID: p.ID, Title: p.Title, MinNodes: c.MinNodes, MaxNodes: c.MaxNodes, Clients: c.Clients,
		Actions: c.Actions, Variants: c.Variants, Params: c.ParamDocs, Emphasis: c.Emphasis, Setups: p.Cluster.Setups}
	for _, inv := range sim.Invariants() {
		m.Invariants = append(m.Invariants, invariantMeta{Name: inv.Name, Description: inv.Description})
	}
	return m
}

// baseline is what the browser was last sent: the next delta is computed
// against it.
type baseline struct {
	sim        *engine.Sim // the run the node generations belong to
	step       int
	time       int64
	nodes      map[string]*nodeBase
	cluster    [][]byte // the cluster widgets, encoded
	clocks     []byte
	msgs       map[uint64]engine.MessageView
	cut        []byte
	net        []byte
	conns      []byte
	traceLen   int
	violations int
	opsSent    int   // how much of the history was sent
	opsPending []int // positions of the ops sent while pending, ascending
	manual     bool
	variants   []byte
	params     []byte
	play       playState
	log        string
	logKey     [2]int // (commands applied, commands in the future) when log was encoded
	future     int
	branches   branchesWire // as branchesKey has it
	traffic    []byte
	trafficAt  int64 // virtual µs of the run when the counters were last looked at
	trafficDue bool  // look at them in the next frame whatever the time
	// trafficLooked says the frame being built looked at the counters (the
	// compared run's are looked at in the same frames).
	trafficLooked bool
	story         *story
	storyVersion  int
}

// wireNodes splits a ClusterView into whole nodes and the readings of the
// clocks that differ from true time.
//
// unchanged, when given, names the nodes the browser already has as they
// are: their widgets are left unrounded, since nobody will read them.
func wireNodes(v *engine.ClusterView, unchanged func(id string, gen uint64) bool) ([]wireNode, map[string]string) {
	timers := map[string][]wireTimer{}
	for _, t := range v.Timers {
		timers[t.Node] = append(timers[t.Node], wireTimer{Name: t.Name, DueAt: t.DueAt})
	}
	nodes := make([]wireNode, len(v.Nodes))
	var clocks map[string]string
	for i, n := range v.Nodes {
		nodes[i] = wireNode{
			nodeHead: nodeHead{ID: n.ID, Client: n.Client, Group: n.Group, Status: n.Status, Skew: n.Skew, Role: n.Role, Badge: n.Badge, Arrows: n.Arrows, Timers: timers[n.ID]},
			Widgets:  n.Widgets,
			gen:      n.Gen,
		}
		if unchanged == nil || !unchanged(n.ID, n.Gen) {
			nodes[i].Widgets = roundMeters(n.Widgets)
		}
		if n.Skew != "" {
			if clocks == nil {
				clocks = map[string]string{}
			}
			clocks[n.ID] = n.Clock
		}
	}
	return nodes, clocks
}

// roundMeters keeps meter values to a microsecond's worth of digits: they are
// drawn as bars, and float noise (46.845000000000005) only costs bytes.
func roundMeters(ws []engine.Widget) []engine.Widget {
	var out []engine.Widget
	for i, w := range ws {
		if w.Type != "meter" || len(w.Meters) == 0 {
			continue
		}
		if out == nil {
			out = append([]engine.Widget(nil), ws...)
		}
		ms := make([]engine.Meter, len(w.Meters))
		for j, m := range w.Meters {
			m.Value = math.Round(m.Value*1000) / 1000
			m.Max = math.Round(m.Max*1000) / 1000
			ms[j] = m
		}
		out[i].Meters = ms
	}
	if out == nil {
		return ws
	}
	return out
}

func newNodeBase(n *wireNode) *nodeBase {
	b := &nodeBase{head: mustJSON(n.nodeHead), widgets: make([][]byte, len(n.Widgets)), gen: n.gen}
	for i := range n.Widgets {
		b.widgets[i] = mustJSON(n.Widgets[i])
	}
	return b
}

// knows says the browser has node id as it is: in the same run, a view
// generation that has not moved is the same view (the engine did not ask
// the process again), and costs nothing to send.
func (b *baseline) knows(sim *engine.Sim, id string, gen uint64) bool {
	nb := b.nodes[id]
	return b.sim == sim && nb != nil && gen != 0 && nb.gen == gen
}

// diff compares n with what the browser holds and moves the base forward.
func (b *nodeBase) diff(n *wireNode) (nodeDelta, bool) {
	b.gen = n.gen
	d := nodeDelta{nodeHead: n.nodeHead, NW: len(n.Widgets)}
	changed := len(n.Widgets) != len(b.widgets)
	if updateJSON(&b.head, &n.nodeHead) {
		changed = true
	}
	b.widgets, d.W = diffWidgets(b.widgets, n.Widgets)
	return d, changed || d.W != nil
}

// diffWidgets encodes ws and lists those that differ from old, by position.
func diffWidgets(old [][]byte, ws []engine.Widget) ([][]byte, []widgetPatch) {
	enc := make([][]byte, len(ws))
	copy(enc, old)
	var patches []widgetPatch
	for i := range ws {
		if updateJSON(&enc[i], &ws[i]) { // a pointer: boxing the struct copied it
			patches = append(patches, widgetPatch{I: i, W: enc[i]})
		}
	}
	return enc, patches
}

// updateJSON encodes v as mustJSON does and, when that differs from *old,
// keeps a copy in *old and reports a change. The encoding is written into a
// pooled buffer: a frame compares a dozen values that rarely change, and
// encoding each into fresh memory was most of a frame's garbage.
func updateJSON(old *[]byte, v any) bool {
	j := jsonBufs.Get().(*jsonBuf)
	defer jsonBufs.Put(j)
	j.buf.Reset()
	if err := j.enc.Encode(v); err != nil {
		b := mustJSON(v)
		if bytes.Equal(b, *old) {
			return false
		}
		*old = b
		return true
	}
	b := bytes.TrimSuffix(j.buf.Bytes(), []byte("\n")) // Encode ends with one; Marshal does not
	if bytes.Equal(b, *old) {
		return false
	}
	*old = bytes.Clone(b)
	return true
}

type jsonBuf struct {
	buf bytes.Buffer
	enc *json.Encoder
}

var jsonBufs = sync.Pool{New: func() any {
	j := &jsonBuf{}
	j.enc = json.NewEncoder(&j.buf)
	return j
}}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		// Views are plain data; a value that cannot be encoded is a bug in
		// a pattern's View. Show it rather than kill the session.
		b, _ = json.Marshal(map[string]string{"error": err.Error()})
	}
	return b
}

// snapshotFrame renders everything and resets the baseline to it.
func (s *session) snapshotFrame() frame {
	v := s.sim.View()
	nodes, clocks := wireNodes(&v, nil)
	b := baseline{sim: s.sim, step: v.Step, time: v.Time, nodes: map[string]*nodeBase{}, msgs: map[uint64]engine.MessageView{}}
	for i := range nodes {
		b.nodes[nodes[i].ID] = newNodeBase(&nodes[i])
	}
	b.clocks = mustJSON(clocks)
	v.Widgets = roundMeters(v.Widgets)
	b.cluster, _ = diffWidgets(nil, v.Widgets)
	for _, m := range v.InFlight {
		b.msgs[m.ID] = m
	}
	cut := v.Cut
	if cut == nil {
		cut = []engine.LinkView{}
	}
	b.cut = mustJSON(cut)
	b.net = mustJSON(v.Net)
	conns := wireConns(v.Conns)
	b.conns = mustJSON(conns)
	trace := s.sim.Trace()
	b.traceLen = trace.Len()
	events := trace.Since(trace.Len() - recentEvents)
	earlier := trace.Story(trace.Len()-recentEvents, earlierEvents, earlierLookback)
	b.violations = len(v.Violations)
	b.opsSent = len(v.History)
	for i, op := range v.History {
		if op.Status == engine.OpPending {
			b.opsPending = append(b.opsPending, i)
		}
	}
	b.manual = v.Manual
	b.variants = mustJSON(v.Variants)
	b.params = mustJSON(v.Params)
	b.play = s.play
	b.log = share.EncodeLog(s.fullLog())
	b.logKey = [2]int{len(s.sim.Log()), len(s.future)}
	b.future = len(s.future)
	branches := s.tree.wire(v.Step, len(s.fullLog()))
	b.branches = branchesKey(branches)
	traffic := newTrafficWire(s.sim)
	b.traffic, b.trafficAt = mustJSON(traffic), v.Time
	s.base = b

	manual := v.Manual
	cfg := s.sim.Config()
	f := frame{
		Type: "snapshot", Step: v.Step, Time: v.Time, Session: s.id,
		Pattern: s.meta,
		Config:  &configMeta{Seed: cfg.Seed, Nodes: len(cfg.Nodes), Variants: sortedTrue(cfg.Variants), Setup: cfg.Setup},
		Nodes:   nodes, Clocks: clocks, Cluster: v.Widgets, Msgs: v.InFlight, Cut: &cut, Net: v.Net, Conns: &conns,
		Events: append([]engine.TraceEvent(nil), events...), Earlier: earlier, Violations: v.Violations, Ops: s.wireOps(v.History),
		Manual: &manual, Variants: v.Variants, Play: &b.play, Log: &b.log, Future: &b.future, Branches: branches,
		Traffic: traffic,
	}
	f.Story = s.storyFrame(true)
	if f.Variants == nil {
		f.Variants = map[string]bool{}
	}
	f.Params = v.Params
	if f.Params == nil {
		f.Params = map[string]int{}
	}
	return f
}

// deltaFrame renders what changed since the baseline and moves the baseline
// forward. ok is false when nothing changed at all.
func (s *session) deltaFrame() (f frame, ok bool) {
	b := &s.base
	f = frame{Type: "delta", Step: s.sim.StepCount(), Time: s.sim.Now().Microseconds()}
	changed := f.Step != b.step || f.Time != b.time
	if s.onlyTimeMoved() && !s.noQuietFrames {
		s.clocksDelta(&f, s.sim.SkewedClocks())
		s.clusterDelta(&f, s.sim.ClusterWidgets())
	} else {
		s.simDelta(&f)
	}
	s.pageDelta(&f)
	b.step, b.time, b.sim = f.Step, f.Time, s.sim
	changed = changed || f.Story != nil || f.Changed != nil || f.CN != nil || f.Msgs != nil || f.Gone != nil || f.Cut != nil || f.Net != nil || f.Conns != nil || f.Events != nil ||
		f.Violations != nil || f.Ops != nil || f.Manual != nil || f.Variants != nil || f.Params != nil || f.Play != nil || f.Log != nil || f.Future != nil || f.Branches != nil || f.Traffic != nil
	return f, changed
}

// onlyTimeMoved says that since the last frame the run has neither taken a
// step nor been given a command: its processes, messages, network, trace
// and history are as the browser has them, and only what reads the clock
// can differ. Most frames of a page playing at 1× are such frames.
func (s *session) onlyTimeMoved() bool {
	b := &s.base
	return s.sim == b.sim && s.sim.StepCount() == b.step && len(s.sim.Log()) == b.logKey[0]
}

func (s *session) clocksDelta(f *frame, clocks map[string]string) {
	if updateJSON(&s.base.clocks, clocks) {
		f.Clocks = clocks
	}
}

func (s *session) clusterDelta(f *frame, widgets []engine.Widget) {
	b := &s.base
	widgets = roundMeters(widgets)
	if enc, patches := diffWidgets(b.cluster, widgets); patches != nil || len(enc) != len(b.cluster) {
		n := len(enc)
		f.CW, f.CN, b.cluster = patches, &n, enc
	}
}

// simDelta puts into f what changed in the run: nodes, messages, network,
// trace, violations, history, settings.
func (s *session) simDelta(f *frame) {
	v := s.sim.View()
	b := &s.base
	known := func(id string, gen uint64) bool { return b.knows(s.sim, id, gen) }
	nodes, clocks := wireNodes(&v, known)
	s.clocksDelta(f, clocks)
	for i := range nodes {
		nb := b.nodes[nodes[i].ID]
		if nb == nil { // cannot happen: the node set is fixed per run
			nb = &nodeBase{}
			b.nodes[nodes[i].ID] = nb
		}
		if known(nodes[i].ID, nodes[i].gen) {
			continue
		}
		if d, ok := nb.diff(&nodes[i]); ok {
			f.Changed = append(f.Changed, d)
		}
	}
	s.clusterDelta(f, v.Widgets)
	seen := make(map[uint64]bool, len(v.InFlight))
	for _, m := range v.InFlight {
		seen[m.ID] = true
		if old, ok := b.msgs[m.ID]; !ok || old != m {
			b.msgs[m.ID] = m
			f.Msgs = append(f.Msgs, m)
		}
	}
	for id := range b.msgs {
		if !seen[id] {
			delete(b.msgs, id)
			f.Gone = append(f.Gone, id)
		}
	}
	sort.Slice(f.Gone, func(i, j int) bool { return f.Gone[i] < f.Gone[j] })
	cut := v.Cut
	if cut == nil {
		cut = []engine.LinkView{}
	}
	if updateJSON(&b.cut, cut) {
		f.Cut = &cut
	}
	if updateJSON(&b.net, v.Net) {
		f.Net = v.Net
	}
	if conns := wireConns(v.Conns); len(conns) > 0 || len(b.conns) > 2 {
		if updateJSON(&b.conns, conns) {
			f.Conns = &conns
		}
	}
	trace := s.sim.Trace()
	if trace.Len() > b.traceLen {
		ev := trace.Since(b.traceLen)
		if len(ev) > recentEvents { // a long run in one go: the tail, and the story before it
			from := trace.Len() - recentEvents
			f.Earlier = trace.Story(from, earlierEvents, min(earlierLookback, from-b.traceLen))
			ev = ev[len(ev)-recentEvents:]
		}
		f.Events = append([]engine.TraceEvent(nil), ev...)
		b.traceLen = trace.Len()
	}
	if len(v.Violations) > b.violations {
		f.Violations = v.Violations[b.violations:]
		b.violations = len(v.Violations)
	}
	f.Ops = s.opsDelta(v.History)
	if v.Manual != b.manual {
		m := v.Manual
		f.Manual = &m
		b.manual = m
	}
	if updateJSON(&b.variants, v.Variants) {
		f.Variants = v.Variants
		if f.Variants == nil {
			f.Variants = map[string]bool{}
		}
	}
	if updateJSON(&b.params, v.Params) {
		f.Params = v.Params
		if f.Params == nil {
			f.Params = map[string]int{}
		}
	}
}

// pageDelta puts into f what changed on the page around the run: play
// state, branches, the command log, counters, the story.
func (s *session) pageDelta(f *frame) {
	b := &s.base
	if s.play != b.play {
		p := s.play
		f.Play = &p
		b.play = p
	}
	if br := s.tree.wire(f.Step, len(s.sim.Log())+len(s.future)); !branchesKey(br).equal(b.branches) {
		f.Branches = br
		b.branches = branchesKey(br)
	}
	if n := len(s.future); n != b.future {
		f.Future = &n
		b.future = n
	}
	// Commands are only appended, or moved from the future to the log: the
	// two lengths tell when the log changed, without deflating it each frame.
	if k := [2]int{len(s.sim.Log()), len(s.future)}; k != b.logKey {
		b.logKey = k
		if l := share.EncodeLog(s.fullLog()); l != b.log {
			f.Log = &l
			b.log = l
		}
	}
	b.trafficLooked = b.trafficDue || f.Time-b.trafficAt >= trafficEvery || f.Time < b.trafficAt
	if b.trafficLooked {
		b.trafficDue, b.trafficAt = false, f.Time
		traffic := newTrafficWire(s.sim)
		if updateJSON(&b.traffic, traffic) {
			f.Traffic = traffic
		}
	}
	f.Story = s.storyFrame(false)
}

// opsDelta is the operations the browser has not seen in their present
// form: new ones, and those sent while pending that have completed since. A
// completed operation never changes again, so it is not looked at again.
func (s *session) opsDelta(h []engine.Operation) []wireOp {
	b := &s.base
	if len(h) < b.opsSent { // a different run without a snapshot: cannot happen, resend all
		b.opsSent, b.opsPending = 0, nil
	}
	var out []wireOp
	pending := b.opsPending[:0]
	for _, i := range b.opsPending {
		if h[i].Status == engine.OpPending {
			pending = append(pending, i)
		} else {
			out = append(out, newWireOp(s.pat.Cluster.Porcupine, h[i]))
		}
	}
	for i := b.opsSent; i < len(h); i++ {
		if h[i].Status == engine.OpPending {
			pending = append(pending, i)
		}
		out = append(out, newWireOp(s.pat.Cluster.Porcupine, h[i]))
	}
	b.opsSent, b.opsPending = len(h), pending
	return out
}

func sortedTrue(m map[string]bool) []string {
	var out []string
	for k, on := range m {
		if on {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// branchesKey is the branch tree as compared between frames: without the
// current branch's reach, which grows with every step while the learner runs
// on. The browser follows that reach from the steps themselves, so the list is
// sent only when the tree changes, not on every step.
func branchesKey(w *branchesWire) branchesWire {
	c := branchesWire{Current: w.Current, List: append([]branchWire(nil), w.List...)}
	for i := range c.List {
		if c.List[i].ID == c.Current {
			c.List[i].Reach = 0
		}
	}
	return c
}

func (w branchesWire) equal(o branchesWire) bool {
	return w.Current == o.Current && slices.Equal(w.List, o.List)
}

// wireConns is the run's connections for the page ([] rather than null).
func wireConns(c []engine.ConnView) []engine.ConnView {
	if c == nil {
		return []engine.ConnView{}
	}
	return c
}
