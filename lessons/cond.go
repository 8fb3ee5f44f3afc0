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
	src   string
	prog  *vm.Program
	cost  int       // a bound on the operations of one check (conditionCost)
	views viewsUsed // the processes whose view it reads (role, badge)
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

// Messages counts what the run put on the network (engine.World.Traffic):
// every copy a link carried, delivered or not.
type Messages struct {
	Total      int            `expr:"total"`
	Bytes      int            `expr:"bytes"`
	LastSecond int            `expr:"lastSecond"` // sent in the last second of virtual time
	Kind       map[string]int `expr:"kind"`       // by message kind
	From       map[string]int `expr:"from"`       // by sender
}

// builtinNames are the top-level names every scenario has; a cluster fact
// of the same name is hidden by them.
var builtinNames = []string{"step", "time", "violations", "violated", "inflight", "history", "messages", "nodes"}

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
	procs      []string
	nodeFields []factField
	nodeType   reflect.Type
	nodesType  reflect.Type
	// per process: where its facts come from, and for each of nodeFields
	// past the built-ins the source's struct field (-1: not its fact)
	procFacts []procFacts
	cluster   *kit.FactSource
	// clusterFacts[i] is the cluster source's struct field clusterIdx[i]
	clusterFacts []factField
	clusterIdx   []int
}

type procFacts struct {
	src   *kit.FactSource
	field []int
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
	// The setup the scenario picked declares the facts its processes show.
	c, err := pat.ClusterOf(cfg)
	if err != nil {
		return nil, err
	}
	if err := c.ValidateFacts(); err != nil {
		return nil, fmt.Errorf("pattern %s: %w", pat.ID, err)
	}
	s := &envSchema{cluster: c.ClusterFacts}
	s.procs = append(append([]string(nil), cfg.Nodes...), cfg.Clients...)
	nodeFacts, err := declared(append(append([]kit.FactDoc(nil), c.NodeFacts.Declared()...), c.ClientFacts.Declared()...), nodeBuiltinNames())
	if err != nil {
		return nil, fmt.Errorf("pattern %s: node %w", pat.ID, err)
	}
	clusterFacts, err := declared(c.ClusterFacts.Declared(), builtinNames)
	if err != nil {
		return nil, fmt.Errorf("pattern %s: cluster %w", pat.ID, err)
	}
	s.nodeFields = append(append([]factField(nil), nodeBuiltins...), nodeFacts...)
	s.clusterFacts = clusterFacts
	s.clusterIdx = fieldsOf(c.ClusterFacts, clusterFacts)
	nodeIdx, clientIdx := fieldsOf(c.NodeFacts, nodeFacts), fieldsOf(c.ClientFacts, nodeFacts)
	for range cfg.Nodes {
		s.procFacts = append(s.procFacts, procFacts{c.NodeFacts, nodeIdx})
	}
	for range cfg.Clients {
		s.procFacts = append(s.procFacts, procFacts{c.ClientFacts, clientIdx})
	}
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

// fieldsOf maps each of fields to the struct field of src that holds it
// (-1 when src does not declare it).
func fieldsOf(src *kit.FactSource, fields []factField) []int {
	out := make([]int, len(fields))
	for i, f := range fields {
		out[i] = -1
		for _, d := range src.Declared() {
			if d.Name == f.name {
				out[i] = d.Field
			}
		}
	}
	return out
}

var declaredTypes = map[string]reflect.Type{
	kit.FactInt: reflect.TypeFor[int](), kit.FactFloat: reflect.TypeFor[float64](),
	kit.FactString: reflect.TypeFor[string](), kit.FactBool: reflect.TypeFor[bool](),
	kit.FactIntMap: reflect.TypeFor[map[string]int](), kit.FactFloatMap: reflect.TypeFor[map[string]float64](),
	kit.FactStringMap: reflect.TypeFor[map[string]string](), kit.FactBoolMap: reflect.TypeFor[map[string]bool](),
}

// set stores a fact read from a pattern's struct field: every integer
// becomes an int and every float a float64, so a pattern may keep int64 or
// uint generations and a condition still compares them with 2.
func set(field, val reflect.Value) {
	switch {
	case val.Type() == field.Type():
		field.Set(val)
	case val.CanInt():
		field.SetInt(val.Int())
	case val.CanUint():
		field.SetInt(int64(val.Uint()))
	case val.CanFloat():
		field.SetFloat(val.Float())
	}
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
		"history": History{}, "messages": Messages{Kind: map[string]int{}, From: map[string]int{}}, "nodes": reflect.New(s.nodesType).Elem().Interface(),
	}
	for _, f := range s.clusterFacts {
		env[f.name] = zeroOf(f.typ)
	}
	return env
}

func messagesOf(w *engine.World) Messages {
	t := w.Traffic()
	m := Messages{Total: int(t.Total.Messages), Bytes: int(t.Total.Bytes), LastSecond: int(t.LastSecond.Messages),
		Kind: make(map[string]int, len(t.Kinds)), From: make(map[string]int, len(t.Nodes))}
	for _, k := range t.Kinds {
		m.Kind[k.Kind] = int(k.Sent.Messages)
	}
	for _, n := range t.Nodes {
		m.From[n.ID] = int(n.Sent.Messages)
	}
	return m
}

func zeroOf(t reflect.Type) any { return reflect.Zero(t).Interface() }

// env builds the environment of the cluster as it is now. Facts come from
// the pattern's fact functions; a process's view is rendered only when
// views says the condition reads its role or badge.
func (s *envSchema) env(sim *engine.Sim, views viewsUsed) map[string]any {
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
	env["messages"] = Messages{}
	if views.all || views.messages {
		env["messages"] = messagesOf(w)
	}
	nodes := reflect.New(s.nodesType).Elem()
	for i, id := range s.procs {
		st := w.Status(id)
		if st == "" {
			continue
		}
		n := nodes.Field(i)
		n.Field(0).SetString(string(st))
		n.Field(1).SetBool(st == engine.StatusUp)
		if views.reads(i) {
			v, _ := sim.NodeView(id)
			n.Field(2).SetString(v.Role)
			n.Field(3).SetString(v.Badge)
		}
		// the clock as the panel shows it, to the millisecond
		secs, _ := strconv.ParseFloat(strconv.FormatFloat(w.Clock(id).Seconds(), 'f', 3, 64), 64)
		n.Field(4).SetFloat(secs)
		pf := s.procFacts[i]
		facts, ok := pf.src.Of(w, id)
		if !ok {
			continue // a crashed process: its facts read as zero values
		}
		for j := len(nodeBuiltins); j < len(s.nodeFields); j++ {
			if k := pf.field[j-len(nodeBuiltins)]; k >= 0 {
				set(n.Field(j), facts.Field(k))
			}
		}
	}
	env["nodes"] = nodes.Interface()
	cf, ok := s.cluster.Of(w, "")
	for i, f := range s.clusterFacts {
		v := reflect.New(f.typ).Elem()
		if ok {
			set(v, cf.Field(s.clusterIdx[i]))
		}
		env[f.name] = v.Interface()
	}
	return env
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
		return &condition{src: src, prog: prog, cost: cost, views: s.viewsRead(src)}, nil
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
	env := s.env(sim, c.views)
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
	env := s.env(sim, viewsUsed{all: true})
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

// viewsUsed says which processes' views a condition reads: role and badge
// come from a process's view, which is costly to render after every step,
// so only the processes a condition names with .role or .badge are
// rendered (all of them when it reaches nodes by a computed name).
type viewsUsed struct {
	all      bool
	procs    []bool // by position in envSchema.procs
	messages bool   // the traffic counters, added up only when read
}

func (v viewsUsed) reads(i int) bool { return v.all || i < len(v.procs) && v.procs[i] }

// viewsRead finds the views a compiled condition can read.
func (s *envSchema) viewsRead(src string) viewsUsed {
	tree, err := exprparser.Parse(src)
	if err != nil {
		return viewsUsed{all: true}
	}
	f := &viewFinder{}
	exprast.Walk(&tree.Node, f)
	out := viewsUsed{procs: make([]bool, len(s.procs)), messages: f.messages}
	// nodes reached other than as nodes.<name>, or nodes.<name> used
	// other than for a named fact: any view may be read.
	out.all = f.nodesIdents > len(f.named)
	for _, m := range f.named {
		prop, ok := f.factOf[m]
		if ok && prop != "role" && prop != "badge" {
			continue
		}
		if i := indexOf(s.procs, m.Property.(*exprast.StringNode).Value); i >= 0 {
			out.procs[i] = true
		} else {
			out.all = true
		}
	}
	return out
}

// viewFinder collects the nodes.<name> members of an expression and the
// fact each is followed by (.role, .generation...).
type viewFinder struct {
	messages    bool
	nodesIdents int
	named       []*exprast.MemberNode          // nodes.<name>
	factOf      map[*exprast.MemberNode]string // nodes.<name> -> the fact read from it by name
}

func (f *viewFinder) Visit(node *exprast.Node) {
	switch n := (*node).(type) {
	case *exprast.IdentifierNode:
		if n.Value == "nodes" {
			f.nodesIdents++
		}
		f.messages = f.messages || n.Value == "messages"
	case *exprast.MemberNode:
		if isNodesName(n) {
			f.named = append(f.named, n)
			return
		}
		inner, ok := n.Node.(*exprast.MemberNode)
		prop, ok2 := n.Property.(*exprast.StringNode)
		if ok && ok2 && isNodesName(inner) {
			if f.factOf == nil {
				f.factOf = map[*exprast.MemberNode]string{}
			}
			f.factOf[inner] = prop.Value
		}
	}
}

// isNodesName reports whether m is nodes.<name> with a literal name.
func isNodesName(m *exprast.MemberNode) bool {
	id, ok := m.Node.(*exprast.IdentifierNode)
	_, named := m.Property.(*exprast.StringNode)
	return ok && id.Value == "nodes" && named
}

func indexOf(list []string, s string) int {
	for i, x := range list {
		if x == s {
			return i
		}
	}
	return -1
}
