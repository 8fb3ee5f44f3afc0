package paxos

import (
	"strconv"
	"strings"

	"clusterscope/engine"
)

// View draws an acceptor: per key, the ballot promised, the ballot and
// value accepted, and the decision once announced.
func (a *Acceptor) View() engine.ProcessView {
	rows := make([]engine.TableRow, 0, len(a.slots))
	for _, s := range a.slots {
		acc := engine.Cell{Text: "—", State: engine.StateInactive}
		if !s.Accepted.IsZero() {
			acc = engine.Cell{Text: s.Value + " @" + s.Accepted.String(), State: engine.StatePending}
		}
		dec := engine.Cell{Text: "—", State: engine.StateInactive}
		if s.Decided != "" {
			dec = engine.Cell{Text: s.Decided, State: engine.StateOK}
		}
		rows = append(rows, engine.Row(engine.Cell{Text: s.Key}, engine.Cell{Text: s.Promised.String()}, acc, dec))
	}
	return engine.ProcessView{Role: "acceptor", Widgets: []engine.Widget{
		engine.TableWidget(WAcceptor, []string{"key", "promised", "accepted", "decided"}, rows...),
	}}
}

// View draws a proposer: per key, its ballot, its phase and who answered
// yes to it, the value it proposes, and why it last gave up a ballot.
func (p *Proposer) View() engine.ProcessView {
	rows := make([]engine.TableRow, 0, len(p.rounds))
	for _, r := range p.rounds {
		phase := engine.Cell{Text: r.Phase, State: engine.StatePending}
		votes := "—"
		switch r.Phase {
		case PhasePrepare:
			votes = p.names(r.Promises) + " promised"
		case PhaseAccept:
			votes = p.names(r.Accepts) + " accepted"
		case PhaseBackoff:
			phase.State, votes = engine.StateWarn, r.Why
		case PhaseDecided:
			phase.State = engine.StateOK
		}
		value := r.Value
		if r.Phase == PhaseDecided {
			value = r.Decided
		} else if value == "" {
			value = r.Own + " (own)"
		}
		rows = append(rows, engine.Row(engine.Cell{Text: r.Key}, engine.Cell{Text: r.Ballot.String()}, phase, engine.Cell{Text: value}, engine.Cell{Text: votes}))
	}
	return engine.ProcessView{Role: "proposer", Widgets: []engine.Widget{
		engine.TableWidget(WProposer, []string{"key", "ballot", "phase", "value", "answers"}, rows...),
		engine.FieldsWidget("rounds",
			engine.Field{Label: "highest round", Value: strconv.Itoa(p.round)},
			engine.Field{Label: "decided", Value: strconv.Itoa(p.Decisions)},
			engine.Field{Label: "ballots given up", Value: strconv.Itoa(p.Retries)}),
	}}
}

// names lists the acceptors in mask ("—" for none).
func (p *Proposer) names(mask uint32) string {
	var out []string
	for i, a := range p.acceptors {
		if mask&(1<<i) != 0 {
			out = append(out, a)
		}
	}
	if len(out) == 0 {
		return "none yet"
	}
	return strings.Join(out, ", ")
}

// clusterView is the cluster panel: per key, every value chosen and the
// acceptors whose votes chose it. Paxos keeps it at one row per key.
func clusterView(w *engine.World) []engine.Widget {
	acceptors := w.Members(RoleAcceptor)
	var rows []engine.TableRow
	for _, key := range votedKeys(w, acceptors) {
		cs := chosen(w, acceptors, key)
		if len(cs) == 0 {
			rows = append(rows, engine.Row(engine.Cell{Text: key}, engine.Cell{Text: "not yet", State: engine.StateInactive}, engine.Cell{Text: "—"}, engine.Cell{Text: "—"}))
			continue
		}
		st := engine.StateOK
		for _, c := range cs {
			if c.Value != cs[0].Value {
				st = engine.StateBad
			}
		}
		for _, c := range cs {
			rows = append(rows, engine.Row(engine.Cell{Text: key}, engine.Cell{Text: c.Value, State: st}, engine.Cell{Text: c.Ballot.String()}, engine.Cell{Text: strings.Join(c.By, ", ")}))
		}
	}
	return []engine.Widget{engine.TableWidget(WChosen, []string{"key", "value chosen", "at ballot", "accepted by"}, rows...)}
}
