package kit

import (
	"fmt"
	"strconv"
	"time"

	"clusterscope/engine"
)

// Targeting is how a RetryingClient picks the server for a new operation
// (one the learner did not send to a named server).
type Targeting int

const (
	// TargetLeader sends to the server it believes leads: the last one
	// that answered or was named in a hint; the first server before any.
	TargetLeader Targeting = iota
	// TargetAny sends each operation to a server drawn at random (from
	// the client's own seeded stream).
	TargetAny
	// TargetRoundRobin sends the operations to the servers in turn.
	TargetRoundRobin
)

// ClientConfig is what a pattern tells its RetryingClient.
type ClientConfig[In any] struct {
	Targeting Targeting
	// Timeout is how long an operation may take in all; past it its
	// outcome is unknown. Each try waits Timeout/MaxTries for an answer
	// before the client moves to the next server.
	Timeout func(env engine.Env) time.Duration
	// MaxTries is how many tries the client makes before it gives up.
	MaxTries int
	// RetryWait is the pause before trying the next server after a
	// refusal that named no other server (an election may be under way).
	RetryWait time.Duration
	// Request is the message a try sends for an operation; id is the
	// correlation id the answer must carry.
	Request func(id int, in In) engine.Message
	// GiveUp is the outcome of an operation abandoned after MaxTries
	// refusals: engine.OpUnknown when an earlier try may still take
	// effect (a write), engine.OpFail when nothing changed (a read).
	GiveUp func(in In) engine.OpStatus
	// Servers lists the servers the client may try (nil: every server,
	// env.Peers()); a page whose servers have several roles names the
	// ones that answer clients.
	Servers func(env engine.Env) []string
}

// ClientOp is an operation a RetryingClient is waiting on.
type ClientOp[In any] struct {
	ID     int // its id in the history, also its correlation id
	In     In
	Target string // the server the current try goes to
	Tries  int    // refused or unanswered tries so far
	sent   bool   // a try is out, waiting for its answer
	// The names of its timers, made once: each is set and cancelled.
	timeoutTimer, retryTimer string
}

// The timers of a RetryingClient, per operation id.
var (
	clientTimeout = TimerKey[int]{Name: "timeout"}
	clientRetry   = TimerKey[int]{Name: "retry"}
)

// RetryingClient is the client half most patterns need: it records each
// operation in the history, sends it to a server chosen by its Targeting,
// follows a refusal's hint to another server at once, tries the next
// server in turn after a refusal without a hint or a try without an answer
// (a crashed or paused server), and gives up after MaxTries or Timeout.
// Retrying at another server is safe only when servers apply an operation
// id once: that is the pattern's part.
//
// A pattern's client process embeds or holds one and forwards its events:
// Start at EvStart, Invoke for a request, Answer and Refused for the
// server's replies, Timer for every timer.
type RetryingClient[In fmt.Stringer] struct {
	Config ClientConfig[In]

	servers []string
	leader  string // best guess, for TargetLeader
	turn    int    // next server, for TargetRoundRobin
	waiting WaitingList[int, *ClientOp[In]]
	// results are the last keptResults outcomes, a ring: the i-th
	// outcome (from 0) is results[i%keptResults]; done counts them.
	results [keptResults]clientResult[In]
	done    int

	OK, Unknown, Failed int // operations by outcome
}

// clientResult is an outcome as the view lists it; the text is built only
// when the view is.
type clientResult[In fmt.Stringer] struct {
	in   In
	text string
}

func (r clientResult[In]) String() string { return r.in.String() + " → " + r.text }

// keptResults is how many outcomes the view lists.
const keptResults = 5

// Start learns the servers (at boot or restart).
func (c *RetryingClient[In]) Start(env engine.Env) {
	if c.Config.Servers != nil {
		c.servers = c.Config.Servers(env)
		return
	}
	c.servers = env.Peers()
}

// Servers are the servers the client knows (nil before Start).
func (c *RetryingClient[In]) Servers() []string { return c.servers }

// Leader is the server a new operation goes to under TargetLeader ("" if
// none is known).
func (c *RetryingClient[In]) Leader() string { return c.leader }

// Pending lists the operations waiting for an answer, oldest first.
func (c *RetryingClient[In]) Pending() []Waiting[int, *ClientOp[In]] { return c.waiting.All() }

// Last is the text of the last outcome ("" before any).
func (c *RetryingClient[In]) Last() string {
	if c.done == 0 {
		return ""
	}
	return c.results[(c.done-1)%keptResults].String()
}

// Invoke starts an operation: to server node when it is not "", else to
// the one the targeting picks.
func (c *RetryingClient[In]) Invoke(env engine.Env, in In, node string) {
	target := node
	if target == "" {
		target = c.pick(env)
	}
	op := &ClientOp[In]{ID: env.Invoke(in), In: in, Target: target}
	op.timeoutTimer, op.retryTimer = opTimers(op.ID)
	timeout := c.Config.Timeout(env)
	c.waiting.Add(op.ID, op, env.Now()+timeout)
	env.SetTimer(op.timeoutTimer, timeout)
	c.send(env, op)
}

// opTimers is clientTimeout.For(id) and clientRetry.For(id), written as
// one string that both are cut from: one allocation per operation, not
// four.
func opTimers(id int) (timeout, retry string) {
	var buf [48]byte
	b := strconv.AppendInt(append(buf[:0], clientTimeout.Name+"#"...), int64(id), 10)
	n := len(b)
	b = strconv.AppendInt(append(b, clientRetry.Name+"#"...), int64(id), 10)
	both := string(b)
	return both[:n], both[n:]
}

func (c *RetryingClient[In]) pick(env engine.Env) string {
	if len(c.servers) == 0 {
		return c.leader
	}
	switch c.Config.Targeting {
	case TargetAny:
		return c.servers[env.Rand().IntN(len(c.servers))]
	case TargetRoundRobin:
		s := c.servers[c.turn%len(c.servers)]
		c.turn++
		return s
	}
	if c.leader != "" {
		return c.leader
	}
	return c.servers[0]
}

// send puts op to its target and arms its retry timer: if the target says
// nothing within a try's share of the timeout (it may be down or paused),
// the client tries the next server.
func (c *RetryingClient[In]) send(env engine.Env, op *ClientOp[In]) {
	op.sent = true
	env.Send(op.Target, c.Config.Request(op.ID, op.In))
	env.SetTimer(op.retryTimer, c.Config.Timeout(env)/time.Duration(c.Config.MaxTries))
}

// Answer completes operation id with out, as server from answered it;
// text is how the view shows the outcome ("ok", a value read). An answer
// to an operation no longer waiting (a duplicate, or one given up) is
// ignored.
func (c *RetryingClient[In]) Answer(env engine.Env, from string, id int, out any, text string) {
	if _, ok := c.waiting.Get(id); !ok {
		return
	}
	c.leader = from
	c.finish(env, id, out, engine.OpOK, text)
}

// End completes operation id with status st and no output, as server
// from's final word (a refusal that retrying cannot change, such as an
// expired session); text is how the view shows it.
func (c *RetryingClient[In]) End(env engine.Env, from string, id int, st engine.OpStatus, text string) {
	if _, ok := c.waiting.Get(id); ok {
		c.leader = from
		c.finish(env, id, nil, st, text)
	}
}

// Refused handles server from's refusal of operation id (it is not the
// leader); hint is the server it names instead, or "".
func (c *RetryingClient[In]) Refused(env engine.Env, from string, id int, hint string) {
	if op, ok := c.waiting.Get(id); ok {
		c.retry(env, op, from, hint)
	}
}

// Timer handles the client's own timers and reports whether name was one.
func (c *RetryingClient[In]) Timer(env engine.Env, name string) bool {
	if id, ok := clientRetry.Match(name); ok {
		if op, ok := c.waiting.Get(id); ok {
			if op.sent { // no answer from op.Target
				c.retry(env, op, op.Target, "")
			} else {
				c.send(env, op)
			}
		}
		return true
	}
	if id, ok := clientTimeout.Match(name); ok {
		if _, ok := c.waiting.Get(id); ok {
			c.finish(env, id, nil, engine.OpUnknown, "timed out")
		}
		return true
	}
	return false
}

// retry moves op on after a try that did not reach the leader: to the
// hinted server at once, or, without a hint, to the next server in turn
// after RetryWait. It gives up after MaxTries.
func (c *RetryingClient[In]) retry(env engine.Env, op *ClientOp[In], from, hint string) {
	op.Tries++
	if op.Tries >= c.Config.MaxTries {
		c.finish(env, op.ID, nil, c.Config.GiveUp(op.In), "gave up, no leader")
		return
	}
	if hint != "" && hint != from {
		c.leader = hint
		op.Target = hint
		c.send(env, op)
		return
	}
	if c.leader == from {
		c.leader = ""
	}
	op.Target = c.leader // another answer may have named the leader meanwhile
	if op.Target == "" {
		op.Target = c.nextServer(from)
	}
	op.sent = false
	env.SetTimer(op.retryTimer, c.Config.RetryWait)
}

// nextServer is the server after s, in turn.
func (c *RetryingClient[In]) nextServer(s string) string {
	i := 0
	for j, x := range c.servers {
		if x == s {
			i = j + 1
		}
	}
	return c.servers[i%len(c.servers)]
}

func (c *RetryingClient[In]) finish(env engine.Env, id int, out any, st engine.OpStatus, text string) {
	op, _ := c.waiting.Remove(id) // every caller found id waiting
	env.CancelTimer(op.timeoutTimer)
	env.CancelTimer(op.retryTimer)
	env.Complete(id, out, st)
	switch st {
	case engine.OpOK:
		c.OK++
	case engine.OpUnknown:
		c.Unknown++
	default:
		c.Failed++
	}
	c.results[c.done%keptResults] = clientResult[In]{op.In, text}
	c.done++
}

// Widgets are the client's panel: its pending operations, its last
// outcomes and its counters.
func (c *RetryingClient[In]) Widgets() []engine.Widget {
	items := make([]string, 0, c.waiting.Len())
	for _, w := range c.waiting.All() {
		op := w.Value
		s := op.In.String() + " → " + op.Target
		if op.Tries > 0 {
			s += " (try " + strconv.Itoa(op.Tries+1) + ")"
		}
		items = append(items, s)
	}
	var results []string
	for i := max(0, c.done-keptResults); i < c.done; i++ {
		results = append(results, c.results[i%keptResults].String())
	}
	fields := []engine.Field{
		{Label: "ok", Value: strconv.Itoa(c.OK)},
		{Label: "unknown", Value: strconv.Itoa(c.Unknown)},
		{Label: "failed", Value: strconv.Itoa(c.Failed)},
	}
	if c.Config.Targeting == TargetLeader { // a guess only a client that follows a leader makes
		fields = append([]engine.Field{{Label: "leader guess", Value: c.leader}}, fields...)
	}
	return []engine.Widget{
		{Type: "queue", Title: "pending", Items: items},
		{Type: "queue", Title: "results", Items: results},
		{Type: "fields", Title: "client", Fields: fields},
	}
}

// Get finds the waiting operation id (to word its answer, say).
func (c *RetryingClient[In]) Get(id int) (*ClientOp[In], bool) { return c.waiting.Get(id) }
