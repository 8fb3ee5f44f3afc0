package paxos

import (
	"strings"

	"clusterscope/engine"
)

// Acceptor is one of the voters (cyrene, delphi, ephesus...). For every
// key it keeps the highest ballot it promised, the ballot and value it
// accepted last, every (ballot, value) it ever accepted, and the decision
// once a Commit tells it. It writes each change to its disk and syncs
// before it answers: a promise forgotten in a crash could let two values
// be chosen.
type Acceptor struct {
	id    string
	keys  keyIndex
	slots []*slot

	// fresh is the slot this acceptor accepted a ballot for in the event it
	// just handled (nil otherwise): the one-value-chosen invariant looks
	// only at a new accept, the only thing that can choose a value.
	fresh *slot
}

// slot is an acceptor's state for one key.
type slot struct {
	Key string
	slotRecord
	diskKey string
}

// slotRecord is what the disk keeps of a slot (under diskPrefix+key). It
// is written whole at every change, so it holds nothing it can derive:
// the ballot and value accepted last are its last vote.
type slotRecord struct {
	Promised Ballot // no ballot below it is promised or accepted any more
	Decided  string // the value a Commit announced ("" none)
	Votes    []Vote // every ballot accepted, oldest first (for the oracle)
}

// accepted is the last ballot accepted (zero: none) and its value.
func (r *slotRecord) accepted() (Ballot, string) {
	if len(r.Votes) == 0 {
		return Ballot{}, ""
	}
	v := r.Votes[len(r.Votes)-1]
	return v.Ballot, v.Value
}

// Vote is one accept: a value at a ballot.
type Vote struct {
	Ballot Ballot
	Value  string
}

func newAcceptor(id string) *Acceptor { return &Acceptor{id: id} }

const diskPrefix = "acc/"

// start reads every slot back from the disk.
func (a *Acceptor) start(env engine.Env) {
	*a = Acceptor{id: a.id}
	st := env.Storage()
	for _, k := range st.Keys() {
		v, _ := st.Get(k)
		if rec, ok := v.(slotRecord); ok {
			key := strings.TrimPrefix(k, diskPrefix)
			a.keys.add(key)
			a.slots = append(a.slots, &slot{Key: key, slotRecord: rec, diskKey: k})
		}
	}
}

// slot is the acceptor's state for key, made empty the first time.
func (a *Acceptor) slot(key string) *slot {
	if i, ok := a.keys.find(key); ok {
		return a.slots[i]
	}
	a.keys.add(key)
	s := &slot{Key: key, diskKey: diskPrefix + key}
	a.slots = append(a.slots, s)
	return s
}

// save writes s to the disk and syncs: what it answers must survive a
// crash.
func (a *Acceptor) save(env engine.Env, s *slot) {
	if s.diskKey == "" {
		s.diskKey = diskPrefix + s.Key
	}
	st := env.Storage()
	st.Put(s.diskKey, s.slotRecord)
	st.Sync()
}

// Handle is the acceptor's state machine.
func (a *Acceptor) Handle(env engine.Env, ev engine.Event) {
	a.fresh = nil
	switch ev.Kind {
	case engine.EvStart:
		a.start(env)
	case engine.EvReceive:
		switch m := ev.Msg.(type) {
		case Prepare:
			a.prepare(env, ev.From, m)
		case Accept:
			a.accept(env, ev.From, m)
		case Commit:
			s := a.slot(m.Key)
			if s.Decided == "" {
				s.Decided = m.Value
				a.save(env, s)
			}
		}
	}
}

// prepare promises the ballot unless a higher one was promised already;
// the promise carries what was accepted before, so that the proposer
// carries it forward.
func (a *Acceptor) prepare(env engine.Env, from string, m Prepare) {
	s := a.slot(m.Key)
	if m.Ballot.Less(s.Promised) {
		engine.Notef(env, "%s refuses %s's prepare %s for %s: it promised %s", engine.S(a.id), engine.S(from), engine.S(m.Ballot.String()), engine.S(m.Key), engine.S(s.Promised.String()))
		env.Send(from, Promise{Key: m.Key, Ballot: m.Ballot, Promised: s.Promised})
		return
	}
	if s.Promised != m.Ballot {
		s.Promised = m.Ballot
		a.save(env, s)
	}
	accepted, value := s.accepted()
	env.Send(from, Promise{Key: m.Key, Ballot: m.Ballot, OK: true, Accepted: accepted, Value: value})
}

// accept takes the value unless a higher ballot was promised.
func (a *Acceptor) accept(env engine.Env, from string, m Accept) {
	s := a.slot(m.Key)
	if m.Ballot.Less(s.Promised) {
		engine.Notef(env, "%s refuses %s's accept %s=%s at %s: it promised %s", engine.S(a.id), engine.S(from), engine.S(m.Key), engine.S(m.Value), engine.S(m.Ballot.String()), engine.S(s.Promised.String()))
		env.Send(from, Accepted{Key: m.Key, Ballot: m.Ballot, Promised: s.Promised})
		return
	}
	if accepted, _ := s.accepted(); accepted != m.Ballot {
		s.Promised = m.Ballot
		s.Votes = append(s.Votes, Vote{Ballot: m.Ballot, Value: m.Value})
		a.save(env, s)
		a.fresh = s
	}
	env.Send(from, Accepted{Key: m.Key, Ballot: m.Ballot, OK: true})
}

// keyIndex finds a key's place in a process's slices: a map only once
// there are many keys (a page has a few; a benchmark thousands).
type keyIndex struct {
	names []string
	big   map[string]int
}

const keyIndexLinear = 16

func (k *keyIndex) find(key string) (int, bool) {
	if k.big != nil {
		i, ok := k.big[key]
		return i, ok
	}
	for i, n := range k.names {
		if n == key {
			return i, true
		}
	}
	return 0, false
}

func (k *keyIndex) add(key string) int {
	k.names = append(k.names, key)
	i := len(k.names) - 1
	switch {
	case k.big != nil:
		k.big[key] = i
	case len(k.names) > keyIndexLinear:
		k.big = make(map[string]int, 2*len(k.names))
		for j, n := range k.names {
			k.big[n] = j
		}
	}
	return i
}
