package wire

import (
	"fmt"
	"time"

	"clusterscope/engine"
	"clusterscope/patterns/kit"
)

// Invariant names (stable: scenarios and tests refer to them).
const (
	// InvAppliedInOrder is the order check's promise, and what the lesson
	// names as the no-order-check variant's first failure.
	InvAppliedInOrder = "applied-in-sender-order"
	InvWithinWindow   = "in-flight-within-window"
	InvAtMostOnce     = "applied-at-most-once"

	InvSentInTime   = "sent-within-linger"
	InvBatchSize    = "batch-within-max-size"
	InvMatchedByID  = "response-matched-by-id"
	InvCompleteOnce = "completed-exactly-once"
)

// lingerSlack is the ε of "sent within linger + ε": the batcher's timer
// fires on the millisecond, so a request is never later than this.
const lingerSlack = time.Millisecond

func pipelineInvariants() []engine.Invariant {
	servers := &serverCount{n: -1}
	return []engine.Invariant{
		{Name: InvAppliedInOrder, Description: "athens applies alice's requests in the order she sent them, with no gap: #4 only after #3.", Check: servers.breach(func(s *Server) string { return s.orderBreach })},
		{Name: InvWithinWindow, Description: "alice never has more requests in flight than the window allows.", Check: clientBreach(func(c *Sender) string { return c.overSent })},
		{Name: InvAtMostOnce, Description: "athens applies each request at most once, however often it is resent.", Check: servers.breach(func(s *Server) string { return s.twiceBreach })},
	}
}

func batchInvariants() []engine.Invariant {
	servers := &serverCount{n: -1}
	return []engine.Invariant{
		{Name: InvSentInTime, Description: "Every request is sent within the linger time (+1 ms) of being enqueued.", Check: sentInTime},
		{Name: InvBatchSize, Description: "No batch holds more requests than the batch size.", Check: clientBreach(func(c *Batcher) string { return c.sizeBreach })},
		{Name: InvMatchedByID, Description: "Every future is completed with the answer that names its own request.", Check: clientBreach(func(c *Batcher) string { return c.matchBreach })},
		{Name: InvCompleteOnce, Description: "Every future is completed once.", Check: clientBreach(func(c *Batcher) string { return c.twiceBreach })},
		{Name: InvAtMostOnce, Description: "athens applies each request at most once, however often its batch is resent.", Check: servers.breach(func(s *Server) string { return s.twiceBreach })},
	}
}

// serverCount is how many server nodes one run has, read once: a run's
// nodes are fixed when it is built, and World.Nodes copies their list at
// every call (the checks run after every step).
type serverCount struct{ n int }

// breach is a check that reports the first server's breach text finds.
func (c *serverCount) breach(text func(*Server) string) func(*engine.World) (string, []string) {
	return func(w *engine.World) (string, []string) {
		if c.n < 0 {
			c.n = len(w.Nodes())
		}
		for i := range c.n {
			if s, ok := w.NodeProcess(i).(*Server); ok {
				if t := text(s); t != "" {
					return t, []string{s.id}
				}
			}
		}
		return "", nil
	}
}

func clientBreach[P interface{ *Sender | *Batcher }](text func(P) string) func(*engine.World) (string, []string) {
	return func(w *engine.World) (string, []string) {
		for _, id := range w.Members(engine.RoleClient) {
			if c, ok := w.Process(id).(P); ok {
				if t := text(c); t != "" {
					return t, []string{id}
				}
			}
		}
		return "", nil
	}
}

// sentInTime is the batcher's liveness promise, checked at every step: no
// request still waits in a batcher past its deadline.
func sentInTime(w *engine.World) (string, []string) {
	for _, id := range w.Members(engine.RoleClient) {
		c, ok := w.Process(id).(*Batcher)
		if !ok || len(c.queue) == 0 {
			continue
		}
		q := c.queue[0]
		if now := w.Clock(id); now > q.due+lingerSlack {
			return fmt.Sprintf("%s's request %d (%s) has waited %v unsent (linger %v)", id, q.id, q.op, (now - q.at).Round(time.Millisecond), q.due-q.at), []string{id}
		}
	}
	return "", nil
}

// settled: once every fault is healed, athens is up and every request a
// client made more than answerWithin ago is answered. Requests younger than
// that are the offered load still arriving, not a stuck one (a request the
// pipeline or a batcher lost track of waits for ever, and is caught).
func settled(w *engine.World) kit.Verdict {
	for _, id := range w.Members(engine.RoleNode) {
		if _, ok := w.Process(id).(*Server); !ok {
			return kit.Verdict{Check: "up", Text: id + " is not up"}
		}
	}
	for _, id := range w.Members(engine.RoleClient) {
		n, oldest := 0, time.Duration(0)
		switch c := w.Process(id).(type) {
		case *Sender:
			n, oldest = c.waiting(), c.oldestCall()
		case *Batcher:
			n, oldest = c.waiting(), c.oldestCall()
		}
		if n > 0 && w.Now()-oldest > answerWithin {
			return kit.Verdict{Check: "answered", Text: fmt.Sprintf("%s still waits for %d requests, the oldest made %v ago", id, n, (w.Now() - oldest).Round(time.Millisecond))}
		}
	}
	return kit.Verdict{Check: "settled", OK: true, Text: "every request made more than a second ago is answered"}
}

// answerWithin is how long after its call a request must be answered once
// the cluster is healthy: several resend periods and round trips.
const answerWithin = time.Second
