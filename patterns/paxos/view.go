package paxos

import (
	"strconv"
	"strings"

	"clusterscope/engine"
)

// View draws an acceptor: per key, the ballot promised and the value and
// ballot accepted (the key turns green once a Commit announced the
// decision), and the decisions it learnt.
func (a *Acceptor) View() engine.ProcessView {
	rows := make([]engine.TableRow, 0, len(a.slots))
	var decided []engine.KVPair
	for _, s := range a.slots {
		acc := engine.Cell{Text: "—", State: engine.StateInactive}
		if accepted, value := s.accepted(); !accepted.IsZero() {
			acc = engine.Cell{Text: value + " @" + accepted.String(), State: engine.StatePending}
		}
		key := engine.Cell{Text: s.Key}
		if s.Decided != "" {
			key.State = engine.StateOK
			decided = append(decided, engine.KVPair{Key: s.Key, Value: s.Decided})
		}
		rows = append(rows, engine.Row(key, engine.Cell{Text: s.Promised.String()}, acc))
	}
	v := engine.ProcessView{Role: "acceptor", Widgets: []engine.Widget{
		engine.TableWidget(WAcceptor, []string{"key", "promised", "accepted"}, rows...),
	}}
	if len(decided) > 0 {
		v.Widgets = append(v.Widgets, engine.KVWidget(WDecided, decided...))
	}
	return v
}

// View draws a proposer: per key, its phase with the yes answers counted
// against the majority, the value it proposes and its ballot (last: the
// widest, cut first in a narrow panel).
func (p *Proposer) View() engine.ProcessView {
	rows := make([]engine.TableRow, 0, len(p.rounds))
	need := strconv.Itoa(p.majority())
	for _, r := range p.rounds {
		phase := engine.Cell{Text: r.Phase, State: engine.StatePending}
		switch r.Phase {
		case PhasePrepare:
			phase.Text += " " + strconv.Itoa(count(r.Promises)) + "/" + need
		case PhaseAccept:
			phase.Text += " " + strconv.Itoa(count(r.Accepts)) + "/" + need
		case PhaseBackoff:
			phase.State = engine.StateWarn
		case PhaseDecided:
			phase.State = engine.StateOK
		}
		value := r.Value
		if r.Phase == PhaseDecided {
			value = r.Decided
		} else if value == "" {
			value = r.Own + " (own)"
		}
		rows = append(rows, engine.Row(engine.Cell{Text: r.Key}, phase, engine.Cell{Text: value}, engine.Cell{Text: r.Ballot.String()}))
	}
	return engine.ProcessView{Role: "proposer", Widgets: []engine.Widget{
		engine.TableWidget(WProposer, []string{"key", "phase", "value", "ballot"}, rows...),
		engine.FieldsWidget("rounds",
			engine.Field{Label: "highest round", Value: strconv.Itoa(p.round)},
			engine.Field{Label: "decided", Value: strconv.Itoa(p.Decisions)},
			engine.Field{Label: "ballots given up", Value: strconv.Itoa(p.Retries)}),
	}}
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
