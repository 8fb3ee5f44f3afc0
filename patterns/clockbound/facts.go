package clockbound

import (
	"clusterscope/engine"
	"clusterscope/patterns/kit"
)

var (
	nodeFactSource   = kit.ProcessFacts(nodeFactsOf)
	clientFactSource = kit.ProcessFacts(clientFactsOf)
)

// NodeFacts are a server's facts.
type NodeFacts struct {
	Values    map[string]string `fact:"values" doc:"the committed value a read at its clock now would return, key by key (held versions aside)"`
	Held      int               `fact:"held" doc:"versions it holds uncommitted"`
	Waiting   int               `fact:"waiting" doc:"writes it stamped whose commit-wait is not over"`
	Parked    int               `fact:"parked" doc:"reads it holds until a version at or below their timestamp is committed"`
	ClockWait int               `fact:"clockWaits" doc:"ClockBound mode: reads it holds until its clock passes their timestamp (latest when they came)"`
	Restarts  int               `fact:"restarts" doc:"reads it moved up to a version inside their uncertainty window"`
	Writes    int               `fact:"writes" doc:"client writes it stamped since it started"`
}

// ClientFacts are a client's facts.
type ClientFacts struct {
	Last    string            `fact:"last" doc:"a short text of its last outcome"`
	Read    map[string]string `fact:"read" doc:"the value it last read, key by key"`
	Heard   map[string]string `fact:"heard" doc:"what another client told it on the phone, key by key"`
	OK      int               `fact:"ok" doc:"its operations that were answered"`
	Pending int               `fact:"pending" doc:"its operations waiting for an answer"`
}

func nodeFactsOf(w *engine.World, id string) (NodeFacts, bool) {
	s, ok := w.Process(id).(*Server)
	if !ok {
		return NodeFacts{}, false
	}
	f := NodeFacts{Values: map[string]string{}, Parked: len(s.parked), ClockWait: len(s.clockWaits), Restarts: s.Restarts, Writes: s.Writes}
	for k, vs := range s.store {
		for i := len(vs) - 1; i >= 0; i-- {
			if vs[i].Committed && vs[i].TS <= w.Clock(id) {
				f.Values[k] = vs[i].Value
				break
			}
		}
		for _, v := range vs {
			if !v.Committed {
				f.Held++
			}
		}
	}
	for _, wr := range s.writes {
		if !wr.Waited {
			f.Waiting++
		}
	}
	return f, true
}

func clientFactsOf(w *engine.World, id string) (ClientFacts, bool) {
	c, ok := w.Process(id).(*Client)
	if !ok {
		return ClientFacts{}, false
	}
	f := ClientFacts{Last: c.rc.Last(), Read: map[string]string{}, Heard: map[string]string{}, OK: c.rc.OK, Pending: len(c.rc.Pending())}
	for k, v := range c.read {
		f.Read[k] = v
	}
	for k, v := range c.heard {
		f.Heard[k] = v
	}
	return f, true
}
