package twopc

import (
	"slices"
	"strconv"
	"time"

	"clusterscope/engine"
)

// View draws a participant: its accounts with balances and write locks
// (a lock held by a prepared transaction is pending: the participant is
// blocked until it hears the outcome), the transactions it saw last, and
// its transaction log on disk.
func (p *Participant) View() engine.ProcessView {
	rows := make([]engine.TableRow, 0, len(p.accounts))
	for _, a := range p.accounts {
		lock := engine.Cell{Text: "free", State: engine.StateInactive}
		if a.Holder != "" {
			lock = engine.Cell{Text: a.Holder, State: engine.StatePending}
		}
		refused := engine.Cell{Text: "—", State: engine.StateInactive}
		if a.Refused != "" {
			refused = engine.Cell{Text: a.Refused, State: engine.StateWarn}
		}
		rows = append(rows, engine.Row(engine.Cell{Text: a.Name}, engine.Cell{Text: strconv.Itoa(a.Balance)}, lock, refused))
	}
	txns := make([]engine.TableRow, 0, len(p.recent))
	for i := len(p.recent) - 1; i >= 0; i-- {
		t := p.txns[p.recent[i]]
		if t == nil {
			continue
		}
		st := engine.Cell{Text: t.State, State: stateColour(t.State)}
		if t.State == StPrepared && !t.Durable {
			st.Text = "logging PREPARED"
		}
		txns = append(txns, engine.Row(engine.Cell{Text: t.ID}, engine.Cell{Text: updatesText(t.Updates)}, st))
	}
	v := engine.ProcessView{Role: "participant", Widgets: []engine.Widget{
		engine.TableWidget(WLocks, []string{"account", "balance", "locked by", "refused"}, rows...),
		engine.TableWidget(WTxns, []string{"txn", "its share", "state"}, txns...),
	}}
	for _, t := range p.prepared {
		if t.Durable {
			v.Badge = "in doubt" // it voted yes: only the coordinator can tell it the outcome
		}
	}
	if p.disk != nil {
		v.Widgets = append(v.Widgets, logWidget(p.disk))
	}
	return v
}

func stateColour(s string) engine.State {
	switch s {
	case StPrepared:
		return engine.StatePending
	case StCommitted:
		return engine.StateOK
	}
	return engine.StateInactive
}

// shownRecords is how many of the last log records a panel shows.
const shownRecords = 8

// logWidget draws the transaction log's last records: durable ones solid,
// the ones a crash now would lose marked.
func logWidget(d *engine.Disk) engine.Widget {
	f := d.File(logFile)
	if f == nil {
		return engine.DiskWidget(WLog)
	}
	recs := f.Records()
	from := max(0, len(recs)-shownRecords)
	fv := engine.FileView{Name: logFile, Durable: max(0, f.Durable()-from), Bytes: f.Bytes(), DurableBytes: f.DurableBytes(), Active: true}
	for i, r := range recs[from:] {
		if s, ok := r.Data.(interface{ String() string }); ok {
			fv.Records = append(fv.Records, s.String())
		}
		if !r.Intact() && fv.Torn == 0 {
			fv.Torn = i + 1
		}
	}
	fv.Label = strconv.Itoa(len(recs)) + " records"
	if len(recs) == 1 {
		fv.Label = "1 record"
	}
	if from > 0 {
		fv.Label += " (the last " + strconv.Itoa(shownRecords) + " shown)"
	}
	return engine.DiskWidget(WLog, fv)
}

// View draws the coordinator: its transactions (the active ones and the
// last finished), each with its phase and votes, and its log.
func (c *Coordinator) View() engine.ProcessView {
	var rows []engine.TableRow
	for _, t := range c.shown() {
		votes := ""
		for i, p := range t.Parts {
			if i > 0 {
				votes += ", "
			}
			v := p.Vote
			if v == "" {
				v = "?"
			}
			votes += p.Node + " " + v
			if p.Acked {
				votes += " ✓"
			}
		}
		rows = append(rows, engine.Row(engine.Cell{Text: t.ID}, phaseCell(t), engine.Cell{Text: votes}))
	}
	v := engine.ProcessView{Role: "coordinator", Widgets: []engine.Widget{
		engine.TableWidget(WCoord, []string{"txn", "phase", "votes (✓ acked)"}, rows...),
	}}
	if c.stopAt != "" {
		v.Widgets = append(v.Widgets, engine.FieldsWidget("crash point", engine.Field{Label: "stops", Value: c.stopAt + " of its next transaction"}))
	}
	if c.disk != nil {
		v.Widgets = append(v.Widgets, logWidget(c.disk))
	}
	return v
}

// shownTxns is how many transactions the tables show.
const shownTxns = 8

// shown is the active transactions and then the last finished ones, up to
// shownTxns, newest first.
func (c *Coordinator) shown() []*ctxn {
	out := make([]*ctxn, 0, shownTxns)
	for i := len(c.order) - 1; i >= 0 && len(out) < shownTxns; i-- {
		out = append(out, c.order[i])
	}
	defer slices.SortFunc(out, func(a, b *ctxn) int {
		if txnLess(b.ID, a.ID) {
			return -1
		}
		if txnLess(a.ID, b.ID) {
			return 1
		}
		return 0
	})
	for _, t := range c.active {
		if len(out) >= 2*shownTxns {
			break
		}
		found := false
		for _, x := range out {
			found = found || x == t
		}
		if !found {
			out = append(out, t)
		}
	}
	return out
}

func phaseCell(t *ctxn) engine.Cell {
	switch t.Phase {
	case PhDone:
		if t.split {
			return engine.Cell{Text: verb(t.Commit) + " logged, not done everywhere", State: engine.StateBad}
		}
		if t.Commit {
			return engine.Cell{Text: "committed", State: engine.StateOK}
		}
		return engine.Cell{Text: "aborted", State: engine.StateInactive}
	case PhDecided:
		return engine.Cell{Text: verb(t.Commit) + " sent, awaiting acks", State: engine.StatePending}
	case PhHeld:
		if t.DecisionDurable {
			return engine.Cell{Text: "stopped: " + verb(t.Commit) + " logged, not sent", State: engine.StateWarn}
		}
		return engine.Cell{Text: "stopped: votes in, undecided", State: engine.StateWarn}
	case PhDeciding:
		return engine.Cell{Text: "logging " + verb(t.Commit), State: engine.StatePending}
	}
	return engine.Cell{Text: t.Phase, State: engine.StatePending}
}

// clusterView is what no single process knows: each transaction as the
// coordinator and every participant see it (a participant that holds it
// prepared is blocked, and for how long), and the bank's money.
func clusterView(w *engine.World) []engine.Widget {
	parts := w.Members(RoleParticipant)
	ps := make([]*Participant, len(parts))
	for i, id := range parts {
		ps[i] = participantOf(w, id, nil)
	}
	c, cid := coordinatorOf(w, nil)
	cols := append([]string{"txn", "transfer", cid}, parts...)
	var rows []engine.TableRow
	if c != nil {
		for _, t := range c.shown() {
			cells := make([]engine.Cell, 0, len(cols))
			cells = append(cells, engine.Cell{Text: t.ID}, engine.Cell{Text: t.T.String()}, phaseCell(t))
			if w.Status(cid) != engine.StatusUp {
				cells[2] = engine.Cell{Text: "down · log: " + logged(t), State: engine.StateBad}
			}
			var committed, aborted bool
			for i, id := range parts {
				if t.part(id) < 0 {
					cells = append(cells, engine.Cell{Text: "—", State: engine.StateInactive})
					continue
				}
				st := ps[i].stateOf(t.ID)
				committed = committed || st == StCommitted
				aborted = aborted || st == StAborted
				cell := engine.Cell{Text: st, State: stateColour(st)}
				switch st {
				case "":
					cell = engine.Cell{Text: "no record", State: engine.StateInactive}
				case StPrepared:
					cell.Text = "prepared, locked"
					if pt := ps[i].txns[t.ID]; pt != nil && !pt.Durable {
						cell.Text = "locked, logging PREPARED"
					} else if pt != nil && w.Status(id) == engine.StatusUp {
						cell.Text += " · blocked " + strconv.FormatInt(int64(max(0, w.Clock(id)-pt.Since)/time.Millisecond), 10) + " ms"
					}
				}
				if w.Status(id) != engine.StatusUp {
					cell.Text += " (down)"
				}
				cells = append(cells, cell)
			}
			if committed && aborted {
				for i := 3; i < len(cells); i++ {
					if cells[i].Text != "—" {
						cells[i].State = engine.StateBad
					}
				}
			}
			rows = append(rows, engine.Row(cells...))
		}
	}
	m := countMoney(w, nil)
	total := engine.Cell{Text: strconv.Itoa(m.Total()), State: engine.StateOK}
	if m.Total() != m.Start {
		total.State = engine.StateBad
	}
	return []engine.Widget{
		engine.TableWidget(WTable, cols, rows...),
		engine.TableWidget(WTotals, []string{"started with", "balances", "committed, still to apply", "total"},
			engine.Row(engine.Cell{Text: strconv.Itoa(m.Start)}, engine.Cell{Text: strconv.Itoa(m.Balances)}, engine.Cell{Text: strconv.Itoa(m.Pending)}, total)),
	}
}

// logged says what a down coordinator's log holds for t.
func logged(t *ctxn) string {
	switch {
	case t.Phase == PhDone:
		return "done"
	case t.DecisionDurable:
		return verb(t.Commit) + " decided"
	}
	return "no decision"
}
