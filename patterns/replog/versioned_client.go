package replog

import (
	"errors"
	"fmt"
	"strconv"
	"time"

	"clusterscope/engine"
	"clusterscope/patterns/kit"
)

// Client actions of the Versioned Value page.
const (
	actionTransfer = "transfer"
	actionReport   = "report"
	actionReadAt   = "read-at"
	actionCompact  = "compact"
	timerReportGap = "report-gap"
	maxAmount      = 1000
	maxVersionArg  = 1 << 30
)

// ParamReportGap is how long a report waits between its two reads: the
// slow reader that makes the story.
const (
	ParamReportGap = "report-gap-ms"
	defReportGap   = 300
)

// report is one run of "read A, wait, read B" in a snapshot.
type report struct {
	at     int    // the snapshot's read version (0 until it is open)
	phase  string // opening, reading A, waiting, reading B
	op     int    // the operation waited on (0 while waiting on the gap)
	a, b   string // the balances read
	aFrom  int    // the version A's value came from
	bFrom  int
	active bool
}

// finishedReport is a report's result, for the invariant and the facts.
type finishedReport struct {
	at, a, b int
}

func (r finishedReport) total() int { return r.a + r.b }

// VersionedClient (alice, philip) sends the page's operations to the node it
// believes leads (reads at a version may be answered by any server that
// has applied the version) and runs reports: open a snapshot, read A,
// wait report-gap-ms, read B at the same version, add up, close it.
type VersionedClient struct {
	id      string
	rc      kit.RetryingClient[VersionedInput]
	counter int

	rep       report
	reports   []finishedReport // the latest few, oldest first
	done      int              // reports finished
	abandoned int              // reports that ended without an answer
}

const keptReports = 4

func newVersionedClient(id string) *VersionedClient {
	c := &VersionedClient{id: id}
	c.rc.Config = kit.ClientConfig[VersionedInput]{
		Targeting: kit.TargetLeader,
		Timeout:   func(env engine.Env) time.Duration { return ms(env.Param(ParamClientTimeout, defClientTimeout)) },
		MaxTries:  maxTries,
		RetryWait: retryWait,
		Request:   func(id int, in VersionedInput) engine.Message { return VersionedRequest{ID: id, In: in} },
		// A write, transfer or snapshot may still reach the log; a read
		// changed nothing.
		GiveUp: func(in VersionedInput) engine.OpStatus {
			if in.Op == opGetAt {
				return engine.OpFail
			}
			return engine.OpUnknown
		},
	}
	return c
}

// ValidateRequest checks a client action before it is accepted.
func (c *VersionedClient) ValidateRequest(req engine.Request) error {
	if err := kit.CheckTarget(req.Args["node"], c.rc.Servers(), "server"); err != nil {
		return err
	}
	switch req.Name {
	case "write":
		k := req.Args["key"]
		if isAccount(k) {
			return fmt.Errorf("%s is an account: accounts change only by a transfer", k)
		}
		return kit.CheckKey(k, maxCounterName)
	case actionReadAt:
		if _, err := kit.IntArg(req.Args, "at", 0, maxVersionArg); err != nil {
			return err
		}
		return kit.CheckKey(req.Args["key"], maxCounterName)
	case actionTransfer:
		from, to := req.Args["from"], req.Args["to"]
		if !isAccount(from) || !isAccount(to) || from == to {
			return fmt.Errorf("a transfer goes from one account to the other (A or B), not %q to %q", from, to)
		}
		_, err := kit.IntArg(req.Args, "amount", 1, maxAmount)
		return err
	case actionReport:
		if c.rep.active {
			return errors.New(c.id + "'s report is still running")
		}
		return nil
	}
	return fmt.Errorf("unknown client operation %q (use write, read-at, transfer or report)", req.Name)
}

// Handle is the client's state machine.
func (c *VersionedClient) Handle(env engine.Env, ev engine.Event) {
	switch ev.Kind {
	case engine.EvStart:
		c.rc.Start(env)
	case engine.EvRequest:
		c.request(env, ev.Request)
	case engine.EvReceive:
		switch m := ev.Msg.(type) {
		case ClientReply:
			c.reply(env, ev.From, VersionedReply{ID: m.ID, Value: m.Value, Version: m.Version, NotLeader: m.NotLeader, Hint: m.Hint}) // a write's answer
		case VersionedReply:
			c.reply(env, ev.From, m)
		}
	case engine.EvTimer:
		if ev.Timer == timerReportGap {
			c.readB(env)
			return
		}
		c.rc.Timer(env, ev.Timer)
	}
	c.abandonReport(env)
}

func (c *VersionedClient) request(env engine.Env, req engine.Request) {
	a, node := req.Args, req.Args["node"]
	switch req.Name {
	case "write":
		v := a["value"]
		if v == "" {
			c.counter++
			v = c.id + strconv.Itoa(c.counter)
		}
		c.rc.Invoke(env, VersionedInput{Op: opPut, Key: a["key"], Value: v}, node)
	case actionReadAt:
		at, _ := strconv.Atoi(a["at"])
		c.rc.Invoke(env, VersionedInput{Op: opGetAt, Key: a["key"], At: at}, node)
	case actionTransfer:
		amount, _ := strconv.Atoi(a["amount"])
		c.rc.Invoke(env, VersionedInput{Op: opTransfer, Key: a["from"], To: a["to"], Amount: amount}, node)
	case actionReport:
		c.rep = report{active: true, phase: "opening a snapshot"}
		c.rep.op = c.invoke(env, VersionedInput{Op: opSnapOpen})
	}
}

// invoke starts an operation and returns its id.
func (c *VersionedClient) invoke(env engine.Env, in VersionedInput) int {
	c.rc.Invoke(env, in, "")
	p := c.rc.Pending()
	return p[len(p)-1].Value.ID
}

func (c *VersionedClient) reply(env engine.Env, from string, m VersionedReply) {
	op, ok := c.rc.Get(m.ID)
	switch {
	case !ok:
		return // already answered (a duplicate) or given up
	case m.NotLeader:
		c.rc.Refused(env, from, m.ID, m.Hint)
		return
	case m.Err != "":
		st := engine.OpFail
		if m.Err == "already applied" {
			st = engine.OpOK
		}
		c.rc.End(env, from, m.ID, st, m.Err)
		return
	}
	text := "v" + itoa(m.Version)
	if op.In.Op == opGetAt {
		text = strconv.Quote(m.Value) + " @v" + itoa(m.Version)
	}
	c.rc.Answer(env, from, m.ID, VersionedOutput{Value: m.Value, Version: m.Version}, text)
	if c.rep.active && m.ID == c.rep.op {
		c.reportStep(env, m)
	}
}

// reportStep moves the report on after the answer it waited for.
func (c *VersionedClient) reportStep(env engine.Env, m VersionedReply) {
	r := &c.rep
	switch r.phase {
	case "opening a snapshot":
		r.at, r.phase = m.Version, "reading A"
		r.op = c.invoke(env, VersionedInput{Op: opGetAt, Key: accountA, At: r.at})
	case "reading A":
		r.a, r.aFrom, r.phase, r.op = m.Value, m.Version, "waiting", 0
		env.SetTimer(timerReportGap, ms(env.Param(ParamReportGap, defReportGap)))
	case "reading B":
		r.b, r.bFrom = m.Value, m.Version
		f := finishedReport{at: r.at, a: counterSum(r.a), b: counterSum(r.b)}
		if len(c.reports) == keptReports {
			c.reports = append(c.reports[:0], c.reports[1:]...)
		}
		c.reports = append(c.reports, f)
		c.done++
		env.Note("%s's report at v%d: A=%d + B=%d = %d", c.id, f.at, f.a, f.b, f.total())
		c.closeSnapshot(env)
	}
}

func (c *VersionedClient) readB(env engine.Env) {
	if !c.rep.active || c.rep.phase != "waiting" {
		return
	}
	c.rep.phase = "reading B"
	c.rep.op = c.invoke(env, VersionedInput{Op: opGetAt, Key: accountB, At: c.rep.at})
}

// closeSnapshot ends the report and closes its snapshot (if it opened).
func (c *VersionedClient) closeSnapshot(env engine.Env) {
	if c.rep.at > 0 {
		c.rc.Invoke(env, VersionedInput{Op: opSnapClose, At: c.rep.at}, "")
	}
	c.rep = report{}
}

// abandonReport ends a report whose operation ended without an answer
// (timed out, refused everywhere, an error such as compacted).
func (c *VersionedClient) abandonReport(env engine.Env) {
	if !c.rep.active || c.rep.op == 0 {
		return
	}
	if _, ok := c.rc.Get(c.rep.op); ok {
		return
	}
	c.abandoned++ // an answer would have moved the report on to its next operation
	env.Note("%s abandons its report: %s ended without a value", c.id, c.rep.phase)
	c.closeSnapshot(env)
}

// View shows the report in progress, the last report and the client's
// operations.
func (c *VersionedClient) View() engine.ProcessView {
	var w []engine.Widget
	if c.rep.active || len(c.reports) > 0 {
		w = append(w, c.reportWidget())
	}
	return engine.ProcessView{Role: "client", Widgets: append(w, c.rc.Widgets()...)}
}

func (c *VersionedClient) reportWidget() engine.Widget {
	if c.rep.active {
		r := c.rep
		at := "—"
		if r.at > 0 {
			at = "v" + itoa(r.at)
		}
		return engine.FieldsWidget(WReport,
			engine.Field{Label: "snapshot", Value: at},
			engine.Field{Label: "now", Value: r.phase},
			engine.Field{Label: "A", Value: orDash(r.a)},
			engine.Field{Label: "B", Value: orDash(r.b)})
	}
	f := c.reports[len(c.reports)-1]
	total := itoa(f.total())
	if f.total() != accountsTotal {
		total += " ✗ (should be " + itoa(accountsTotal) + ")"
	}
	return engine.FieldsWidget(WReport,
		engine.Field{Label: "last report at", Value: "v" + itoa(f.at)},
		engine.Field{Label: "A + B", Value: itoa(f.a) + " + " + itoa(f.b)},
		engine.Field{Label: "total", Value: total})
}
