package lessons

import (
	"fmt"
	"html/template"
	"path"
	"sort"
	"strings"
	"time"

	"clusterscope/engine"
	"clusterscope/patterns"
	"clusterscope/patterns/kit"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
)

// Limits on a scenario file: files may come from a URL or an upload.
const (
	MaxScenarioBytes = 256 << 10
	MaxSteps         = 2000
	maxRunFor        = time.Hour
	defaultLimit     = time.Minute // run until ... without a limit
)

// Step kinds as they appear in Step.Kind (and in the JSON the browser gets).
const (
	StepSay      = "say"      // narration
	StepRun      = "run"      // let the cluster run
	StepCommand  = "command"  // a change from outside: Step.Command
	StepQuestion = "question" // a prediction the learner makes (YAML: pause with a question)
	StepExpect   = "expect"   // a condition that must hold
	// StepCompare opens or closes the page's compare mode (a twin run with
	// other broken variants beside the cluster). Headless it changes nothing.
	StepCompare = "compare"
	// StepFindFailure is "find me a failure" headless: random fault
	// schedules (seeds 1..N) with the variants in force, the first that
	// breaks an invariant shrunk (findfailure.go). It leaves the cluster
	// as it was.
	StepFindFailure = "find-failure"
)

// Scenario is one parsed and checked scenario file, ready to play.
type Scenario struct {
	File            string         `json:"file"` // the path used in messages
	Name            string         `json:"name"` // file name without .yaml
	Title           string         `json:"title"`
	Pattern         string         `json:"pattern"`
	Setup           string         `json:"setup,omitempty"` // one of the pattern's setups; "" = its first
	Nodes           int            `json:"nodes"`
	Seed            uint64         `json:"seed"`
	Variants        []string       `json:"variants,omitempty"`
	Params          map[string]int `json:"params,omitempty"`
	Description     string         `json:"description,omitempty"`
	DescriptionHTML template.HTML  `json:"descriptionHtml,omitempty"`
	Steps           []Step         `json:"steps"`

	pattern *patterns.Pattern
	cluster *kit.Cluster // the setup's cluster
	env     *envSchema
	// searches remembers what its find-failure steps found (findfailure.go)
	searches *searchCache
}

// Step is one step of a scenario. Kind says which of the other fields is set.
type Step struct {
	Kind string `json:"kind"`
	Line int    `json:"line"`
	Col  int    `json:"col"`
	// say
	Text string        `json:"text,omitempty"` // Markdown as written
	HTML template.HTML `json:"html,omitempty"` // rendered, raw HTML off
	Run  *RunSpec      `json:"run,omitempty"`
	// command; Select is set for deliver/drop/duplicate that pick a message
	// by its endpoints instead of by id (Command.Msg is filled in at play).
	Command  *engine.Command `json:"command,omitempty"`
	Select   *MsgSelector    `json:"select,omitempty"`
	Question *Question       `json:"question,omitempty"`
	Expect   *Expect         `json:"expect,omitempty"`
	Compare  *CompareSpec    `json:"compare,omitempty"`
	// find-failure: how many schedules to try
	FindFailure *FindFailureSpec `json:"findFailure,omitempty"`
}

// CompareSpec is a compare step: on with the twin's variants (none given:
// the page's default choice), or off.
type CompareSpec struct {
	On       bool     `json:"on"`
	Variants []string `json:"variants,omitempty"`
}

func (c *CompareSpec) String() string {
	switch {
	case !c.On:
		return "off"
	case len(c.Variants) > 0:
		return "on, with " + strings.Join(c.Variants, ", ")
	}
	return "on"
}

// RunSpec says how far to let the cluster run. Exactly one of For, Until, Steps
// or ToStep is set.
type RunSpec struct {
	For   engine.Duration `json:"for,omitempty"`   // this much virtual time
	Until string          `json:"until,omitempty"` // until the condition holds...
	Limit engine.Duration `json:"limit,omitempty"` // ...or this much time passed (then the step fails)
	Steps int             `json:"steps,omitempty"` // this many more events
	// ToStep runs until the simulation's step counter reaches it, then lets
	// idle time pass up to Time (when set): how exported recordings replay
	// exactly.
	ToStep int             `json:"toStep,omitempty"`
	Time   engine.Duration `json:"time,omitempty"`

	until *condition
}

// MsgSelector picks the oldest message in flight that matches every field set.
type MsgSelector struct {
	From string `json:"from,omitempty"`
	To   string `json:"to,omitempty"`
	Kind string `json:"kind,omitempty"`
}

// Question is a prediction pause. Answer is the index of the right choice.
type Question struct {
	Text        string        `json:"text"`
	HTML        template.HTML `json:"html"`
	Choices     []string      `json:"choices"`
	Answer      int           `json:"answer"`
	Explain     string        `json:"explain,omitempty"`
	ExplainHTML template.HTML `json:"explainHtml,omitempty"`
}

// Expect is a condition that must hold when the step is reached.
type Expect struct {
	Condition string `json:"condition"`
	Message   string `json:"message,omitempty"`

	cond *condition
}

// Where is "file:line" of a step, for messages.
func (sc *Scenario) Where(i int) string {
	if i < 0 || i >= len(sc.Steps) {
		return sc.File
	}
	return fmt.Sprintf("%s:%d", sc.File, sc.Steps[i].Line)
}

// Config is the engine configuration the scenario starts from.
func (sc *Scenario) Config() (engine.Config, error) {
	if sc.pattern == nil {
		return engine.Config{}, fmt.Errorf("%s: scenario was not loaded by this package", sc.File)
	}
	cfg, err := sc.pattern.ConfigFor(sc.Setup, sc.Nodes, sc.Seed, sc.Variants)
	if err != nil {
		return cfg, err
	}
	for k, v := range sc.Params {
		cfg.Params[k] = v
	}
	return cfg, nil
}

// ParseScenario reads one scenario file. file is the name used in error
// messages; a scenario that names no pattern is rejected. Every problem
// found is returned at once, as an ErrorList.
func ParseScenario(file string, src []byte) (*Scenario, error) {
	return parseScenario(file, src, "", patterns.ByID)
}

// lookupFunc finds a pattern by id (patterns.ByID; tests bring their own).
type lookupFunc func(id string) (*patterns.Pattern, bool)

func parseScenario(file string, src []byte, defaultPattern string, lookup lookupFunc) (*Scenario, error) {
	p := &scenarioParser{file: file, lookup: lookup}
	sc := p.parse(src, defaultPattern)
	if len(p.errs) > 0 {
		p.errs.sort()
		return nil, p.errs
	}
	return sc, nil
}

type scenarioParser struct {
	file   string
	lookup lookupFunc
	errs   ErrorList
	sc     *Scenario
	procs  map[string]bool // every process name: nodes and clients
}

func (p *scenarioParser) errAt(n ast.Node, format string, args ...any) {
	p.errs = append(p.errs, at(p.file, n, format, args...))
}

var headerKeys = []string{"title", "pattern", "setup", "nodes", "seed", "variants", "params", "description", "steps"}

func (p *scenarioParser) parse(src []byte, defaultPattern string) *Scenario {
	base := path.Base(p.file)
	sc := &Scenario{File: p.file, Name: strings.TrimSuffix(strings.TrimSuffix(base, ".yaml"), ".yml"), Seed: 1, searches: &searchCache{}}
	p.sc = sc
	tokens, tooBig := tokenize(p.file, src)
	if tooBig != nil {
		p.errs = append(p.errs, tooBig)
		return nil
	}
	f, err := parser.Parse(tokens, 0)
	if err != nil {
		p.errs = append(p.errs, fromYAML(p.file, err))
		return nil
	}
	if len(f.Docs) != 1 {
		p.errs = append(p.errs, &Error{File: p.file, Line: 1, Col: 1, Msg: fmt.Sprintf("expected one YAML document, found %d", len(f.Docs))})
		return nil
	}
	body := unwrap(f.Docs[0].Body)
	pairs, ok := mappingPairs(body)
	if !ok {
		n := ast.Node(body)
		if body == nil {
			n = nil
		}
		e := at(p.file, n, "a scenario is a mapping with title, pattern, nodes, seed, variants, params, description and steps")
		if e.Line == 0 {
			e.Line, e.Col = 1, 1
		}
		p.errs = append(p.errs, e)
		return nil
	}
	fields := map[string]*ast.MappingValueNode{}
	for _, kv := range pairs {
		key := keyName(kv)
		if !contains(headerKeys, key) {
			p.errAt(kv.Key, "unknown field %q at the top of a scenario (expected one of: %s)", key, strings.Join(headerKeys, ", "))
			continue
		}
		if _, dup := fields[key]; dup {
			p.errAt(kv.Key, "%s is given twice", key)
			continue
		}
		fields[key] = kv
	}
	if kv := fields["title"]; kv != nil {
		sc.Title, _ = p.text(kv.Value, "title")
	}
	if sc.Title == "" {
		p.errs = append(p.errs, &Error{File: p.file, Line: 1, Col: 1, Msg: "the scenario has no title (add title: ...)"})
	}
	if kv := fields["description"]; kv != nil {
		sc.Description, _ = p.text(kv.Value, "description")
		sc.DescriptionHTML = renderMarkdown(sc.Description)
	}
	if kv := fields["seed"]; kv != nil {
		if n, ok := p.integer(kv.Value, "seed"); ok {
			if n < 0 {
				p.errAt(kv.Value, "seed must be 0 or more")
			}
			sc.Seed = uint64(n)
		}
	}
	sc.Pattern = defaultPattern
	var patNode ast.Node
	if kv := fields["pattern"]; kv != nil {
		patNode = kv.Value
		id, _ := p.text(kv.Value, "pattern")
		if defaultPattern != "" && id != defaultPattern && id != "" {
			p.errAt(kv.Value, "this scenario lies in the folder of %s but names pattern %q; move it or fix the name", defaultPattern, id)
		}
		sc.Pattern = id
	}
	if sc.Pattern == "" {
		p.errs = append(p.errs, &Error{File: p.file, Line: 1, Col: 1, Msg: "the scenario names no pattern (add pattern: leader-and-followers, for example)"})
		return nil
	}
	pat, found := p.lookup(sc.Pattern)
	switch {
	case !found:
		p.errAt(patNode, "unknown pattern %q (clusterscope patterns lists them)", sc.Pattern)
		return nil
	case !pat.Live():
		p.errAt(patNode, "pattern %s has no simulation yet, so its scenarios cannot run", sc.Pattern)
		return nil
	}
	sc.pattern = pat
	cl := pat.Cluster
	if kv := fields["setup"]; kv != nil {
		sc.Setup, _ = p.text(kv.Value, "setup")
		c, err := cl.SetupCluster(sc.Setup)
		if err != nil {
			p.errAt(kv.Value, "%s: %v", pat.Title, err)
			return nil
		}
		cl = c
	}
	sc.cluster = cl
	sc.Nodes = cl.DefaultSize()
	if kv := fields["nodes"]; kv != nil {
		if n, ok := p.integer(kv.Value, "nodes"); ok {
			if n < int64(cl.MinNodes) || n > int64(cl.MaxNodes) {
				p.errAt(kv.Value, "%s runs with %d to %d nodes, not %d", pat.Title, cl.MinNodes, cl.MaxNodes, n)
			} else {
				sc.Nodes = int(n)
			}
		}
	}
	if kv := fields["variants"]; kv != nil {
		for _, item := range p.list(kv.Value, "variants") {
			name, ok := p.text(item, "variant")
			if !ok {
				continue
			}
			if !pat.HasVariant(name) {
				p.errAt(item, "%s has no variant %q (it has: %s)", pat.Title, name, variantNames(pat))
				continue
			}
			sc.Variants = append(sc.Variants, name)
		}
	}
	if kv := fields["params"]; kv != nil {
		p.params(kv.Value, pat)
	}
	p.procs = map[string]bool{}
	if l, err := cl.Layout(sc.Nodes); err == nil {
		for _, names := range [][]string{l.Servers, l.Standby, l.Clients} {
			for _, n := range names {
				p.procs[n] = true
			}
		}
	}
	if len(p.errs) > 0 {
		return nil // the names below depend on a sound header
	}
	cfg, err := sc.Config()
	if err != nil {
		p.errAt(patNode, "%v", err)
		return nil
	}
	env, err := newEnvSchema(pat, cfg)
	if err != nil {
		p.errAt(patNode, "%v", err)
		return nil
	}
	sc.env = env
	kv := fields["steps"]
	if kv == nil {
		p.errs = append(p.errs, &Error{File: p.file, Line: 1, Col: 1, Msg: "the scenario has no steps (add steps: followed by a list)"})
		return nil
	}
	items := p.list(kv.Value, "steps")
	if len(items) > MaxSteps {
		p.errAt(kv.Value, "%d steps; a scenario may have at most %d", len(items), MaxSteps)
		return nil
	}
	searches := 0
	for _, item := range items {
		if st, ok := p.step(item); ok {
			if st.Kind == StepFindFailure {
				if searches++; searches > MaxFindFailureSteps {
					p.errAt(item, "find-failure: at most %d per scenario (each runs up to %d schedules)", MaxFindFailureSteps, MaxFindFailureSeeds)
					continue
				}
			}
			sc.Steps = append(sc.Steps, st)
		}
	}
	return sc
}

func (p *scenarioParser) params(n ast.Node, pat *patterns.Pattern) {
	known := map[string]bool{}
	for k := range p.sc.cluster.Params {
		known[k] = true
	}
	for _, d := range p.sc.cluster.ParamDocs {
		known[d.Name] = true
	}
	pairs, ok := mappingPairs(unwrap(n))
	if !ok {
		p.errAt(n, "params is a mapping of setting names to whole numbers, e.g. heartbeat-ms: 100")
		return
	}
	p.sc.Params = map[string]int{}
	for _, kv := range pairs {
		name := keyName(kv)
		if !known[name] {
			p.errAt(kv.Key, "%s has no setting %q (it has: %s)", pat.Title, name, nameList(known))
			continue
		}
		if v, ok := p.integer(kv.Value, name); ok {
			if err := p.sc.cluster.CheckParam(name, int(v)); err != nil {
				p.errAt(kv.Value, "params: %v", err)
			}
			p.sc.Params[name] = int(v)
		}
	}
}

func variantNames(pat *patterns.Pattern) string {
	var names []string
	for _, v := range pat.Cluster.Variants {
		names = append(names, v.Name)
	}
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// nameList is a sorted, comma-separated list of a map's keys for messages.
func nameList[V any](m map[string]V) string {
	if len(m) == 0 {
		return "none"
	}
	return strings.Join(sortedKeys(m), ", ")
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// ---- YAML node helpers ----

// unwrap looks through tags, anchors and comments to the value node.
func unwrap(n ast.Node) ast.Node {
	for {
		switch v := n.(type) {
		case *ast.TagNode:
			n = v.Value
		case *ast.AnchorNode:
			n = v.Value
		case *ast.CommentGroupNode:
			return nil
		default:
			return n
		}
	}
}

func mappingPairs(n ast.Node) ([]*ast.MappingValueNode, bool) {
	switch v := n.(type) {
	case *ast.MappingNode:
		return v.Values, true
	case *ast.MappingValueNode:
		return []*ast.MappingValueNode{v}, true
	}
	return nil, false
}

func keyName(kv *ast.MappingValueNode) string {
	if s, ok := unwrap(kv.Key).(ast.ScalarNode); ok {
		return fmt.Sprint(s.GetValue())
	}
	return kv.Key.String()
}

func isNull(n ast.Node) bool {
	if n == nil {
		return true
	}
	_, null := unwrap(n).(*ast.NullNode)
	return null || unwrap(n) == nil
}

// text reads a scalar as text (numbers and booleans as written).
func (p *scenarioParser) text(n ast.Node, what string) (string, bool) {
	switch v := unwrap(n).(type) {
	case *ast.StringNode:
		return v.Value, true
	case *ast.LiteralNode:
		return v.Value.Value, true
	case *ast.IntegerNode, *ast.FloatNode, *ast.BoolNode:
		return v.GetToken().Value, true
	case *ast.NullNode, nil:
		p.errAt(n, "%s is empty", what)
		return "", false
	}
	p.errAt(n, "%s must be a single value, not a %s", what, nodeKind(n))
	return "", false
}

func (p *scenarioParser) integer(n ast.Node, what string) (int64, bool) {
	v, ok := unwrap(n).(*ast.IntegerNode)
	if !ok {
		p.errAt(n, "%s must be a whole number, not %s", what, describe(n))
		return 0, false
	}
	switch x := v.Value.(type) {
	case int64:
		return x, true
	case uint64:
		if x <= 1<<62 {
			return int64(x), true
		}
	}
	p.errAt(n, "%s is out of range", what)
	return 0, false
}

func (p *scenarioParser) number(n ast.Node, what string) (float64, bool) {
	switch v := unwrap(n).(type) {
	case *ast.IntegerNode:
		i, ok := p.integer(n, what)
		return float64(i), ok
	case *ast.FloatNode:
		return v.Value, true
	}
	p.errAt(n, "%s must be a number, not %s", what, describe(n))
	return 0, false
}

func (p *scenarioParser) boolean(n ast.Node, what string) (bool, bool) {
	switch v := unwrap(n).(type) {
	case *ast.BoolNode:
		return v.Value, true
	case *ast.StringNode:
		switch strings.ToLower(v.Value) {
		case "on", "yes":
			return true, true
		case "off", "no":
			return false, true
		}
	}
	p.errAt(n, "%s must be true or false (or on/off), not %s", what, describe(n))
	return false, false
}

// duration reads "150ms", "2s", "-1.5s".
func (p *scenarioParser) duration(n ast.Node, what string) (time.Duration, bool) {
	s, ok := unwrap(n).(ast.ScalarNode)
	if !ok || isNull(n) {
		p.errAt(n, "%s must be a duration such as 500ms or 2s, not %s", what, describe(n))
		return 0, false
	}
	text := strings.TrimSpace(fmt.Sprint(s.GetValue()))
	d, err := time.ParseDuration(text)
	if err != nil {
		p.errAt(n, "bad duration %q for %s: expected a number with a unit, such as 500ms, 2s or 1m30s", text, what)
		return 0, false
	}
	if d > maxRunFor || d < -maxRunFor {
		p.errAt(n, "%s of %v is too long (at most %v)", what, d, maxRunFor)
		return 0, false
	}
	if d%time.Microsecond != 0 { // the simulator's clock ticks in whole microseconds
		p.errAt(n, "%s of %v is finer than the simulator's microsecond", what, d)
		return 0, false
	}
	return d, true
}

func (p *scenarioParser) list(n ast.Node, what string) []ast.Node {
	seq, ok := unwrap(n).(*ast.SequenceNode)
	if !ok {
		p.errAt(n, "%s must be a list (lines starting with - ), not %s", what, describe(n))
		return nil
	}
	return seq.Values
}

// fields reads a mapping whose keys must come from allowed; extra keys are
// errors unless rest is true, in which case they are returned in order.
func (p *scenarioParser) fields(n ast.Node, what string, allowed []string, rest bool) (map[string]ast.Node, []*ast.MappingValueNode, bool) {
	pairs, ok := mappingPairs(unwrap(n))
	if !ok {
		p.errAt(n, "%s takes a mapping of %s, not %s", what, strings.Join(allowed, ", "), describe(n))
		return nil, nil, false
	}
	out := map[string]ast.Node{}
	var extra []*ast.MappingValueNode
	good := true
	for _, kv := range pairs {
		k := keyName(kv)
		if _, dup := out[k]; dup {
			p.errAt(kv.Key, "%s: %s is given twice", what, k)
			good = false
			continue
		}
		if !contains(allowed, k) {
			if rest {
				extra = append(extra, kv)
				out[k] = kv.Value
				continue
			}
			p.errAt(kv.Key, "%s has no field %q (expected: %s)", what, k, strings.Join(allowed, ", "))
			good = false
			continue
		}
		out[k] = kv.Value
	}
	return out, extra, good
}

func nodeKind(n ast.Node) string {
	switch unwrap(n).(type) {
	case *ast.MappingNode, *ast.MappingValueNode:
		return "mapping"
	case *ast.SequenceNode:
		return "list"
	case *ast.NullNode, nil:
		return "nothing"
	}
	return "value"
}

func describe(n ast.Node) string {
	switch v := unwrap(n).(type) {
	case ast.ScalarNode:
		if _, null := v.(*ast.NullNode); !null {
			return fmt.Sprintf("%q", v.GetToken().Value)
		}
	}
	if k := nodeKind(n); k != "nothing" {
		return "a " + k
	}
	return "nothing"
}
