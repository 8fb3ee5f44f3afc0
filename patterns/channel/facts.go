package channel

import (
	"maps"

	"clusterscope/engine"
	"clusterscope/patterns/kit"
)

var (
	nodeFactSource    = kit.ProcessFacts(nodeFactsOf)
	clientFactSource  = kit.ProcessFacts(clientFactsOf)
	clusterFactSource = kit.ClusterFacts(clusterFactsOf)
)

// NodeFacts are a server's facts: athens's channels (by follower), or a
// follower's side of its channel.
type NodeFacts struct {
	LogLength  int               `fact:"logLength" doc:"entries in athens's log"`
	Conn       map[string]int    `fact:"conn" doc:"athens: the id of its open connection to each follower (0: none)"`
	Acked      map[string]int    `fact:"acked" doc:"athens: the last entry each follower acknowledged"`
	PeerFailed map[string]bool   `fact:"peerFailed" doc:"athens: the followers it treats as failed (idle timeout)"`
	Opened     map[string]int    `fact:"opened" doc:"athens: connections it opened to each follower"`
	Applied    int               `fact:"applied" doc:"a follower: entries applied"`
	LastSeq    int               `fact:"lastSeq" doc:"a follower: the Seq of the last entry it applied"`
	Skipped    int               `fact:"skipped" doc:"a follower: duplicate frames skipped"`
	Suspects   bool              `fact:"suspects" doc:"a follower treats athens as failed (idle timeout)"`
	Suspicions int               `fact:"suspicions" doc:"a follower: times it began to treat athens as failed"`
	KV         map[string]string `fact:"kv" doc:"a follower: its key-value state"`
}

// ClientFacts are a client's facts.
type ClientFacts struct {
	OK      int    `fact:"ok" doc:"its operations that succeeded"`
	Unknown int    `fact:"unknown" doc:"its writes that timed out (they may have happened)"`
	Failed  int    `fact:"failed" doc:"its operations that failed or whose reads timed out"`
	Pending int    `fact:"pending" doc:"its operations waiting for an answer"`
	Last    string `fact:"last" doc:"a short text of its last outcome"`
}

// ClusterFacts are the wire's counters between athens and its followers,
// by follower.
type ClusterFacts struct {
	InFlight      map[string]int `fact:"inFlight" doc:"messages on their way from athens to each follower"`
	BytesInFlight map[string]int `fact:"bytesInFlight" doc:"bytes on their way from athens to each follower"`
	Sent          map[string]int `fact:"sent" doc:"messages athens has put on the link to each follower"`
}

func nodeFactsOf(w *engine.World, id string) (NodeFacts, bool) {
	n, ok := w.Process(id).(*Node)
	if !ok {
		return NodeFacts{}, false
	}
	if n.lead {
		f := NodeFacts{LogLength: len(n.log), Conn: map[string]int{}, Acked: map[string]int{}, PeerFailed: map[string]bool{}, Opened: map[string]int{}}
		for _, ch := range n.channels {
			f.Conn[ch.peer], f.Acked[ch.peer], f.PeerFailed[ch.peer], f.Opened[ch.peer] = int(ch.conn), ch.acked, ch.failed, ch.opened
		}
		return f, true
	}
	fl := &n.follower
	f := NodeFacts{Applied: len(fl.applied), Skipped: fl.Skipped, Suspects: fl.suspects, Suspicions: fl.Suspicions, KV: maps.Clone(fl.kv)}
	if k := len(fl.applied); k > 0 {
		f.LastSeq = fl.applied[k-1]
	}
	return f, true
}

func clientFactsOf(w *engine.World, id string) (ClientFacts, bool) {
	c, _ := w.Process(id).(*Client)
	if c == nil {
		return ClientFacts{}, false
	}
	return ClientFacts{OK: c.OK, Unknown: c.Unknown, Failed: c.Failed, Pending: len(c.pending), Last: c.last.String()}, true
}

func clusterFactsOf(w *engine.World) ClusterFacts {
	f := ClusterFacts{InFlight: map[string]int{}, BytesInFlight: map[string]int{}, Sent: map[string]int{}}
	leaders := w.Members(roleLeader)
	if len(leaders) == 0 {
		return f
	}
	for _, id := range w.Members(roleFollower) {
		s := w.LinkStats(leaders[0], id)
		f.InFlight[id], f.BytesInFlight[id], f.Sent[id] = s.InFlight, int(s.BytesInFlight), int(s.Sent)
	}
	return f
}
