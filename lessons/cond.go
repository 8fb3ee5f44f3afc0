package lessons

import (
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"clusterscope/engine"
	"clusterscope/patterns"
	"clusterscope/patterns/kit"

	"github.com/expr-lang/expr"
	exprast "github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/file"
	exprparser "github.com/expr-lang/expr/parser"
	"github.com/expr-lang/expr/vm"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/token"
)

// A condition is an expr-lang expression over the cluster at the current
// step. The names it may use (documented in README.md):
//
//	step, time, violations, violated, inflight, history.{total, ok, acked,
//	failed, unknown, pending}, nodes.<id>.{status, up, role, badge, clock,
//	<facts>}, and the pattern's cluster facts (leader, generation...).
//
// nodes and each node are Go structs made at load time with one field per
// process and per fact, so a misspelt node or fact is a compile error with a
// place, not a silent nil at run time.
type condition struct {
	src  string
	prog *vm.Program
	cost int // a bound on the operations of one check (conditionCost)
}

// History counts the client operations so far by outcome.
type History struct {
	Total   int `expr:"total"`
	OK      int `expr:"ok"`
	Acked   int `expr:"acked"` // the same as ok: the client got a success
	Failed  int `expr:"failed"`
	Unknown int `expr:"unknown"` // timed out: may or may not have happened
	Pending int `expr:"pending"`
}

// builtinNames are the top-level names every scenario has; a cluster fact
// of the same name is hidden by them.
var builtinNames = []string{"step", "time", "violations", "violated", "inflight", "history", "nodes"}

// nodeBuiltins are the fields every node has, before the pattern's facts.
var nodeBuiltins = []factField{
	{name: "status", typ: reflect.TypeOf("")},
	{name: "up", typ: reflect.TypeOf(false)},
	{name: "role", typ: reflect.TypeOf("")},
	{name: "badge", typ: reflect.TypeOf("")},
	{name: "clock", typ: reflect.TypeOf(0.0)},
}

type factField struct {
	name string
	typ  reflect.Type
}

// envSchema is the shape of a scenario's condition environment.
type envSchema struct {
	procs        []string
	nodeFields   []factField
	nodeType     reflect.Type
	nodesType    reflect.Type
	clusterFacts []factField
	facts        func(w *engine.World) map[string]any
}

var identRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// exprReserved are words expr reads as operators or literals.
var exprReserved = map[string]bool{"and": true, "or": true, "not": true, "in": true, "matches": true, "contains": true,
	"startsWith": true, "endsWith": true, "nil": true, "true": true, "false": true, "let": true, "if": true, "else": true}

// newEnvSchema builds the condition environment of a scenario from the
// facts its pattern declares (kit.Cluster NodeFacts, ClientFacts and
// ClusterFacts). Servers and clients share one node type, so a condition
// may read any node's fact; one a process does not show reads as zero.
func newEnvSchema(pat *patterns.Pattern, cfg engine.Config) (*envSchema, error) {
	c := pat.Cluster
	if err := c.ValidateFacts(); err != nil {
		return nil, fmt.Errorf("pattern %s: %w", pat.ID, err)
	}
	s := &envSchema{facts: c.Facts}
	s.procs = append(append([]string(nil), cfg.Nodes...), cfg.Clients...)
	nodeFacts, err := declared(append(append([]kit.FactDoc(nil), c.NodeFacts...), c.ClientFacts...), nodeBuiltinNames())
	if err != nil {
		return nil, fmt.Errorf("pattern %s: node %w", pat.ID, err)
	}
	clusterFacts, err := declared(c.ClusterFacts, builtinNames)
	if err != nil {
		return nil, fmt.Errorf("pattern %s: cluster %w", pat.ID, err)
	}
	s.nodeFields = append(append([]factField(nil), nodeBuiltins...), nodeFacts...)
	s.clusterFacts = clusterFacts
	s.nodeType = structOf(s.nodeFields)
	procFields := make([]factField, len(s.procs))
	for i, id := range s.procs {
		procFields[i] = factField{name: id, typ: s.nodeType}
	}
	s.nodesType = structOf(procFields)
	return s, nil
}

func nodeBuiltinNames() []string {
	out := make([]string, len(nodeBuiltins))
	for i, f := range nodeBuiltins {
		out[i] = f.name
	}
	return out
}

// declared turns a declaration into typed fields, sorted by name; a name
// declared twice (for servers and for clients) is one field. A name a
// condition cannot spell, or one the scenario itself defines, is an error.
func declared(docs []kit.FactDoc, reserved []string) ([]factField, error) {
	types := map[string]reflect.Type{}
	for _, d := range docs {
		if !identRE.MatchString(d.Name) || exprReserved[d.Name] || contains(reserved, d.Name) {
			return nil, fmt.Errorf("fact %q cannot be used in a condition (not a plain name, or taken by a built-in)", d.Name)
		}
		t := declaredTypes[d.Type]
		if t == nil {
			return nil, fmt.Errorf("fact %q has unknown type %q", d.Name, d.Type)
		}
		types[d.Name] = t
	}
	return sortedFields(types), nil
}

var declaredTypes = map[string]reflect.Type{
	kit.FactInt: reflect.TypeOf(0), kit.FactFloat: reflect.TypeOf(0.0),
	kit.FactString: reflect.TypeOf(""), kit.FactBool: reflect.TypeOf(false),
}

// normalize makes every integer an int and every float a float64, so a
// pattern may expose int64 or uint generations and still compare with 2.
func normalize(v any) any {
	switch x := v.(type) {
	case int8, int16, int32, int64:
		return int(reflect.ValueOf(x).Int())
	case uint, uint8, uint16, uint32, uint64:
		return int(reflect.ValueOf(x).Uint())
	case float32:
		return float64(x)
	}
	return v
}

func sortedFields(m map[string]reflect.Type) []factField {
	out := make([]factField, 0, len(m))
	for k, t := range m {
		out = append(out, factField{name: k, typ: t})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

func structOf(fields []factField) reflect.Type {
	sf := make([]reflect.StructField, len(fields))
	for i, f := range fields {
		sf[i] = reflect.StructField{Name: "F" + strconv.Itoa(i), Type: f.typ, Tag: reflect.StructTag(`expr:"` + f.name + `"`)}
	}
	return reflect.StructOf(sf)
}

// sampleEnv is an environment of zero values with the right types, for
// compiling.
func (s *envSchema) sampleEnv() map[string]any {
	env := map[string]any{
		"step": 0, "time": 0.0, "violations": 0, "violated": []string{}, "inflight": 0,
		"history": History{}, "nodes": reflect.New(s.nodesType).Elem().Interface(),
	}
	for _, f := range s.clusterFacts {
		env[f.name] = zeroOf(f.typ)
	}
	return env
}

func zeroOf(t reflect.Type) any { return reflect.Zero(t).Interface() }

// env builds the environment of the cluster as it is now.
func (s *envSchema) env(sim *engine.Sim) (map[string]any, error) {
	w := sim.World()
	env := map[string]any{
		"step":       sim.StepCount(),
		"time":       sim.Now().Seconds(),
		"violations": len(sim.Violations()),
		"inflight":   len(sim.InFlight()),
	}
	violated := []string{}
	for _, v := range sim.Violations() {
		violated = append(violated, v.Invariant)
	}
	env["violated"] = violated
	var h History
	for _, op := range sim.History() {
		h.Total++
		switch op.Status {
		case engine.OpOK:
			h.OK++
		case engine.OpFail:
			h.Failed++
		case engine.OpUnknown:
			h.Unknown++
		default:
			h.Pending++
		}
	}
	h.Acked = h.OK
	env["history"] = h
	nodes := reflect.New(s.nodesType).Elem()
	for i, id := range s.procs {
		v, ok := sim.NodeView(id)
		if !ok {
			continue
		}
		n := nodes.Field(i)
		n.Field(0).SetString(v.Status)
		n.Field(1).SetBool(v.Status == "up")
		n.Field(2).SetString(v.Role)
		n.Field(3).SetString(v.Badge)
		secs, _ := strconv.ParseFloat(strings.TrimSuffix(v.Clock, "s"), 64)
		n.Field(4).SetFloat(secs)
		for j := len(nodeBuiltins); j < len(s.nodeFields); j++ {
			f := s.nodeFields[j]
			val, ok := v.Facts[f.name]
			if !ok {
				continue // a crashed node, or a fact only some roles have: zero value
			}
			if err := set(n.Field(j), val); err != nil {
				return nil, fmt.Errorf("fact %s of %s: %w", f.name, id, err)
			}
		}
	}
	env["nodes"] = nodes.Interface()
	var cf map[string]any
	if s.facts != nil {
		cf = s.facts(w)
	}
	for _, f := range s.clusterFacts {
		val, ok := cf[f.name]
		if !ok {
			env[f.name] = zeroOf(f.typ)
			continue
		}
		val = normalize(val)
		if reflect.TypeOf(val) != f.typ {
			return nil, fmt.Errorf("cluster fact %s is %T but is declared %v", f.name, val, f.typ)
		}
		env[f.name] = val
	}
	return env, nil
}

func set(field reflect.Value, val any) error {
	val = normalize(val)
	if val == nil {
		return nil
	}
	rv := reflect.ValueOf(val)
	if !rv.Type().AssignableTo(field.Type()) {
		return fmt.Errorf("is %T but is declared %v", val, field.Type())
	}
	field.Set(rv)
	return nil
}

// compile checks and compiles a condition, reporting a problem at its place
// in the file: the YAML node's position plus the column inside the
// expression.
func (s *envSchema) compile(src string) (*condition, *file.Error) {
	if strings.TrimSpace(src) == "" {
		return nil, &file.Error{Message: "the condition is empty"}
	}
	cost, fe := conditionCost(src)
	if fe != nil {
		return nil, fe
	}
	prog, err := expr.Compile(src, conditionOptions(s.sampleEnv())...)
	if err == nil {
		return &condition{src: src, prog: prog, cost: cost}, nil
	}
	if named := s.checkNames(src); named != nil {
		return nil, named
	}
	if errors.As(err, &fe) {
		return nil, fe
	}
	return nil, &file.Error{Message: err.Error()}
}

// checkNames walks the expression for nodes.<id>.<fact> and reports an
// unknown node or fact in words (expr's own message names the Go struct).
func (s *envSchema) checkNames(src string) *file.Error {
	tree, err := exprparser.Parse(src)
	if err != nil {
		return nil
	}
	var found *file.Error
	v := &nameChecker{s: s, src: src, found: &found}
	exprast.Walk(&tree.Node, v)
	return found
}

type nameChecker struct {
	s     *envSchema
	src   string
	found **file.Error
}

func (c *nameChecker) Visit(node *exprast.Node) {
	if *c.found != nil {
		return
	}
	m, ok := (*node).(*exprast.MemberNode)
	if !ok {
		return
	}
	prop, ok := m.Property.(*exprast.StringNode)
	if !ok {
		return
	}
	fail := func(msg string) {
		e := &file.Error{Location: m.Property.Location(), Message: msg}
		*c.found = e.Bind(file.NewSource(c.src))
	}
	if id, ok := m.Node.(*exprast.IdentifierNode); ok && id.Value == "nodes" {
		if !contains(c.s.procs, prop.Value) {
			fail(fmt.Sprintf("no node called %q (nodes: %s)", prop.Value, strings.Join(c.s.procs, ", ")))
		}
		return
	}
	inner, ok := m.Node.(*exprast.MemberNode)
	if !ok {
		return
	}
	if id, ok := inner.Node.(*exprast.IdentifierNode); ok && id.Value == "nodes" {
		names := make([]string, len(c.s.nodeFields))
		for i, f := range c.s.nodeFields {
			names[i] = f.name
		}
		if !contains(names, prop.Value) {
			fail(fmt.Sprintf("nodes have no fact %q (they have: %s)", prop.Value, strings.Join(names, ", ")))
		}
	}
}

// condition compiles the expression written at node n.
func (p *scenarioParser) condition(n ast.Node, src string) *condition {
	if p.sc.env == nil {
		return nil
	}
	c, fe := p.sc.env.compile(src)
	if fe == nil {
		return c
	}
	e := at(p.file, n, "bad expression %q: %s", src, fe.Message)
	if e.Line > 0 && fe.Line > 0 {
		if fe.Line == 1 && !strings.Contains(src, "\n") {
			if tk := unwrap(n).GetToken(); tk != nil && (tk.Type == token.SingleQuoteType || tk.Type == token.DoubleQuoteType) {
				e.Col++ // the opening quote
			}
			e.Col += fe.Column
		} else {
			e.Msg += fmt.Sprintf(" (line %d, column %d of the expression)", fe.Line, fe.Column+1)
		}
	}
	p.errs = append(p.errs, e)
	return nil
}

// eval runs the condition against the cluster now.
func (c *condition) eval(s *envSchema, sim *engine.Sim) (bool, error) {
	env, err := s.env(sim)
	if err != nil {
		return false, err
	}
	machine := vm.VM{MemoryBudget: maxConditionMemory}
	out, err := machine.Run(c.prog, env)
	if err != nil {
		var fe *file.Error
		if errors.As(err, &fe) {
			return false, errors.New(fe.Message)
		}
		return false, err
	}
	b, _ := out.(bool)
	return b, nil
}

// explain lists the values of the names a condition reads, for a failure
// message: "leader = athens, nodes.cyrene.generation = 1".
func (c *condition) explain(s *envSchema, sim *engine.Sim) string {
	tree, err := exprparser.Parse(c.src)
	if err != nil {
		return ""
	}
	env, err := s.env(sim)
	if err != nil {
		return err.Error()
	}
	col := &refCollector{}
	exprast.Walk(&tree.Node, col)
	var parts []string
	seen := map[string]bool{}
	for _, ref := range col.refs {
		if seen[ref] {
			continue
		}
		seen[ref] = true
		v, err := expr.Eval(ref, env)
		if err != nil {
			continue
		}
		if s, ok := v.(string); ok {
			v = strconv.Quote(s)
		}
		if h, ok := v.(History); ok {
			v = fmt.Sprintf("{total %d, ok %d, failed %d, unknown %d, pending %d}", h.Total, h.OK, h.Failed, h.Unknown, h.Pending)
		}
		parts = append(parts, fmt.Sprintf("%s = %v", ref, v))
	}
	return strings.Join(parts, ", ")
}

// refCollector gathers the outermost name paths in an expression
// (leader, nodes.cyrene.generation).
type refCollector struct {
	refs []string
}

func (r *refCollector) Visit(node *exprast.Node) {
	// Walk visits children first, so the outermost chain comes last; keep a
	// path only when no longer chain already contains it.
	switch n := (*node).(type) {
	case *exprast.IdentifierNode, *exprast.MemberNode:
		if m, ok := n.(*exprast.MemberNode); ok {
			if _, ok := m.Property.(*exprast.StringNode); !ok {
				return
			}
		}
		path := (*node).String()
		// Drop any inner prefix collected before this longer path.
		kept := r.refs[:0]
		for _, ref := range r.refs {
			if !strings.HasPrefix(path, ref+".") && ref != path {
				kept = append(kept, ref)
			}
		}
		r.refs = append(kept, path)
	}
}
