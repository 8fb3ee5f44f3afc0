package replog

import (
	"strconv"

	"clusterscope/engine"
	"clusterscope/patterns/kit"
)

// WWaitingByIndex is the cluster widget of the Request Waiting List's log
// setup.
const WWaitingByIndex = "waiting list (by log index)"

// RequestWaitingListOnLog is the Request Waiting List on the replicated
// log: the leader's client requests wait under their log index until the
// high-water mark passes it, and the leader then answers the client. It is
// the High-Water Mark page's cluster (three servers, no broken variant)
// with that list drawn above the panels.
func RequestWaitingListOnLog() *kit.Cluster {
	c := page(3, 3, []string{WLog, WMatch}, nil, safety, nil)
	build := c.Build
	c.Build = func(cfg engine.Config) engine.Model {
		m := build(cfg)
		m.View = waitingByIndex
		return m
	}
	return c
}

// waitingByIndex lists the client requests above each leader's
// high-water mark (a deposed leader that does not know it yet keeps its
// own): the index each waits under, and how many servers hold it against
// the majority that commits it.
func waitingByIndex(w *engine.World) []engine.Widget {
	var rows []engine.TableRow
	var marks []engine.Field
	for i := range w.Nodes() {
		leader, ok := w.NodeProcess(i).(*Node)
		if !ok || leader.role != Leader {
			continue
		}
		name := leader.id + " (gen " + strconv.Itoa(leader.gen) + ")"
		marks = append(marks, engine.Field{Label: name, Value: strconv.Itoa(leader.hwm)})
		quorum := leader.q // the quorum it last committed with
		if quorum == 0 {
			quorum = len(leader.all)/2 + 1
		}
		for i := max(leader.hwm, leader.base) + 1; i <= leader.last(); i++ {
			e := leader.entry(i)
			if e.Client == "" {
				continue // the leader's own no-op: nobody waits for it
			}
			held := 0
			for _, m := range leader.match {
				if m >= i {
					held++
				}
			}
			rows = append(rows, engine.Row(
				engine.Cell{Text: name},
				engine.Cell{Text: strconv.Itoa(i)},
				engine.Cell{Text: e.Client + " #" + strconv.Itoa(e.ReqID)},
				engine.Cell{Text: e.Op + " " + e.Key},
				engine.Cell{Text: strconv.Itoa(held) + "/" + strconv.Itoa(quorum), State: engine.StatePending},
			))
		}
	}
	return []engine.Widget{
		engine.TableWidget(WWaitingByIndex, []string{"leader", "index", "client", "request", "held by"}, rows...),
		engine.FieldsWidget("high-water mark", marks...),
	}
}
