package leaderless

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"clusterscope/engine"
	"clusterscope/patterns/kit"
)

// The quorum KV's settings: N home replicas per key, a write waits for W of
// them and a read for R; read repair, sloppy quorum and hinted handoff are
// switches (1 on, 0 off).
const (
	ParamN          = "n"
	ParamW          = "w"
	ParamR          = "r"
	ParamReadRepair = "read-repair"
	ParamSloppy     = "sloppy-quorum"
	ParamHandoff    = "hinted-handoff"
)

// quorumSettings are the settings one request runs with, read when it
// starts (a learner may change them while it runs).
type quorumSettings struct {
	N, W, R                     int
	ReadRepair, Sloppy, Handoff bool
}

func settingsOf(param func(string, int) int) quorumSettings {
	return quorumSettings{
		N: param(ParamN, defN), W: param(ParamW, defWR), R: param(ParamR, defWR),
		ReadRepair: param(ParamReadRepair, 1) == 1, Sloppy: param(ParamSloppy, 0) == 1, Handoff: param(ParamHandoff, 1) == 1,
	}
}

const (
	defN  = 3
	defWR = 2
)

// refuse says why settings cannot run together: a quorum larger than the
// replicas it is counted among, or more replicas than servers.
func refuse(params map[string]int, servers int) error {
	s := settingsOf(func(name string, def int) int {
		if v, ok := params[name]; ok {
			return v
		}
		return def
	})
	switch {
	case s.N > servers:
		return fmt.Errorf("N=%d replicas per key, but there are only %d servers", s.N, servers)
	case s.W > s.N:
		return fmt.Errorf("W=%d: a write cannot wait for more than the N=%d replicas of its key", s.W, s.N)
	case s.R > s.N:
		return fmt.Errorf("R=%d: a read cannot wait for more than the N=%d replicas of its key", s.R, s.N)
	}
	return nil
}

// The sloppy quorum's patience: a home replica that has not answered a
// phase this long after it was asked gets a stand-in (a few round trips of
// the default network; a failure detector would say the same later).
const sloppyAfter = 40 * time.Millisecond

var sloppyTimer = kit.TimerKey[int]{Name: "sloppy"}

// Hinted handoff: every interval a stand-in offers each hint it keeps to
// the home replica it is for.
const (
	handoffTimer    = "handoff"
	handoffInterval = 100 * time.Millisecond
)

// hint is a write a stand-in took for a home replica that did not answer.
type hint struct {
	Key, For string
	Version  Version
}

var diskHints = kit.Record[[]hint]{Key: "hints"}

// home lists key's N home replicas: the servers from the key's place on
// the ring (a hash of the key), in ring order. ring is the rest of the
// ring after them, the stand-ins of a sloppy quorum in the order asked.
func home(key string, servers []string, n int) (homes, ring []string) {
	return homeIn(nil, key, servers, n)
}

// homeIn is home written in buf's array when it has room.
func homeIn(buf []string, key string, servers []string, n int) (homes, ring []string) {
	if len(servers) == 0 {
		return nil, nil
	}
	start := int(fnv32a(key) % uint32(len(servers)))
	n = min(n, len(servers))
	order := buf[:0]
	if cap(order) < len(servers) {
		order = make([]string, 0, len(servers))
	}
	order = append(order, servers[start:]...)
	order = append(order, servers[:start]...)
	return order[:n], order[n:]
}

// fnv32a is the FNV-1a hash of s (hash/fnv's, without allocating a hasher
// per request).
func fnv32a(s string) uint32 {
	h := uint32(2166136261)
	for i := 0; i < len(s); i++ {
		h ^= uint32(s[i])
		h *= 16777619
	}
	return h
}

// kvSet starts a write: first a version read from R replicas, so the write
// is numbered above every write a read quorum has seen.
func (n *Node) kvSet(env engine.Env, from string, m ClientSet) {
	r := n.kvRequest(env, from, m.ID, Op{Kind: opSet, Key: m.Key, Value: m.Value}, phaseVersion)
	engine.Notef(env, "%s: r%d (%s's set %s=%s) first asks %d of %s's replicas (%s) for the version they hold",
		engine.S(n.id), engine.D(r.ID), engine.S(from), engine.S(m.Key), engine.S(m.Value), engine.D(r.Quorum), engine.S(m.Key), engine.S(strings.Join(r.Home, ", ")))
	n.sendPhase(env, r)
}

// kvGet starts a read from R replicas.
func (n *Node) kvGet(env engine.Env, from string, m ClientGet) {
	r := n.kvRequest(env, from, m.ID, Op{Kind: opGet, Key: m.Key}, phaseRead)
	engine.Notef(env, "%s: r%d (%s's get %s) waits for %d of %s's replicas (%s)",
		engine.S(n.id), engine.D(r.ID), engine.S(from), engine.S(m.Key), engine.D(r.Quorum), engine.S(m.Key), engine.S(strings.Join(r.Home, ", ")))
	n.sendPhase(env, r)
}

func (n *Node) kvRequest(env engine.Env, client string, opID int, op Op, phase string) *request {
	r := n.newRequest(env, client, opID, op, phase)
	r.Settings = settingsOf(env.Param)
	r.Quorum = r.Settings.R
	// One array for the key's ring order (its home replicas first), the
	// replicas asked and the first phase's responders, room for one per
	// home replica each (stand-ins grow them): a request made three.
	all := servers(env)
	k, h := len(all), min(r.Settings.N, len(all))
	buf := make([]string, k+2*h)
	r.Home, _ = homeIn(buf[:0:k], op.Key, all, r.Settings.N)
	r.Asked, r.From = buf[k:k:k+h], buf[k+h:k+h:k+2*h]
	return r
}

// sendPhase asks the key's home replicas for r's phase; under a sloppy
// quorum, those that stay silent get stand-ins (askStandIns).
func (n *Node) sendPhase(env engine.Env, r *request) {
	// Room for an answer from every replica asked at first: a phase
	// usually passes on those.
	if len(r.From) > 0 || cap(r.From) == 0 { // the last phase's, kept in Done
		r.From = make([]string, 0, len(r.Home))
	}
	r.Holders, r.Stale = 0, false
	r.Asked = append(r.Asked[:0], r.Home...)
	for _, p := range r.Home {
		n.sendOne(env, r, p, "")
	}
	if r.Settings.Sloppy {
		sloppyTimer.Set(env, r.ID, sloppyAfter)
	}
}

// askStandIns is the sloppy quorum: each home replica that has not
// answered r's phase yet is replaced by the next server along the ring not
// asked yet. A write tells the stand-in whose place it takes (a hint).
func (n *Node) askStandIns(env engine.Env, id int) {
	i := slices.IndexFunc(n.pending, func(r *request) bool { return r.ID == id })
	if i < 0 {
		return
	}
	r := n.pending[i]
	if distinct(r.From) >= r.Quorum {
		return
	}
	_, ring := home(r.Op.Key, servers(env), r.Settings.N)
	for _, h := range r.Home {
		if slices.Contains(r.From, h) {
			continue
		}
		j := slices.IndexFunc(ring, func(p string) bool { return !slices.Contains(r.Asked, p) })
		if j < 0 {
			return
		}
		standIn := ring[j]
		r.Asked = append(r.Asked, standIn)
		hintFor := ""
		if r.Phase == phaseWrite || r.Phase == phaseRepair {
			hintFor = h
		}
		engine.Notef(env, "%s: r%d: %s has not answered its %s: asking %s in its place (sloppy quorum)",
			engine.S(n.id), engine.D(r.ID), engine.S(h), engine.S(r.Phase), engine.S(standIn))
		n.sendOne(env, r, standIn, hintFor)
	}
}

// kvPassPhase moves a quorum KV request on once enough replicas answered
// its phase.
func (n *Node) kvPassPhase(env engine.Env, r *request) {
	n.closePhase(r)
	s := r.Settings
	switch r.Phase {
	case phaseVersion:
		n.seq++
		r.Version = Version{Count: r.Version.Count + 1, By: n.id, Epoch: n.epoch, Seq: n.seq}
		r.Phase, r.Quorum = phaseWrite, s.W
		engine.Notef(env, "%s: r%d writes %s=%s at %s and waits for %d of %d replicas",
			engine.S(n.id), engine.D(r.ID), engine.S(r.Op.Key), engine.S(r.Op.Value), engine.S(r.Version.String()), engine.D(s.W), engine.D(len(r.Home)))
		n.sendPhase(env, r)
	case phaseRead:
		switch {
		case r.Holders >= s.W:
			// Enough of the answers hold the newest version: it is on a
			// write quorum already, and every later read meets it.
		case !s.ReadRepair:
			if r.Stale {
				engine.Notef(env, "%s: r%d returns %s=%s at %s, the newest of answers that disagree, and writes nothing back (read repair is off)",
					engine.S(n.id), engine.D(r.ID), engine.S(r.Op.Key), engine.S(strconv.Quote(r.Value)), engine.S(r.Version.String()))
			}
		default:
			n.Repairs++
			engine.Notef(env, "%s: r%d read %s=%s at %s, held by %d of the %d that answered: writing it back to %d replicas before answering (read repair)",
				engine.S(n.id), engine.D(r.ID), engine.S(r.Op.Key), engine.S(strconv.Quote(r.Value)), engine.S(r.Version.String()), engine.D(r.Holders), engine.D(len(r.From)), engine.D(s.W))
			r.Phase, r.Quorum = phaseRepair, s.W
			n.sendPhase(env, r)
			return
		}
		n.complete(env, r, Success)
	default: // the write, or a read's write-back
		n.complete(env, r, Success)
	}
}

// addHint keeps a write taken for another replica, durably, until it is
// handed over.
func (n *Node) addHint(env engine.Env, h hint) {
	if i := slices.IndexFunc(n.hints, func(x hint) bool { return x.Key == h.Key && x.For == h.For }); i >= 0 {
		if n.hints[i].Version.Less(h.Version) {
			n.hints[i].Version = h.Version
		}
	} else {
		n.hints = append(n.hints, h)
		engine.Notef(env, "%s keeps %s %s for %s (a hint)", engine.S(n.id), engine.S(h.Key), engine.S(h.Version.String()), engine.S(h.For))
	}
	st := env.Storage()
	diskHints.Put(st, slices.Clone(n.hints))
	st.Sync()
	n.armHandoff(env)
}

// armHandoff starts the handoff timer if hints wait and it is not running.
func (n *Node) armHandoff(env engine.Env) {
	if len(n.hints) > 0 && !n.handoffArmed {
		n.handoffArmed = true
		env.SetTimer(handoffTimer, handoffInterval)
	}
}

// handoff offers every hint to its home replica, when hinted handoff is on
// (the timer runs on while hints wait, so that switching it on later
// works).
func (n *Node) handoff(env engine.Env) {
	n.handoffArmed = false
	n.armHandoff(env)
	if env.Param(ParamHandoff, 1) != 1 {
		return
	}
	for _, h := range n.hints {
		s := n.store[h.Key]
		env.Send(h.For, Handoff{Key: h.Key, Value: s.Value, Version: s.Version})
	}
}

// handedOff drops the hints a home replica now holds; a key the stand-in
// is not home for, and holds no more hints of, leaves its store.
func (n *Node) handedOff(env engine.Env, from string, m HandoffAck) {
	before := len(n.hints)
	n.hints = slices.DeleteFunc(n.hints, func(h hint) bool {
		return h.Key == m.Key && h.For == from && !m.Version.Less(h.Version)
	})
	if len(n.hints) == before {
		return
	}
	n.HandedOff++
	st := env.Storage()
	diskHints.Put(st, slices.Clone(n.hints))
	homes, _ := home(m.Key, servers(env), env.Param(ParamN, defN))
	kept := slices.ContainsFunc(n.hints, func(h hint) bool { return h.Key == m.Key })
	if !kept && !slices.Contains(homes, n.id) {
		delete(n.store, m.Key)
		(kit.Record[stored]{Key: storeKey(m.Key)}).Delete(st)
	}
	st.Sync()
	engine.Notef(env, "%s handed %s %s over to %s (hinted handoff)", engine.S(n.id), engine.S(m.Key), engine.S(m.Version.String()), engine.S(from))
}
