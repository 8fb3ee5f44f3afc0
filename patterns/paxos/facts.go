package paxos

import (
	"clusterscope/engine"
	"clusterscope/patterns/kit"
)

var (
	nodeFactSource    = kit.ProcessFacts(nodeFactsOf)
	clientFactSource  = kit.ProcessFacts(clientFactsOf)
	clusterFactSource = kit.ClusterFacts(clusterFactsOf)
)

// NodeFacts are a server's facts: an acceptor's promises and votes, a
// proposer's phases, and what each has learnt was decided.
type NodeFacts struct {
	Promised map[string]string `fact:"promised" doc:"an acceptor: the ballot it promised, key by key ([2,athens])"`
	Accepted map[string]string `fact:"accepted" doc:"an acceptor: the value it accepted last, key by key"`
	Ballot   map[string]string `fact:"ballot" doc:"an acceptor: the ballot of that value; a proposer: the ballot it is trying, key by key"`
	Decided  map[string]string `fact:"decided" doc:"the value it learnt was chosen, key by key (an acceptor or a proposer)"`
	Phase    map[string]string `fact:"phase" doc:"a proposer: prepare, accept, backoff or decided, key by key"`
	Retries  int               `fact:"retries" doc:"a proposer: ballots it gave up (refused, or no majority in time) since it started"`
}

// ClientFacts are a client's facts.
type ClientFacts struct {
	OK      int    `fact:"answered" doc:"its proposals answered with the chosen value"`
	Unknown int    `fact:"gaveUp" doc:"its proposals it gave up waiting for"`
	Pending int    `fact:"pending" doc:"its proposals waiting for an answer"`
	Last    string `fact:"last" doc:"a short text of its last outcome"`
}

// ClusterFacts are what no single process knows: what the acceptors'
// votes have chosen.
type ClusterFacts struct {
	Chosen       map[string]string `fact:"chosen" doc:"the value first chosen (a majority of acceptors accepted it at one ballot), key by key"`
	ChosenValues map[string]int    `fact:"chosenValues" doc:"how many different values were chosen, key by key (Paxos: at most 1)"`
	ChosenAt     map[string]string `fact:"chosenAt" doc:"the lowest ballot at which a value was chosen, key by key"`
}

func nodeFactsOf(w *engine.World, id string) (NodeFacts, bool) {
	switch n := w.Process(id).(type) {
	case *Acceptor:
		f := NodeFacts{Promised: map[string]string{}, Accepted: map[string]string{}, Ballot: map[string]string{}, Decided: map[string]string{}}
		for _, s := range n.slots {
			f.Promised[s.Key] = s.Promised.String()
			if accepted, value := s.accepted(); !accepted.IsZero() {
				f.Accepted[s.Key], f.Ballot[s.Key] = value, accepted.String()
			}
			if s.Decided != "" {
				f.Decided[s.Key] = s.Decided
			}
		}
		return f.compact(), true
	case *Proposer:
		f := NodeFacts{Ballot: map[string]string{}, Decided: map[string]string{}, Phase: map[string]string{}, Retries: n.Retries}
		for _, r := range n.rounds {
			f.Phase[r.Key] = r.Phase
			if !r.Ballot.IsZero() {
				f.Ballot[r.Key] = r.Ballot.String()
			}
			if r.Phase == PhaseDecided {
				f.Decided[r.Key] = r.Decided
			}
		}
		return f.compact(), true
	}
	return NodeFacts{}, false
}

// compact leaves an empty map nil: no key reads the same either way, and
// a test of the facts can tell a map never filled.
func (f NodeFacts) compact() NodeFacts {
	f.Promised, f.Accepted, f.Ballot, f.Decided, f.Phase = orNil(f.Promised), orNil(f.Accepted), orNil(f.Ballot), orNil(f.Decided), orNil(f.Phase)
	return f
}

func orNil[V any](m map[string]V) map[string]V {
	if len(m) == 0 {
		return nil
	}
	return m
}

func clientFactsOf(w *engine.World, id string) (ClientFacts, bool) {
	c, ok := w.Process(id).(*Client)
	if !ok {
		return ClientFacts{}, false
	}
	return ClientFacts{OK: c.OK, Unknown: c.Unknown, Pending: c.ops.Len(), Last: c.last()}, true
}

func clusterFactsOf(w *engine.World) ClusterFacts {
	f := ClusterFacts{Chosen: map[string]string{}, ChosenValues: map[string]int{}, ChosenAt: map[string]string{}}
	acceptors := w.Members(RoleAcceptor)
	for _, key := range votedKeys(w, acceptors) {
		cs := chosen(w, acceptors, key)
		if len(cs) == 0 {
			continue
		}
		f.Chosen[key], f.ChosenAt[key] = cs[0].Value, cs[0].Ballot.String()
		seen := map[string]bool{}
		for _, c := range cs {
			seen[c.Value] = true
		}
		f.ChosenValues[key] = len(seen)
	}
	f.Chosen, f.ChosenValues, f.ChosenAt = orNil(f.Chosen), orNil(f.ChosenValues), orNil(f.ChosenAt)
	f.Chosen, f.ChosenValues, f.ChosenAt = orNil(f.Chosen), orNil(f.ChosenValues), orNil(f.ChosenAt)
	return f
}
