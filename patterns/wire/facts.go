package wire

import (
	"clusterscope/engine"
	"clusterscope/patterns/kit"
)

var (
	serverFactSource = kit.ProcessFacts(serverFactsOf)
	clientFactSource = kit.ProcessFacts(clientFactsOf)
)

// ServerFacts are athens's facts.
type ServerFacts struct {
	X          string `fact:"x" doc:"the value of key x in athens's store"`
	Queued     int    `fact:"queued" doc:"messages waiting in athens's receive queue"`
	Peak       int    `fact:"peak" doc:"the deepest athens's receive queue has been in the current 100 ms"`
	Applied    int    `fact:"applied" doc:"requests athens applied (refused ones not counted)"`
	Dropped    int    `fact:"dropped" doc:"messages athens dropped because its receive queue was full"`
	Rejected   int    `fact:"rejected" doc:"pipelined requests athens rejected as out of order"`
	Duplicates int    `fact:"duplicates" doc:"pipelined requests that reached athens again after it applied them"`
	Messages   int    `fact:"messages" doc:"messages athens has served"`
	Expected   int    `fact:"expected" doc:"the sequence number athens expects next from alice (pipeline)"`
}

// ClientFacts are a client's facts.
type ClientFacts struct {
	Waiting   int    `fact:"waiting" doc:"its requests not answered yet"`
	InFlight  int    `fact:"inFlight" doc:"pipeline: requests sent and not answered"`
	Blocked   int    `fact:"blocked" doc:"pipeline: requests waiting for a slot in the window"`
	Queued    int    `fact:"queued" doc:"batch: requests in the batch being built"`
	Completed int    `fact:"completed" doc:"its requests answered"`
	Refused   int    `fact:"refused" doc:"batch: its requests refused by athens"`
	Messages  int    `fact:"messages" doc:"messages it has sent (resends included)"`
	Requests  int    `fact:"requests" doc:"batch: requests it has sent inside them"`
	Resent    int    `fact:"resent" doc:"requests (pipeline) or batches it sent again"`
	Last      string `fact:"last" doc:"batch: the answer its last completed request got"`
}

func serverFactsOf(w *engine.World, id string) (ServerFacts, bool) {
	s, ok := w.Process(id).(*Server)
	if !ok {
		return ServerFacts{}, false
	}
	f := ServerFacts{X: s.store["x"], Queued: len(s.queue), Peak: s.peak, Applied: s.Applied, Dropped: s.Dropped, Rejected: s.Rejected, Duplicates: s.Duplicates, Messages: s.Messages, Expected: 1}
	if ss := s.sessions["alice"]; ss != nil {
		f.Expected = ss.next
	}
	return f, true
}

func clientFactsOf(w *engine.World, id string) (ClientFacts, bool) {
	switch c := w.Process(id).(type) {
	case *Sender:
		return ClientFacts{Waiting: c.waiting(), InFlight: len(c.flight), Blocked: len(c.outbox), Completed: c.Completed, Messages: c.Messages, Resent: c.Resent}, true
	case *Batcher:
		return ClientFacts{Waiting: c.waiting(), Queued: len(c.queue), Completed: c.Completed, Refused: c.Refused, Messages: c.Messages, Requests: c.Requests, Resent: c.Resent, Last: c.last.String()}, true
	}
	return ClientFacts{}, false
}
