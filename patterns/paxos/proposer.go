package paxos

import (
	"strings"
	"time"

	"clusterscope/engine"
	"clusterscope/patterns/kit"
)

// Proposer is athens or byzantium: it takes clients' proposals and runs
// the two phases per key until a value is chosen, then announces it. It
// keeps the highest round it has used or seen on its disk (a ballot must
// never be used twice, even across a crash) and the proposals it has not
// seen decided (so that it finishes them after a restart).
type Proposer struct {
	id        string
	idx       int      // its place among the proposers, in its ballots
	acceptors []string // the acceptors, in the order of the vote masks
	learners  []string // the other proposers, told of every decision
	round     int      // the highest round used or seen
	keys      keyIndex
	rounds    []*round

	ownValue bool // the broken variant is on

	now time.Duration // local time at the last event

	Decisions, Retries int
}

// round is a proposer's work on one key.
type round struct {
	Key     string
	Own     string // the value the first client asked for
	Ballot  Ballot // the ballot of the current attempt
	Phase   string
	Value   string // the value sent in phase 2
	Decided string // the chosen value, once known
	// Promises and Accepts are masks of the acceptors that answered yes
	// to the current ballot's phase; Best is the highest accepted ballot
	// a promise reported, and BestValue its value.
	Promises, Accepts uint32
	Best              Ballot
	BestValue         string
	Attempts          int           // ballots tried since the last success, for the backoff
	Since             time.Duration // local time the current phase began
	waiters           []waiter
	pendingKey        string
	timer             string // its retry timer's name, made once
	ballot            string // Ballot as text, made at each prepare ("": not made)
}

// ballotText is r.Ballot as String writes it: made once a ballot, as a
// round's notes name its ballot three times or more.
func (r *round) ballotText() string {
	if r.ballot == "" {
		return r.Ballot.String()
	}
	return r.ballot
}

type waiter struct {
	Client string
	ID     int
}

// Phases of a round.
const (
	PhasePrepare = "prepare"
	PhaseAccept  = "accept"
	PhaseBackoff = "backoff"
	PhaseDecided = "decided"
)

var (
	diskRound   = kit.Record[int]{Key: "round"}
	retryTimer  = kit.TimerKey[string]{Name: "backoff"}
	pendingPfx  = "pending/"
	phaseExpiry = 100 * time.Millisecond // a phase with no majority by then is tried again
)

// The expiry task: one periodic check gives up every phase that has waited
// phaseExpiry for a majority, rather than a timer per key and phase.
const (
	expiryCheck         = "expiry-check"
	expiryCheckInterval = 25 * time.Millisecond
)

// The backoff before a new ballot: random in [1ms, backoffBase·2^attempts],
// at most backoffCap. Two proposers that pre-empt each other thus soon
// leave one of them enough time to finish both phases.
const (
	backoffBase = 10 * time.Millisecond
	backoffCap  = 320 * time.Millisecond
)

func newProposer(id string) *Proposer { return &Proposer{id: id} }

func (p *Proposer) majority() int { return len(p.acceptors)/2 + 1 }

// Handle is the proposer's state machine.
func (p *Proposer) Handle(env engine.Env, ev engine.Event) {
	switch ev.Kind {
	case engine.EvStart:
		p.start(env)
	case engine.EvTimer:
		p.now = env.Now()
		if ev.Timer == expiryCheck {
			p.expire(env)
			env.SetTimer(expiryCheck, expiryCheckInterval)
		} else if key, ok := retryTimer.Match(ev.Timer); ok {
			p.timer(env, key)
		}
	case engine.EvReceive:
		p.now = env.Now()
		p.ownValue = env.Variant(VarIgnoreAccepted)
		switch m := ev.Msg.(type) {
		case Propose:
			p.propose(env, ev.From, m)
		case Promise:
			p.promise(env, ev.From, m)
		case Accepted:
			p.accepted(env, ev.From, m)
		case Commit:
			if r := p.find(m.Key); r != nil && r.Phase != PhaseDecided {
				env.CancelTimer(r.timer)
				engine.Notef(env, "%s learns from %s that %s=%s was chosen at %s", engine.S(p.id), engine.S(m.Ballot.Node), engine.S(m.Key), engine.S(m.Value), engine.S(m.Ballot.String()))
				p.decide(env, r, m.Value)
			} else if r == nil {
				r = p.newRound(m.Key)
				r.Phase, r.Decided = PhaseDecided, m.Value
			}
		}
	}
}

// start rebuilds the proposer from its disk: its round counter, and the
// proposals it had not seen decided, which it takes up again (their
// clients may have given up; the value may still be chosen).
func (p *Proposer) start(env engine.Env) {
	*p = Proposer{id: p.id}
	st := env.Storage()
	p.round, _ = diskRound.Get(st)
	for i, id := range env.Members(RoleProposer) {
		if id == p.id {
			p.idx = i
		} else {
			p.learners = append(p.learners, id)
		}
	}
	p.acceptors = env.Members(RoleAcceptor)
	// The first check comes at a random point of the interval, so that the
	// proposers do not check in step.
	env.SetTimer(expiryCheck, time.Duration(1+env.Rand().Int64N(int64(expiryCheckInterval))))
	for _, k := range st.Keys() {
		key, ok := strings.CutPrefix(k, pendingPfx)
		if !ok {
			continue
		}
		v, _ := st.Get(k)
		r := p.newRound(key)
		r.Own, r.pendingKey, r.Phase = v.(string), k, PhaseBackoff
		env.SetTimer(r.timer, p.backoff(env, r))
	}
}

func (p *Proposer) find(key string) *round {
	if i, ok := p.keys.find(key); ok {
		return p.rounds[i]
	}
	return nil
}

func (p *Proposer) newRound(key string) *round {
	p.keys.add(key)
	r := &round{Key: key, timer: retryTimer.For(key)}
	p.rounds = append(p.rounds, r)
	return r
}

// propose takes a client's proposal: answered at once when the key is
// decided, joined to the round under way, or the start of a new one.
func (p *Proposer) propose(env engine.Env, client string, m Propose) {
	r := p.find(m.Key)
	if r != nil && r.Phase == PhaseDecided {
		env.Send(client, Decided{ID: m.ID, Key: m.Key, Value: r.Decided})
		return
	}
	w := waiter{Client: client, ID: m.ID}
	if r != nil {
		r.waiters = append(r.waiters, w)
		return
	}
	r = p.newRound(m.Key)
	r.Own, r.waiters = m.Value, append(r.waiters, w)
	r.pendingKey = pendingPfx + m.Key
	st := env.Storage()
	st.Put(r.pendingKey, m.Value)
	st.Sync()
	p.prepare(env, r)
}

// prepare starts a new ballot for the round, above every round seen.
func (p *Proposer) prepare(env engine.Env, r *round) {
	p.round++
	st := env.Storage()
	diskRound.Put(st, p.round)
	st.Sync()
	r.Ballot = Ballot{N: p.round, P: p.idx, Node: p.id}
	r.ballot = r.Ballot.String()
	r.Phase, r.Promises, r.Accepts, r.Best, r.BestValue, r.Value = PhasePrepare, 0, 0, Ballot{}, "", ""
	engine.Notef(env, "%s prepares %s for %s", engine.S(p.id), engine.S(r.ballotText()), engine.S(r.Key))
	for _, a := range p.acceptors {
		env.Send(a, Prepare{Key: r.Key, Ballot: r.Ballot})
	}
	r.Since = p.now
}

// current is the round a reply belongs to, if it answers the ballot and
// phase under way (a late answer to an older ballot changes nothing).
func (p *Proposer) current(key string, b Ballot, phase string) *round {
	r := p.find(key)
	if r == nil || r.Ballot != b || r.Phase != phase {
		return nil
	}
	return r
}

func (p *Proposer) bit(from string) uint32 {
	for i, a := range p.acceptors {
		if a == from {
			return 1 << i
		}
	}
	return 0
}

func count(mask uint32) int {
	n := 0
	for ; mask != 0; mask &= mask - 1 {
		n++
	}
	return n
}

func (p *Proposer) promise(env engine.Env, from string, m Promise) {
	r := p.current(m.Key, m.Ballot, PhasePrepare)
	if r == nil {
		return
	}
	if !m.OK {
		p.refused(env, r, from, m.Promised)
		return
	}
	r.Promises |= p.bit(from)
	if r.Best.Less(m.Accepted) {
		r.Best, r.BestValue = m.Accepted, m.Value
	}
	if count(r.Promises) < p.majority() {
		return
	}
	r.Phase, r.Value = PhaseAccept, r.Own
	switch {
	case r.Best.IsZero():
		engine.Notef(env, "%s has a majority of promises for %s at %s, none with an accepted value: it proposes its own %s", engine.S(p.id), engine.S(r.Key), engine.S(r.ballotText()), engine.S(r.Own))
	case p.ownValue:
		engine.Notef(env, "%s has a majority of promises for %s at %s; one carries %s@%s, and it proposes its own %s", engine.S(p.id), engine.S(r.Key), engine.S(r.ballotText()), engine.S(r.BestValue), engine.S(r.Best.String()), engine.S(r.Own))
	default:
		r.Value = r.BestValue
		engine.Notef(env, "%s has a majority of promises for %s at %s; the highest accepted is %s@%s, so it proposes %s", engine.S(p.id), engine.S(r.Key), engine.S(r.ballotText()), engine.S(r.BestValue), engine.S(r.Best.String()), engine.S(r.BestValue))
	}
	for _, a := range p.acceptors {
		env.Send(a, Accept{Key: r.Key, Ballot: r.Ballot, Value: r.Value})
	}
	r.Since = p.now
}

func (p *Proposer) accepted(env engine.Env, from string, m Accepted) {
	r := p.current(m.Key, m.Ballot, PhaseAccept)
	if r == nil {
		return
	}
	if !m.OK {
		p.refused(env, r, from, m.Promised)
		return
	}
	r.Accepts |= p.bit(from)
	if count(r.Accepts) < p.majority() {
		return
	}
	engine.Notef(env, "%s: a majority accepted %s=%s at %s: chosen", engine.S(p.id), engine.S(r.Key), engine.S(r.Value), engine.S(r.ballotText()))
	c := Commit{Key: r.Key, Ballot: r.Ballot, Value: r.Value}
	for _, a := range p.acceptors {
		env.Send(a, c)
	}
	for _, l := range p.learners {
		env.Send(l, c)
	}
	p.decide(env, r, r.Value)
}

// decide ends the round: the clients hear the chosen value and the
// proposal leaves the disk.
func (p *Proposer) decide(env engine.Env, r *round, value string) {
	r.Phase, r.Decided, r.Attempts = PhaseDecided, value, 0
	p.Decisions++
	for _, w := range r.waiters {
		env.Send(w.Client, Decided{ID: w.ID, Key: r.Key, Value: value})
	}
	r.waiters = nil
	if r.pendingKey != "" {
		st := env.Storage()
		st.Delete(r.pendingKey)
		st.Sync()
	}
}

// refused: an acceptor promised a higher ballot. The proposer gives up
// this ballot and tries one above it after a random backoff: a proposer
// that tried again at once could pre-empt the other's accept phase, and
// the other its own, round after round.
func (p *Proposer) refused(env engine.Env, r *round, from string, promised Ballot) {
	p.round = max(p.round, promised.N)
	p.retry(env, r, from+" promised "+promised.String())
}

func (p *Proposer) retry(env engine.Env, r *round, why string) {
	p.Retries++
	r.Attempts++
	d := p.backoff(env, r)
	r.Phase = PhaseBackoff
	engine.Notef(env, "%s abandons %s for %s (%s) and backs off %dms", engine.S(p.id), engine.S(r.ballotText()), engine.S(r.Key), engine.S(why), engine.D(int(d/time.Millisecond)))
	env.SetTimer(r.timer, d)
}

func (p *Proposer) backoff(env engine.Env, r *round) time.Duration {
	limit := backoffCap
	if r.Attempts < 6 {
		limit = min(backoffCap, backoffBase<<r.Attempts)
	}
	return time.Millisecond + time.Duration(env.Rand().Int64N(int64(limit)))
}

// timer: a backoff is over, time for a new ballot.
func (p *Proposer) timer(env engine.Env, key string) {
	if r := p.find(key); r != nil && r.Phase == PhaseBackoff {
		p.prepare(env, r)
	}
}

// expire gives up every phase that found no majority in time (messages
// lost, acceptors down or cut off): it is tried again after a backoff.
func (p *Proposer) expire(env engine.Env) {
	for _, r := range p.rounds {
		if (r.Phase == PhasePrepare || r.Phase == PhaseAccept) && p.now-r.Since >= phaseExpiry {
			p.retry(env, r, "no majority answered its "+r.Phase+" in time")
		}
	}
}
