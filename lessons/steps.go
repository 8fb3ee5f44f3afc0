package lessons

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"clusterscope/engine"
	"clusterscope/patterns/kit"

	"github.com/goccy/go-yaml/ast"
)

// stepKinds are the keys a step may start with: the scenario's own, then
// every engine command (engine.Commands), whose parsing and export live
// below and in export.go; TestEveryCommandRoundTrips checks both.
var stepKinds = func() []string {
	kinds := []string{"say", "run", "pause", "expect", StepCompare, StepFindFailure}
	for _, c := range engine.Commands {
		if !slices.Contains(kinds, c.Kind) {
			kinds = append(kinds, c.Kind)
		}
	}
	return kinds
}()

func (p *scenarioParser) step(item ast.Node) (Step, bool) {
	n := unwrap(item)
	var key string
	var val ast.Node
	var keyNode ast.Node = n
	switch v := n.(type) {
	case *ast.StringNode: // "- heal"
		key = v.Value
		if key != "heal" && slices.Contains(stepKinds, key) {
			p.errAt(item, "%s needs a value, such as %s: ...", key, key)
			return Step{}, false
		}
	default:
		pairs, ok := mappingPairs(n)
		if !ok || len(pairs) != 1 {
			if ok && len(pairs) > 1 {
				p.errAt(pairs[1].Key, "one step per list item: %q and %q are two steps; start each with its own -", keyName(pairs[0]), keyName(pairs[1]))
			} else {
				p.errAt(item, "a step is one key and its value, such as say: ..., run: 2s or crash: athens; not %s", describe(item))
			}
			return Step{}, false
		}
		key, val, keyNode = keyName(pairs[0]), pairs[0].Value, pairs[0].Key
	}
	st := Step{}
	if tk := keyNode.GetToken(); tk != nil && tk.Position != nil {
		st.Line, st.Col = tk.Position.Line, tk.Position.Column
	}
	before := len(p.errs)
	switch key {
	case "say":
		st.Kind = StepSay
		st.Text, _ = p.text(val, "say")
		st.HTML = renderMarkdown(st.Text)
	case "run":
		st.Kind = StepRun
		st.Run = p.run(val)
	case "expect":
		st.Kind = StepExpect
		st.Expect = p.expect(val)
	case StepCompare:
		st.Kind = StepCompare
		st.Compare = p.compare(val)
	case StepFindFailure:
		st.Kind = StepFindFailure
		st.FindFailure = p.findFailure(val)
	case "pause":
		if m, ok := mappingPairs(unwrap(val)); ok && hasKey(m, "question") {
			st.Kind = StepQuestion
			st.Question = p.question(val)
			break
		}
		st.Kind = StepCommand
		st.Command = p.nodeCommand(engine.CmdPause, val)
	case engine.CmdCrash, engine.CmdRestart, engine.CmdResume, engine.CmdJoin, engine.CmdLeave:
		st.Kind = StepCommand
		st.Command = p.nodeCommand(key, val)
	case "deliver", "drop", "duplicate":
		st.Kind = StepCommand
		st.Command, st.Select = p.message(key, val)
	default:
		c := p.command(key, val, keyNode)
		if c == nil {
			return Step{}, false
		}
		st.Kind = StepCommand
		st.Command = c
	}
	return st, len(p.errs) == before
}

// compare reads "compare: on" / "off", or "compare: {variants: [...]}".
func (p *scenarioParser) compare(n ast.Node) *CompareSpec {
	if _, ok := unwrap(n).(*ast.MappingNode); !ok {
		on, _ := p.boolean(n, "compare")
		return &CompareSpec{On: on}
	}
	f, _, ok := p.fields(n, "compare", []string{"variants"}, false)
	if !ok {
		return nil
	}
	c := &CompareSpec{On: true}
	if f["variants"] == nil {
		return c
	}
	for _, item := range p.list(f["variants"], "compare variants") {
		name, ok := p.text(item, "variant")
		if !ok {
			continue
		}
		if !p.sc.pattern.HasVariant(name) {
			p.errAt(item, "%s has no variant %q (it has: %s)", p.sc.pattern.Title, name, variantNames(p.sc.pattern))
			continue
		}
		c.Variants = append(c.Variants, name)
	}
	return c
}

// findFailure reads "find-failure: {seeds: N}".
func (p *scenarioParser) findFailure(n ast.Node) *FindFailureSpec {
	f, _, ok := p.fields(n, StepFindFailure, []string{"seeds"}, false)
	if !ok {
		return nil
	}
	if f["seeds"] == nil {
		p.errAt(n, "find-failure needs seeds: how many schedules to try (1 to %d)", MaxFindFailureSeeds)
		return nil
	}
	seeds, ok := p.integer(f["seeds"], "seeds")
	if !ok {
		return nil
	}
	if seeds < 1 || seeds > MaxFindFailureSeeds {
		p.errAt(f["seeds"], "find-failure: seeds is %d; it takes 1 to %d", seeds, MaxFindFailureSeeds)
		return nil
	}
	return &FindFailureSpec{Seeds: int(seeds)}
}

func hasKey(pairs []*ast.MappingValueNode, k string) bool {
	for _, kv := range pairs {
		if keyName(kv) == k {
			return true
		}
	}
	return false
}

func (p *scenarioParser) run(n ast.Node) *RunSpec {
	if isNull(n) {
		p.errAt(n, "run needs a duration (run: 2s) or a mapping (run: {until: ..., limit: 10s})")
		return nil
	}
	if _, ok := unwrap(n).(ast.ScalarNode); ok {
		d, ok := p.duration(n, "run")
		if ok && d <= 0 {
			p.errAt(n, "run: the duration must be more than zero")
		}
		return &RunSpec{For: engine.Duration(d)}
	}
	f, _, ok := p.fields(n, "run", []string{"until", "limit", "steps", "step", "time"}, false)
	if !ok {
		return nil
	}
	r := &RunSpec{}
	switch {
	case f["until"] != nil:
		if f["steps"] != nil || f["step"] != nil || f["time"] != nil {
			p.errAt(n, "run: give until (with an optional limit), steps, or step (with an optional time), not several")
			return nil
		}
		src, ok := p.text(f["until"], "until")
		if !ok {
			return nil
		}
		r.Until = src
		r.until = p.condition(f["until"], src)
		r.Limit = engine.Duration(defaultLimit)
		if ln := f["limit"]; ln != nil {
			d, ok := p.duration(ln, "limit")
			if ok && d <= 0 {
				p.errAt(ln, "limit must be more than zero")
			}
			r.Limit = engine.Duration(d)
		}
	case f["steps"] != nil:
		if f["step"] != nil || f["time"] != nil || f["limit"] != nil {
			p.errAt(n, "run: steps stands alone (no step, time or limit beside it)")
			return nil
		}
		v, ok := p.integer(f["steps"], "steps")
		if ok && (v < 1 || v > engine.MaxReplaySteps) {
			p.errAt(f["steps"], "steps must be 1..%d", engine.MaxReplaySteps)
		}
		r.Steps = int(v)
	case f["step"] != nil:
		if f["limit"] != nil {
			p.errAt(f["limit"], "run: limit goes with until, not with step")
			return nil
		}
		v, ok := p.integer(f["step"], "step")
		if ok && (v < 0 || v > engine.MaxReplaySteps) {
			p.errAt(f["step"], "step must be 0..%d", engine.MaxReplaySteps)
		}
		r.ToStep = int(v)
		if tn := f["time"]; tn != nil {
			d, ok := p.duration(tn, "time")
			if ok && d < 0 {
				p.errAt(tn, "time must not be negative")
			}
			r.Time = engine.Duration(d)
		}
	default:
		p.errAt(n, "run needs until, steps or step")
		return nil
	}
	return r
}

func (p *scenarioParser) expect(n ast.Node) *Expect {
	e := &Expect{}
	src := n
	if _, ok := unwrap(n).(ast.ScalarNode); !ok {
		f, _, ok := p.fields(n, "expect", []string{"condition", "message"}, false)
		if !ok {
			return nil
		}
		if f["condition"] == nil {
			p.errAt(n, "expect needs a condition")
			return nil
		}
		src = f["condition"]
		if m := f["message"]; m != nil {
			e.Message, _ = p.text(m, "message")
		}
	}
	text, ok := p.text(src, "expect")
	if !ok {
		return nil
	}
	e.Condition = text
	e.cond = p.condition(src, text)
	return e
}

func (p *scenarioParser) question(n ast.Node) *Question {
	f, _, ok := p.fields(n, "pause", []string{"question", "choices", "answer", "explain"}, false)
	if !ok {
		return nil
	}
	q := &Question{Answer: -1}
	q.Text, _ = p.text(f["question"], "question")
	q.HTML = renderMarkdown(q.Text)
	if f["choices"] == nil {
		p.errAt(n, "a question needs choices: a list of at least two answers")
		return q
	}
	for _, c := range p.list(f["choices"], "choices") {
		if s, ok := p.text(c, "a choice"); ok {
			q.Choices = append(q.Choices, s)
		}
	}
	if len(q.Choices) < 2 {
		p.errAt(f["choices"], "a question needs at least two choices")
	}
	an := f["answer"]
	if an == nil {
		p.errAt(n, "a question needs an answer: the text of the right choice, or its number counted from 1")
		return q
	}
	if a, ok := p.text(an, "answer"); ok {
		for i, c := range q.Choices {
			if c == a {
				q.Answer = i
			}
		}
		if _, isInt := unwrap(an).(*ast.IntegerNode); q.Answer < 0 && isInt {
			var i int
			fmt.Sscan(a, &i)
			if i >= 1 && i <= len(q.Choices) {
				q.Answer = i - 1
			}
		}
		if q.Answer < 0 {
			p.errAt(an, "the answer %q is not one of the choices (give its text, or its number from 1 to %d)", a, len(q.Choices))
		}
	}
	if e := f["explain"]; e != nil {
		q.Explain, _ = p.text(e, "explain")
		q.ExplainHTML = renderMarkdown(q.Explain)
	}
	return q
}

// ---- commands ----

// process checks that a node names a process of this scenario.
func (p *scenarioParser) process(n ast.Node, what string) (string, bool) {
	name, ok := p.text(n, what)
	if !ok {
		return "", false
	}
	if !p.procs[name] {
		p.errAt(n, "unknown node %q for %s (this scenario has: %s)", name, what, nameList(p.procs))
		return "", false
	}
	return name, true
}

func (p *scenarioParser) nodeCommand(kind string, n ast.Node) *engine.Command {
	target := n
	if _, scalar := unwrap(n).(ast.ScalarNode); !scalar || isNull(n) {
		f, _, ok := p.fields(n, kind, []string{"node"}, false)
		if !ok {
			return nil
		}
		if f["node"] == nil {
			p.errAt(n, "%s needs a node, e.g. %s: athens", kind, kind)
			return nil
		}
		target = f["node"]
	}
	node, ok := p.process(target, kind)
	if !ok {
		return nil
	}
	return &engine.Command{Kind: kind, Node: node}
}

func (p *scenarioParser) message(kind string, n ast.Node) (*engine.Command, *MsgSelector) {
	c := &engine.Command{Kind: kind}
	if v, ok := unwrap(n).(*ast.IntegerNode); ok {
		id, ok := p.integer(v, "msg")
		if ok && id < 1 {
			p.errAt(n, "message ids start at 1")
		}
		c.Msg = uint64(id)
		return c, nil
	}
	if isNull(n) {
		p.errAt(n, "%s needs a message: {msg: 12} or {from: athens, to: byzantium, kind: AppendEntries}", kind)
		return nil, nil
	}
	f, _, ok := p.fields(n, kind, []string{"msg", "from", "to", "kind"}, false)
	if !ok {
		return nil, nil
	}
	if m := f["msg"]; m != nil {
		if len(f) > 1 {
			p.errAt(n, "%s: give msg alone, or pick by from/to/kind", kind)
		}
		id, ok := p.integer(m, "msg")
		if ok && id < 1 {
			p.errAt(m, "message ids start at 1")
		}
		c.Msg = uint64(id)
		return c, nil
	}
	sel := &MsgSelector{}
	if f["from"] != nil {
		sel.From, _ = p.process(f["from"], kind+" from")
	}
	if f["to"] != nil {
		sel.To, _ = p.process(f["to"], kind+" to")
	}
	if f["kind"] != nil {
		sel.Kind, _ = p.text(f["kind"], "kind")
	}
	if len(f) == 0 {
		p.errAt(n, "%s needs msg, or at least one of from, to, kind", kind)
	}
	return c, sel
}

func (p *scenarioParser) command(key string, n ast.Node, keyNode ast.Node) *engine.Command {
	switch key {
	case engine.CmdPartition:
		groupsNode := n
		if _, ok := mappingPairs(unwrap(n)); ok {
			f, _, ok := p.fields(n, key, []string{"groups"}, false)
			if !ok || f["groups"] == nil {
				if ok {
					p.errAt(n, "partition needs groups")
				}
				return nil
			}
			groupsNode = f["groups"]
		}
		c := &engine.Command{Kind: key}
		for _, g := range p.list(groupsNode, "partition") {
			var group []string
			for _, m := range p.list(g, "a partition group") {
				if id, ok := p.process(m, "partition"); ok {
					group = append(group, id)
				}
			}
			c.Groups = append(c.Groups, group)
		}
		if len(c.Groups) < 2 {
			p.errAt(groupsNode, "partition needs at least two groups, e.g. [[athens, byzantium], [cyrene]]")
		}
		return c
	case engine.CmdCut, engine.CmdHeal, engine.CmdReset:
		c := &engine.Command{Kind: key}
		if key == engine.CmdHeal && isNull(n) {
			return c
		}
		f, _, ok := p.fields(n, key, []string{"from", "to"}, false)
		if !ok {
			return nil
		}
		if f["from"] == nil || f["to"] == nil {
			p.errAt(n, "%s needs both from and to", key)
			return nil
		}
		c.From, _ = p.process(f["from"], key+" from")
		c.To, _ = p.process(f["to"], key+" to")
		return c
	case engine.CmdOffset, engine.CmdJump, engine.CmdDrift:
		unit := "by"
		if key == engine.CmdDrift {
			unit = "ppm"
		}
		f, _, ok := p.fields(n, key, []string{"node", unit}, false)
		if !ok {
			return nil
		}
		if f["node"] == nil || f[unit] == nil {
			p.errAt(n, "%s needs node and %s", key, unit)
			return nil
		}
		c := &engine.Command{Kind: key}
		c.Node, _ = p.process(f["node"], key)
		if key == engine.CmdDrift {
			v, _ := p.integer(f[unit], "ppm")
			c.PPM = v
		} else {
			d, _ := p.duration(f[unit], key)
			c.Dur = engine.Duration(d)
		}
		return c
	case engine.CmdManual:
		on, ok := p.boolean(n, "manual")
		if !ok {
			return nil
		}
		return &engine.Command{Kind: key, On: on}
	case engine.CmdDisk:
		f, _, ok := p.fields(n, key, []string{"node", "fault", "value", "dur", "file"}, false)
		if !ok {
			return nil
		}
		if f["node"] == nil || f["fault"] == nil {
			p.errAt(n, "disk needs node and fault (one of %v)", engine.DiskFaults)
			return nil
		}
		c := &engine.Command{Kind: key}
		c.Node, _ = p.process(f["node"], key)
		c.Name, _ = p.text(f["fault"], "fault")
		if !slices.Contains(engine.DiskFaults, c.Name) {
			p.errAt(f["fault"], "disk: no fault %q (there are: %v)", c.Name, engine.DiskFaults)
		}
		if f["value"] != nil {
			v, ok := p.integer(f["value"], "value")
			if ok && (v < 0 || v > 1<<40) {
				p.errAt(f["value"], "value must be ≥ 0")
			}
			c.Value = int(v)
		}
		if f["dur"] != nil {
			d, _ := p.duration(f["dur"], "dur")
			c.Dur = engine.Duration(d)
		}
		if f["file"] != nil {
			file, _ := p.text(f["file"], "file")
			c.Args = map[string]string{"file": file}
		}
		return c
	case engine.CmdDropNext:
		f, _, ok := p.fields(n, key, []string{"from", "to", "kind", "count"}, false)
		if !ok {
			return nil
		}
		c := &engine.Command{Kind: key, Count: 1}
		if f["from"] != nil {
			c.From, _ = p.process(f["from"], key+" from")
		}
		if f["to"] != nil {
			c.To, _ = p.process(f["to"], key+" to")
		}
		if f["kind"] != nil {
			c.MsgKind, _ = p.text(f["kind"], "kind")
		}
		if f["count"] != nil {
			v, ok := p.integer(f["count"], "count")
			if ok && (v < 1 || v > 1_000_000) {
				p.errAt(f["count"], "count must be 1..1000000")
			}
			c.Count = int(v)
		}
		return c
	case engine.CmdNetwork:
		f, _, ok := p.fields(n, key, []string{"from", "to", "min", "mean", "drop", "dup", "fifo", "bandwidth", "cost"}, false)
		if !ok {
			return nil
		}
		net := engine.DefaultNet
		if cl := p.sc.cluster; cl.DefaultDelay.MeanDelay > 0 {
			net = cl.DefaultDelay
		}
		c := &engine.Command{Kind: key, Net: &net}
		if f["from"] != nil {
			c.From, _ = p.process(f["from"], key+" from")
		}
		if f["to"] != nil {
			c.To, _ = p.process(f["to"], key+" to")
		}
		if f["min"] != nil {
			d, _ := p.duration(f["min"], "min")
			net.MinDelay = engine.Duration(d)
		}
		if f["mean"] != nil {
			d, _ := p.duration(f["mean"], "mean")
			net.MeanDelay = engine.Duration(d)
		}
		if f["drop"] != nil {
			net.DropPct, _ = p.number(f["drop"], "drop (percent)")
		}
		if f["dup"] != nil {
			net.DupPct, _ = p.number(f["dup"], "dup (percent)")
		}
		if f["fifo"] != nil {
			net.FIFO, _ = p.boolean(f["fifo"], "fifo")
		}
		if f["bandwidth"] != nil {
			v, ok := p.integer(f["bandwidth"], "bandwidth (bytes/s)")
			if ok && v < 0 {
				p.errAt(f["bandwidth"], "bandwidth must be ≥ 0 bytes/s (0: unlimited)")
			}
			net.Bandwidth = v
		}
		if f["cost"] != nil {
			d, ok := p.duration(f["cost"], "cost (per message)")
			if ok && (d < 0 || d > time.Hour) {
				p.errAt(f["cost"], "cost must be within 0..1h")
			}
			net.PerMsg = engine.Duration(d)
		}
		if net.MinDelay < 0 || net.MeanDelay < net.MinDelay || net.DropPct < 0 || net.DropPct > 100 || net.DupPct < 0 || net.DupPct > 100 {
			p.errAt(n, "network: need 0 ≤ min ≤ mean and drop, dup within 0..100")
		}
		return c
	case engine.CmdClient:
		return p.request(key, n, "client", "op")
	case engine.CmdAction:
		return p.request(key, n, "node", "name")
	case engine.CmdVariant:
		f, _, ok := p.fields(n, key, []string{"name", "on"}, false)
		if !ok {
			return nil
		}
		if f["name"] == nil || f["on"] == nil {
			p.errAt(n, "variant needs name and on (true or false)")
			return nil
		}
		c := &engine.Command{Kind: key}
		c.Name, _ = p.text(f["name"], "variant name")
		if c.Name != "" && !p.sc.pattern.HasVariant(c.Name) {
			p.errAt(f["name"], "%s has no variant %q (it has: %s)", p.sc.pattern.Title, c.Name, variantNames(p.sc.pattern))
		}
		c.On, _ = p.boolean(f["on"], "on")
		return c
	case engine.CmdParam:
		f, _, ok := p.fields(n, key, []string{"name", "value"}, false)
		if !ok {
			return nil
		}
		if f["name"] == nil || f["value"] == nil {
			p.errAt(n, "param needs name and value")
			return nil
		}
		c := &engine.Command{Kind: key}
		c.Name, _ = p.text(f["name"], "param name")
		cl := p.sc.cluster
		known := map[string]bool{}
		for k := range cl.Params {
			known[k] = true
		}
		for _, d := range cl.ParamDocs {
			known[d.Name] = true
		}
		if c.Name != "" && !known[c.Name] {
			p.errAt(f["name"], "%s has no setting %q (it has: %s)", p.sc.pattern.Title, c.Name, nameList(known))
		}
		v, ok := p.integer(f["value"], "value")
		if err := cl.CheckParam(c.Name, int(v)); ok && known[c.Name] && err != nil {
			p.errAt(f["value"], "param: %v", err)
		}
		c.Value = int(v)
		return c
	}
	p.errAt(keyNode, "unknown step %q (expected one of: %s)", key, strings.Join(stepKinds, ", "))
	return nil
}

// request reads a client operation or a node action: who and which
// operation, then its arguments, either under args: or written inline.
func (p *scenarioParser) request(kind string, n ast.Node, whoKey, opKey string) *engine.Command {
	f, extra, ok := p.fields(n, kind, []string{whoKey, opKey, "args"}, true)
	if !ok {
		return nil
	}
	if f[whoKey] == nil || f[opKey] == nil {
		p.errAt(n, "%s needs %s and %s", kind, whoKey, opKey)
		return nil
	}
	c := &engine.Command{Kind: kind}
	c.Node, _ = p.process(f[whoKey], kind)
	c.Name, _ = p.text(f[opKey], opKey)
	args := map[string]ast.Node{}
	keys := map[string]ast.Node{}
	var order []string
	if a := f["args"]; a != nil {
		pairs, ok := mappingPairs(unwrap(a))
		if !ok {
			p.errAt(a, "args is a mapping of names to values")
		}
		for _, kv := range pairs {
			args[keyName(kv)], keys[keyName(kv)] = kv.Value, kv.Key
			order = append(order, keyName(kv))
		}
	}
	for _, kv := range extra {
		k := keyName(kv)
		if _, dup := args[k]; dup {
			p.errAt(kv.Key, "%s: argument %s is given twice", kind, k)
		}
		args[k], keys[k] = kv.Value, kv.Key
		order = append(order, k)
	}
	// Check against what the pattern offers, when it says.
	target := kit.TargetNode
	if kind == engine.CmdClient {
		target = kit.TargetClient
	}
	var offered []string
	for _, a := range p.sc.cluster.Actions {
		if a.Target != target {
			continue
		}
		offered = append(offered, a.Name)
		if a.Name != c.Name {
			continue
		}
		params := map[string]kit.ParamType{}
		for _, prm := range a.Params {
			params[prm.Name] = prm.Type
		}
		for _, k := range order {
			typ, known := params[k]
			if !known {
				p.errAt(keys[k], "%s %s has no argument %q (it takes: %s)", kind, c.Name, k, nameList(params))
			} else if typ == kit.ParamNode {
				p.process(args[k], k)
			}
		}
	}
	if len(offered) > 0 && c.Name != "" && !contains(offered, c.Name) {
		sort.Strings(offered)
		p.errAt(f[opKey], "unknown %s operation %q (%s offers: %s)", kind, c.Name, p.sc.pattern.Title, strings.Join(offered, ", "))
	}
	if len(args) > 0 {
		c.Args = map[string]string{}
		for _, k := range order {
			v, _ := p.text(args[k], k)
			c.Args[k] = v
		}
	}
	return c
}

// describeCommand is a short human line for a command, used in transcripts
// and as exported narration placeholders: a message picked by a selector is
// described by the selector, since its id is not known when the file is written.
func describeCommand(c engine.Command, sel *MsgSelector) string {
	if sel != nil && (c.Kind == engine.CmdDeliver || c.Kind == engine.CmdDrop || c.Kind == engine.CmdDuplicate) {
		return fmt.Sprintf("%s the oldest %s message %s → %s", c.Kind, orAny(sel.Kind), orAny(sel.From), orAny(sel.To))
	}
	return c.String()
}

func orAny(s string) string {
	if s == "" {
		return "any"
	}
	return s
}
