package keyrange

import (
	"clusterscope/engine"
	"clusterscope/patterns/kit"
)

var (
	nodeFactSource    = kit.ProcessFacts(nodeFactsOf)
	clientFactSource  = kit.ProcessFacts(clientFactsOf)
	clusterFactSource = kit.ClusterFacts(clusterFactsOf)
)

// NodeFacts are a server's facts (a data node's, or the coordinator's).
type NodeFacts struct {
	Ranges  int               `fact:"ranges" doc:"a data node: the ranges it serves (online)"`
	Keys    int               `fact:"keys" doc:"a data node: the keys in the ranges it serves"`
	Holds   map[string]string `fact:"holds" doc:"a data node: the range each key it stores is in, key by key (r2)"`
	Refused int               `fact:"refused" doc:"a data node: requests it refused (stale epoch, key not in range, range moved...) since it started"`
	Version int               `fact:"version" doc:"the coordinator: its table version"`
	Busy    string            `fact:"busy" doc:"the coordinator: the split or move under way (split, move, create; \"\" when none)"`
}

// ClientFacts are a client's facts.
type ClientFacts struct {
	Version    int               `fact:"version" doc:"the version of its cached range table"`
	OK         int               `fact:"ok" doc:"its operations that succeeded"`
	Refusals   int               `fact:"refusals" doc:"refusals it got from data nodes (each one makes it fetch the table)"`
	Fetches    int               `fact:"fetches" doc:"times it fetched the range table"`
	Pending    int               `fact:"pending" doc:"its operations under way"`
	Last       string            `fact:"last" doc:"a short text of its last outcome"`
	Read       map[string]string `fact:"read" doc:"the value it last read, key by key"`
	Scanned    string            `fact:"scanned" doc:"the keys its last scan returned, in order, joined by commas"`
	ScanRanges int               `fact:"scanRanges" doc:"how many range requests answered its last scan"`
}

// ClusterFacts are the cluster's facts, from the coordinator's table (its
// disk while it is down) and every node.
type ClusterFacts struct {
	Version int               `fact:"version" doc:"the coordinator's table version"`
	Ranges  int               `fact:"ranges" doc:"ranges in the table"`
	Owner   map[string]string `fact:"owner" doc:"the node the table names for each range (owner.r2)"`
	Epoch   map[string]int    `fact:"epoch" doc:"each range's epoch in the table"`
	State   map[string]string `fact:"state" doc:"each range's state in the table: online, splitting, moving or creating"`
	RangeOf map[string]string `fact:"rangeOf" doc:"for each stored key, the range the table routes it to"`
	Splits  int               `fact:"splits" doc:"splits the coordinator committed"`
	Moves   int               `fact:"moves" doc:"moves the coordinator completed"`
	Stray   int               `fact:"stray" doc:"keys stored in a range that does not cover them (the broken variant's harm)"`
}

func nodeFactsOf(w *engine.World, id string) (NodeFacts, bool) {
	switch p := w.Process(id).(type) {
	case *Node:
		f := NodeFacts{Holds: map[string]string{}, Refused: p.Refusals}
		for _, r := range p.ranges {
			if r.State == heldOnline {
				f.Ranges++
				f.Keys += len(r.Keys)
			}
			for k := range r.Keys {
				f.Holds[k] = rangeName(r.ID)
			}
		}
		return f, true
	case *CoordinatorProc:
		return NodeFacts{Version: p.t.Version, Busy: p.t.Op.Kind}, true
	}
	return NodeFacts{}, false
}

func clientFactsOf(w *engine.World, id string) (ClientFacts, bool) {
	c, ok := w.Process(id).(*Client)
	if !ok {
		return ClientFacts{}, false
	}
	f := ClientFacts{Version: c.version, OK: c.OK, Refusals: c.Refusals, Fetches: c.Fetches, Pending: len(c.ops) + len(c.fill),
		Last: c.last(), Read: map[string]string{}, Scanned: c.scanned(), ScanRanges: c.lastScan.Ranges}
	for k, v := range c.Read {
		f.Read[k] = v
	}
	return f, true
}

func clusterFactsOf(w *engine.World) ClusterFacts {
	f := ClusterFacts{Owner: map[string]string{}, Epoch: map[string]int{}, State: map[string]string{}, RangeOf: map[string]string{}}
	t, ok := coordinatorTable(w)
	if !ok {
		return f
	}
	f.Version, f.Ranges, f.Splits, f.Moves = t.Version, len(t.Ranges), t.Splits, t.Moves
	for _, r := range t.Ranges {
		name := rangeName(r.ID)
		f.Owner[name], f.Epoch[name], f.State[name] = r.Owner, r.Epoch, r.State
	}
	for _, id := range w.Nodes() {
		if w.Role(id) != RoleData {
			continue
		}
		for _, r := range rangesOf(w, id) {
			for k := range r.Keys {
				if tr := tableRange(t.Ranges, k); tr != nil {
					f.RangeOf[k] = rangeName(tr.ID)
				}
				if !contains(r.Start, r.End, k) {
					f.Stray++
				}
			}
		}
	}
	return f
}
