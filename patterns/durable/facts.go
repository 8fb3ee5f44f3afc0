package durable

import (
	"maps"

	"clusterscope/engine"
	"clusterscope/patterns/kit"
)

var (
	nodeFactSource   = kit.ProcessFacts(nodeFactsOf)
	clientFactSource = kit.ProcessFacts(clientFactsOf)
)

// NodeFacts are the server's facts (nodes.athens.<fact>).
type NodeFacts struct {
	Written   int               `fact:"written" doc:"index of the last entry written to the log (durable or not)"`
	Durable   int               `fact:"durable" doc:"the log is durable (fsynced) up to this index"`
	Applied   int               `fact:"applied" doc:"the key-value state includes every entry up to this index"`
	Waiting   int               `fact:"waiting" doc:"puts appended and waiting for their fsync"`
	LWM       int               `fact:"lwm" doc:"its low-water mark: entries at or below it may be discarded"`
	Snapshot  int               `fact:"snapshot" doc:"the index its durable snapshot covers (0: none)"`
	Segments  int               `fact:"segments" doc:"how many log segment files it has"`
	Unsynced  int               `fact:"unsynced" doc:"records on its disk a crash now would lose"`
	Deleted   int               `fact:"deleted" doc:"bytes of log files the cleaner deleted since the server started"`
	Rewritten int               `fact:"rewritten" doc:"bytes the cleaner copied into a new file since the server started (a one-file log keeps its tail so)"`
	KV        map[string]string `fact:"kv" doc:"its key-value state (kv.title...)"`
}

// ClientFacts are a client's facts.
type ClientFacts struct {
	OK      int    `fact:"ok" doc:"its operations that succeeded"`
	Failed  int    `fact:"failed" doc:"its operations that failed (did not happen)"`
	Unknown int    `fact:"unknown" doc:"its operations that timed out (may or may not have happened)"`
	Pending int    `fact:"pending" doc:"its operations waiting for an answer"`
	Last    string `fact:"last" doc:"a short text of its last outcome"`
}

func nodeFactsOf(w *engine.World, id string) (NodeFacts, bool) {
	n, _ := w.Process(id).(*Node)
	if n == nil || n.log == nil {
		return NodeFacts{}, false
	}
	return NodeFacts{
		Written: n.log.lastIndex(), Durable: n.log.durableIndex(), Applied: n.appliedIdx, Waiting: len(n.waiting),
		LWM: n.lwm, Snapshot: n.snapIdx, Segments: len(n.log.segs), Unsynced: n.log.disk.Unsynced(), KV: maps.Clone(n.kv),
		Deleted: n.cleaned.deleted, Rewritten: n.cleaned.rewritten,
	}, true
}

func clientFactsOf(w *engine.World, id string) (ClientFacts, bool) {
	c, _ := w.Process(id).(*Client)
	if c == nil {
		return ClientFacts{}, false
	}
	rc := &c.rc
	return ClientFacts{OK: rc.OK, Failed: rc.Failed, Unknown: rc.Unknown, Pending: len(rc.Pending()), Last: rc.Last()}, true
}
