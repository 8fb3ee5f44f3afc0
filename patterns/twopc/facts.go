package twopc

import (
	"clusterscope/engine"
	"clusterscope/patterns/kit"
)

var (
	nodeFactSource    = kit.ProcessFacts(nodeFactsOf)
	clientFactSource  = kit.ProcessFacts(clientFactsOf)
	clusterFactSource = kit.ClusterFacts(clusterFactsOf)
)

// NodeFacts are a server's facts.
type NodeFacts struct {
	Txn       map[string]string `fact:"txn" doc:"a participant: its state per transaction (prepared, committed, aborted); the coordinator: the phase (logging, voting, stopped, deciding, decided, done)"`
	Decision  map[string]string `fact:"decision" doc:"the coordinator: its durable decision per transaction (commit or abort)"`
	Balance   map[string]int    `fact:"balance" doc:"a participant: the balance of each of its accounts"`
	Lock      map[string]string `fact:"lock" doc:"a participant: the transaction holding each locked account"`
	Prepared  int               `fact:"prepared" doc:"a participant: transactions it holds prepared (blocked until it hears the outcome)"`
	Refused   int               `fact:"refused" doc:"a participant: prepares it voted no on since it started"`
	Recovered int               `fact:"recovered" doc:"a participant: PREPARED transactions it reloaded from its log at its last start"`
	Stopped   string            `fact:"stopped" doc:"the coordinator: the transaction it is stopped on at a crash point (empty: none)"`
	Active    int               `fact:"active" doc:"the coordinator: transactions not finished"`
}

// ClientFacts are a client's facts.
type ClientFacts struct {
	Committed int    `fact:"committed" doc:"its transfers that committed"`
	Aborted   int    `fact:"aborted" doc:"its transfers that aborted"`
	GaveUp    int    `fact:"gaveUp" doc:"its transfers it gave up waiting for"`
	Pending   int    `fact:"pending" doc:"its transfers waiting for an outcome"`
	Last      string `fact:"last" doc:"its last outcome (T1 committed, T2 aborted: ...)"`
}

// ClusterFacts are what no single process knows.
type ClusterFacts struct {
	Money   int `fact:"money" doc:"the bank's total: every balance plus what committed transactions still have to apply"`
	Start   int `fact:"startMoney" doc:"the total the bank started with"`
	Blocked int `fact:"blocked" doc:"participants holding a prepared transaction (blocked, with its locks)"`
	Mixed   int `fact:"mixed" doc:"transactions committed on one participant and aborted on another (atomicity broken)"`
}

func nodeFactsOf(w *engine.World, id string) (NodeFacts, bool) {
	switch n := w.Process(id).(type) {
	case *Participant:
		f := NodeFacts{Txn: map[string]string{}, Balance: map[string]int{}, Lock: map[string]string{},
			Prepared: len(n.prepared), Refused: n.Refused, Recovered: n.Recovered}
		for tid, t := range n.txns {
			f.Txn[tid] = t.State
		}
		for _, a := range n.accounts {
			f.Balance[a.Name] = a.Balance
			if a.Holder != "" {
				f.Lock[a.Name] = a.Holder
			}
		}
		return f.compact(), true
	case *Coordinator:
		f := NodeFacts{Txn: map[string]string{}, Decision: map[string]string{}, Active: len(n.active)}
		for _, t := range n.order {
			f.Txn[t.ID] = t.Phase
			if t.DecisionDurable {
				f.Decision[t.ID] = verb(t.Commit)
			}
			if t.Phase == PhHeld {
				f.Stopped = t.ID
			}
		}
		return f.compact(), true
	}
	return NodeFacts{}, false
}

func (f NodeFacts) compact() NodeFacts {
	f.Txn, f.Decision, f.Balance, f.Lock = orNil(f.Txn), orNil(f.Decision), orNil(f.Balance), orNil(f.Lock)
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
	return ClientFacts{Committed: c.Committed, Aborted: c.Aborted, GaveUp: c.Unknown, Pending: c.ops.Len(), Last: c.last()}, true
}

func clusterFactsOf(w *engine.World) ClusterFacts {
	m := countMoney(w, nil)
	f := ClusterFacts{Money: m.Total(), Start: m.Start}
	parts := w.Members(RoleParticipant)
	ps := make([]*Participant, len(parts))
	for i, id := range parts {
		ps[i] = participantOf(w, id, nil)
		if len(ps[i].prepared) > 0 {
			f.Blocked++
		}
	}
	c, _ := coordinatorOf(w, nil)
	if c == nil {
		return f
	}
	for _, t := range c.order {
		var committed, aborted bool
		for _, p := range ps {
			switch p.stateOf(t.ID) {
			case StCommitted:
				committed = true
			case StAborted:
				aborted = true
			}
		}
		if committed && aborted {
			f.Mixed++
		}
	}
	return f
}
