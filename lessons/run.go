package lessons

import (
	"fmt"
	"io"
	"strings"
	"time"

	"clusterscope/engine"
)

// Result sums up a headless run.
type Result struct {
	Steps      int                `json:"steps"`    // scenario steps played
	SimSteps   int                `json:"simSteps"` // simulator events
	Time       time.Duration      `json:"time"`     // virtual time at the end
	Expects    int                `json:"expects"`  // expect steps that held
	Questions  int                `json:"questions"`
	TraceHash  string             `json:"traceHash"`
	Violations []engine.Violation `json:"violations,omitempty"`
}

// RunOptions tune the transcript.
type RunOptions struct {
	// Verbose prints every trace event; otherwise only notes, violations
	// and client results, at most MaxEvents per step.
	Verbose   bool
	MaxEvents int // 0: 40
}

// Run plays a scenario headless and writes its transcript to out: the
// narration, each command, notable events, every question with its answer,
// and each expectation with ✓ or ✗. It stops at the first step that fails
// (an expect that does not hold, a run-until that times out, a command the
// cluster refuses) and returns that error, placed at the step's line.
func Run(sc *Scenario, out io.Writer) (Result, error) {
	return RunWith(sc, out, RunOptions{})
}

// RunWith is Run with options.
func RunWith(sc *Scenario, out io.Writer, opt RunOptions) (res Result, err error) {
	if opt.MaxEvents == 0 {
		opt.MaxEvents = 40
	}
	pl, err := NewPlayer(sc)
	if err != nil {
		return res, err
	}
	w := &transcript{out: out}
	w.header(sc)
	defer func() {
		sim := pl.Sim()
		res.SimSteps, res.Time, res.TraceHash = sim.StepCount(), sim.Now(), sim.Trace().Hash()
		res.Violations = sim.Violations()
	}()
	for !pl.Done() {
		o, err := pl.Step()
		res.Steps++
		w.step(o, opt, err)
		if err != nil {
			return res, err
		}
		switch o.Step.Kind {
		case StepExpect:
			res.Expects++
		case StepQuestion:
			res.Questions++
		}
	}
	sim := pl.Sim()
	w.printf("\n%d steps, %d events, %.3fs of virtual time, %d expectations held, %d invariant violation(s), trace %s\n",
		res.Steps, sim.StepCount(), sim.Now().Seconds(), res.Expects, len(sim.Violations()), sim.Trace().Hash())
	return res, nil
}

type transcript struct {
	out io.Writer
}

func (w *transcript) printf(format string, args ...any) { fmt.Fprintf(w.out, format, args...) }

func (w *transcript) header(sc *Scenario) {
	w.printf("# %s\n", sc.Title)
	variants := "none"
	if len(sc.Variants) > 0 {
		variants = strings.Join(sc.Variants, ", ")
	}
	w.printf("  %s · pattern %s · %d nodes · seed %d · broken variants: %s\n", sc.File, sc.Pattern, sc.Nodes, sc.Seed, variants)
	if sc.Description != "" {
		w.block("  ", plain(sc.Description))
	}
	w.printf("\n")
}

// block prints text indented, one output line per input line.
func (w *transcript) block(indent, text string) {
	for _, line := range strings.Split(text, "\n") {
		w.printf("%s%s\n", indent, strings.TrimRight(line, " "))
	}
}

const gutter = "              " // width of "%4d %-8s "

func (w *transcript) step(o Outcome, opt RunOptions, err error) {
	st := o.Step
	if st == nil {
		return
	}
	head := func(kind, text string) { w.printf("%4d %-8s %s\n", st.Line, kind, text) }
	switch st.Kind {
	case StepSay:
		lines := strings.Split(plain(st.Text), "\n")
		head("say", lines[0])
		for _, l := range lines[1:] {
			w.printf("%s%s\n", gutter, l)
		}
	case StepRun:
		r := st.Run
		var what string
		switch {
		case r.For > 0:
			what = time.Duration(r.For).String()
		case r.Until != "":
			what = "until " + r.Until
		case r.Steps > 0:
			what = fmt.Sprintf("%d steps", r.Steps)
		default:
			what = fmt.Sprintf("to step %d", r.ToStep)
		}
		head("run", what)
	case StepCommand:
		c := *st.Command
		if o.Command != nil {
			c = *o.Command
		}
		head("do", describeCommand(c, nil))
	case StepQuestion:
		q := st.Question
		head("question", plain(q.Text))
		for i, c := range q.Choices {
			w.printf("%s  %d) %s\n", gutter, i+1, c)
		}
		w.printf("%sanswer: %d) %s\n", gutter, q.Answer+1, q.Choices[q.Answer])
		if q.Explain != "" {
			w.block(gutter+"why: ", plain(q.Explain))
		}
	case StepExpect:
		mark := "✓"
		if err != nil {
			mark = "✗"
		}
		head("expect", st.Expect.Condition+"  "+mark)
	case StepCompare:
		head("compare", st.Compare.String())
	case StepFindFailure:
		head("find", fmt.Sprintf("a failure in %d schedules", st.FindFailure.Seeds))
		if o.Search != nil {
			w.printf("%s%s\n", gutter, o.Search)
		}
	}
	w.events(o.Events, opt)
	if st.Kind == StepRun && err == nil {
		w.printf("%s→ step %d at %.3fs (%d events)\n", gutter, o.SimStep, float64(o.At)/1e6, o.Ran)
	}
	if err != nil {
		w.printf("%s✗ %v\n", gutter, err)
	}
}

func (w *transcript) events(evs []engine.TraceEvent, opt RunOptions) {
	shown, skipped := 0, 0
	for _, e := range evs {
		if !opt.Verbose && !notable(e) {
			continue
		}
		if !opt.Verbose && shown >= opt.MaxEvents {
			skipped++
			continue
		}
		shown++
		who := e.Node
		if who == "" && e.From != "" {
			who = e.From + "→" + e.To
		}
		text := e.Text
		switch e.Kind {
		case engine.TrViolation:
			text = "⚠ violation: " + text
		case engine.TrSend, engine.TrDeliver, engine.TrDrop, engine.TrDuplicate:
			text = fmt.Sprintf("%s #%d %s→%s %s %s", e.Kind, e.Msg, e.From, e.To, e.MsgKind, e.Text)
		case engine.TrNote, engine.TrOp:
		default:
			text = string(e.Kind) + " " + text
		}
		w.printf("%s%8.3fs  %-10s %s\n", gutter, float64(e.At)/1e6, who, strings.TrimSpace(text))
	}
	if skipped > 0 {
		w.printf("%s… %d more events (-v shows all)\n", gutter, skipped)
	}
}

// notable events are the ones a reader of a transcript cares about.
func notable(e engine.TraceEvent) bool {
	switch e.Kind {
	case engine.TrNote, engine.TrViolation:
		return true
	case engine.TrOp:
		return !strings.HasPrefix(e.Text, "invoke ")
	}
	return false
}
