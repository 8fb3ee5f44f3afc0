package lessons

import (
	"fmt"
	"slices"
	"sort"
	"time"

	"clusterscope/engine"
	"clusterscope/patterns"

	"github.com/goccy/go-yaml"
)

// ExportRun is Export of a whole Sim: it also runs to the Sim's current
// step and ends with an expectation on the number of violations seen, so
// the exported file checks itself.
func ExportRun(pattern string, sim *engine.Sim, title string) ([]byte, error) {
	n := len(sim.Violations())
	return export(patterns.ByID, pattern, sim.Config(), sim.Log(), title, sim.StepCount(), int64(sim.Now()/time.Microsecond), &n)
}

func export(lookup lookupFunc, patternID string, cfg engine.Config, log []engine.LoggedCommand, title string, endStep int, endAt int64, violations *int) ([]byte, error) {
	pat, ok := lookup(patternID)
	if !ok || !pat.Live() {
		return nil, fmt.Errorf("export: no live pattern %q", patternID)
	}
	cl := pat.Cluster
	n := len(cfg.Nodes)
	if !slices.Equal(cfg.Nodes, patterns.NodeNames(n)) {
		return nil, fmt.Errorf("export: nodes %v are not the book's first %d names", cfg.Nodes, n)
	}
	if !slices.Equal(cfg.Clients, cl.Clients) {
		return nil, fmt.Errorf("export: clients %v differ from the pattern's %v", cfg.Clients, cl.Clients)
	}
	if cfg.Net != nil && !(cl.DefaultDelay.MeanDelay > 0 && *cfg.Net == cl.DefaultDelay) {
		return nil, fmt.Errorf("export: a custom default network cannot be written in a scenario header; set it with a network step instead")
	}
	if title == "" {
		title = pat.Title + ": a recorded run"
	}
	head := yaml.MapSlice{
		{Key: "title", Value: title},
		{Key: "pattern", Value: patternID},
		{Key: "nodes", Value: n},
		{Key: "seed", Value: cfg.Seed},
	}
	var variants []string
	for v, on := range cfg.Variants {
		if on {
			variants = append(variants, v)
		}
	}
	sort.Strings(variants)
	if len(variants) > 0 {
		head = append(head, yaml.MapItem{Key: "variants", Value: variants})
	}
	var params yaml.MapSlice
	for _, k := range sortedKeys(cfg.Params) {
		v, set := cfg.Params[k]
		if def, known := cl.Params[k]; set && (!known || def != v) {
			params = append(params, yaml.MapItem{Key: k, Value: v})
		}
	}
	if len(params) > 0 {
		head = append(head, yaml.MapItem{Key: "params", Value: params})
	}
	head = append(head, yaml.MapItem{Key: "description", Value: "TODO: what this run shows, in a sentence or two."})

	steps := []any{yaml.MapSlice{{Key: "say", Value: "TODO: set the scene."}}}
	step, at := 0, int64(0)
	runTo := func(s int, a int64) {
		if s == step && a == at {
			return
		}
		r := yaml.MapSlice{{Key: "step", Value: s}}
		if a != 0 {
			r = append(r, yaml.MapItem{Key: "time", Value: (time.Duration(a) * time.Microsecond).String()})
		}
		steps = append(steps, yaml.MapSlice{{Key: "run", Value: r}})
		step, at = s, a
	}
	for i, lc := range log {
		if lc.Step < step || lc.At < at {
			return nil, fmt.Errorf("export: command %d goes back in time (step %d after %d)", i+1, lc.Step, step)
		}
		runTo(lc.Step, lc.At)
		if lc.Kind != engine.CmdClient && lc.Kind != engine.CmdAction {
			steps = append(steps, yaml.MapSlice{{Key: "say", Value: "TODO: why " + describeCommand(lc.Command, nil) + "?"}})
		}
		st, err := commandYAML(lc.Command)
		if err != nil {
			return nil, fmt.Errorf("export: command %d: %w", i+1, err)
		}
		steps = append(steps, st)
	}
	if endStep >= 0 {
		runTo(endStep, endAt)
	}
	if violations != nil {
		steps = append(steps, yaml.MapSlice{{Key: "expect", Value: fmt.Sprintf("violations == %d", *violations)}})
	}
	doc := append(head, yaml.MapItem{Key: "steps", Value: steps})
	body, err := yaml.MarshalWithOptions(doc, yaml.IndentSequence(true))
	if err != nil {
		return nil, err
	}
	const note = "# Recorded in clusterscope. The run steps replay the recording exactly;\n# replace the TODO narration, add pause questions and expect checks.\n"
	return append([]byte(note), body...), nil
}

// commandYAML writes a command in the scenario syntax the parser reads.
func commandYAML(c engine.Command) (any, error) {
	one := func(v any) yaml.MapSlice { return yaml.MapSlice{{Key: c.Kind, Value: v}} }
	opt := func(m yaml.MapSlice, k, v string) yaml.MapSlice {
		if v != "" {
			m = append(m, yaml.MapItem{Key: k, Value: v})
		}
		return m
	}
	switch c.Kind {
	case engine.CmdCrash, engine.CmdRestart, engine.CmdPause, engine.CmdResume, engine.CmdJoin, engine.CmdLeave:
		return one(c.Node), nil
	case engine.CmdPartition:
		return one(c.Groups), nil
	case engine.CmdCut, engine.CmdReset:
		return one(yaml.MapSlice{{Key: "from", Value: c.From}, {Key: "to", Value: c.To}}), nil
	case engine.CmdHeal:
		if c.From == "" && c.To == "" {
			return "heal", nil
		}
		return one(yaml.MapSlice{{Key: "from", Value: c.From}, {Key: "to", Value: c.To}}), nil
	case engine.CmdOffset, engine.CmdJump:
		return one(yaml.MapSlice{{Key: "node", Value: c.Node}, {Key: "by", Value: time.Duration(c.Dur).String()}}), nil
	case engine.CmdDrift:
		return one(yaml.MapSlice{{Key: "node", Value: c.Node}, {Key: "ppm", Value: c.PPM}}), nil
	case engine.CmdDeliver, engine.CmdDrop, engine.CmdDuplicate:
		return one(yaml.MapSlice{{Key: "msg", Value: c.Msg}}), nil
	case engine.CmdManual:
		return one(c.On), nil
	case engine.CmdDisk:
		m := yaml.MapSlice{{Key: "node", Value: c.Node}, {Key: "fault", Value: c.Name}}
		if c.Value != 0 {
			m = append(m, yaml.MapItem{Key: "value", Value: c.Value})
		}
		if c.Dur != 0 {
			m = append(m, yaml.MapItem{Key: "dur", Value: time.Duration(c.Dur).String()})
		}
		return one(opt(m, "file", c.Args["file"])), nil
	case engine.CmdDropNext:
		m := opt(opt(opt(nil, "from", c.From), "to", c.To), "kind", c.MsgKind)
		count := c.Count
		if count == 0 {
			count = 1
		}
		return one(append(m, yaml.MapItem{Key: "count", Value: count})), nil
	case engine.CmdNetwork:
		if c.Net == nil {
			return nil, fmt.Errorf("network command without settings")
		}
		m := opt(opt(nil, "from", c.From), "to", c.To)
		m = append(m,
			yaml.MapItem{Key: "min", Value: time.Duration(c.Net.MinDelay).String()},
			yaml.MapItem{Key: "mean", Value: time.Duration(c.Net.MeanDelay).String()},
			yaml.MapItem{Key: "drop", Value: c.Net.DropPct},
			yaml.MapItem{Key: "dup", Value: c.Net.DupPct},
			yaml.MapItem{Key: "fifo", Value: c.Net.FIFO})
		if c.Net.Bandwidth != 0 {
			m = append(m, yaml.MapItem{Key: "bandwidth", Value: c.Net.Bandwidth})
		}
		if c.Net.PerMsg != 0 {
			m = append(m, yaml.MapItem{Key: "cost", Value: time.Duration(c.Net.PerMsg).String()})
		}
		return one(m), nil
	case engine.CmdClient, engine.CmdAction:
		who, op := "client", "op"
		if c.Kind == engine.CmdAction {
			who, op = "node", "name"
		}
		m := yaml.MapSlice{{Key: who, Value: c.Node}, {Key: op, Value: c.Name}}
		if len(c.Args) > 0 {
			var args yaml.MapSlice
			for _, k := range sortedKeys(c.Args) {
				args = append(args, yaml.MapItem{Key: k, Value: c.Args[k]})
			}
			m = append(m, yaml.MapItem{Key: "args", Value: args})
		}
		return one(m), nil
	case engine.CmdVariant:
		return one(yaml.MapSlice{{Key: "name", Value: c.Name}, {Key: "on", Value: c.On}}), nil
	case engine.CmdParam:
		return one(yaml.MapSlice{{Key: "name", Value: c.Name}, {Key: "value", Value: c.Value}}), nil
	}
	return nil, fmt.Errorf("cannot export a %q command", c.Kind)
}
