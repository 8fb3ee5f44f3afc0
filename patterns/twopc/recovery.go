package twopc

import (
	"sort"

	"clusterscope/engine"
)

// participantFrom rebuilds participant id from the records of its log
// (intact ones, up to the first torn): balances from the committed
// updates, every PREPARED transaction without an outcome prepared again
// with its locks. start runs it at a restart; the checks run it on the
// disk of a crashed participant.
func participantFrom(id string, recs []engine.Record) *Participant {
	p := &Participant{id: id, txns: map[string]*ptxn{}}
	for _, a := range accountsOf(id) {
		p.accounts = append(p.accounts, account{Name: a, Balance: startBalance})
	}
	for _, r := range recs {
		if !r.Intact() {
			break
		}
		switch rec := r.Data.(type) {
		case prepRec:
			p.txns[rec.Txn] = &ptxn{ID: rec.Txn, Coord: rec.Coord, T: rec.T, Updates: rec.Updates, State: StPrepared, Durable: true}
		case outcomeRec:
			t := p.txns[rec.Txn]
			if t == nil {
				t = &ptxn{ID: rec.Txn}
				p.txns[rec.Txn] = t
			}
			t.State = StAborted
			if rec.Committed {
				t.State, t.Updates = StCommitted, rec.Updates
				p.apply(t)
			}
		}
	}
	for _, tid := range sortedKeys(p.txns) {
		if t := p.txns[tid]; t.State == StPrepared {
			p.lock(t)
		}
	}
	return p
}

// coordinatorFrom rebuilds the coordinator's transactions from its log,
// as start does before it finishes them.
func coordinatorFrom(id string, recs []engine.Record) *Coordinator {
	c := &Coordinator{id: id, txns: map[string]*ctxn{}}
	for i, r := range recs {
		if !r.Intact() {
			break
		}
		switch rec := r.Data.(type) {
		case beginRec:
			t := &ctxn{ID: rec.Txn, Client: rec.Client, Op: rec.Op, T: rec.T, Parts: append([]part(nil), rec.Parts...), Phase: PhVoting, DecisionAt: -1}
			c.txns[t.ID] = t
			c.order = append(c.order, t)
		case decisionRec:
			if t := c.txns[rec.Txn]; t != nil {
				t.Phase, t.Commit, t.Reason, t.DecisionAt, t.DecisionDurable = PhDecided, rec.Commit, rec.Reason, i, true
			}
		case endRec:
			if t := c.txns[rec.Txn]; t != nil {
				t.Phase = PhDone
			}
		}
	}
	for _, t := range c.order {
		if t.Phase != PhDone {
			c.active = append(c.active, t)
		}
	}
	return c
}

func records(d *engine.Disk) []engine.Record {
	if d == nil {
		return nil
	}
	if f := d.File(logFile); f != nil {
		return f.Records()
	}
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return txnLess(keys[i], keys[j]) })
	return keys
}

// txnLess orders transaction names by number (T2 before T10).
func txnLess(a, b string) bool {
	if len(a) != len(b) {
		return len(a) < len(b)
	}
	return a < b
}
