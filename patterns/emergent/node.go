package emergent

import (
	"slices"
	"strconv"
	"time"

	"clusterscope/engine"
	"clusterscope/patterns/kit"
)

// Timer names.
const (
	tHeartbeat = "heartbeat"
	tJoin      = "join"
)

// diskMembership is the last membership a node held, kept so a restart
// picks up where it was (and learns from the others if it was taken out
// meanwhile); diskBooted marks a node that has run before, so its first
// boot and its restarts differ (a restart has forgotten its promises).
var (
	diskMembership = kit.Record[Membership]{Key: "membership"}
	diskBooted     = kit.Record[bool]{Key: "booted"}
)

// lease is the acting coordinator's permission to host the partitions
// that table (Version, Publisher) gives a member, until Until on the
// member's own monotonic clock.
type lease struct {
	Until     time.Duration
	Version   int
	Publisher string
}

// Node is one peer. Every node runs the same code: which one coordinates
// emerges from the membership list (the oldest live member), not from a
// vote.
type Node struct {
	id       string
	started  time.Duration // monotonic time of the last boot
	restart  bool          // booted before: promises made then are forgotten, so wait one timeout before endorsing
	fresh    bool          // the seed's first boot: no coordinator can have existed before it
	joined   bool          // in its own membership and not down
	m        Membership
	heard    map[string]time.Duration // last heartbeat or ack from each member (monotonic)
	endorse  map[string]time.Duration // the SentAt of each member's latest endorsement of this node
	acked    map[string]int           // the version each member last acknowledged (the coordinator's view)
	joiners  []string                 // join requests waiting for the coordinator
	endorsed string                   // whom this node last endorsed as coordinator...
	endorsAt time.Duration            // ... and when: it promises not to endorse another for a timeout
	lease    lease

	coordinator string // the oldest member it hears from: whom it takes for coordinator
	acting      bool   // it takes itself for coordinator and (with the majority check) a majority endorses it
	actingSince time.Duration
	lastChange  time.Duration // when it last published
	majority    int           // members endorsing it, counted at its last evaluation
	stoppedAt   time.Duration // when it last stopped acting...
	stopWaited  bool          // ... and whether it had waited out its predecessor by then
	hosting     uint64        // bit p: it serves partition p now
	now         time.Duration // its monotonic clock at its last event, for the view
	timeout     time.Duration // the failure timeout at its last event, for the view
}

func newNode(id string) *Node { return &Node{id: id} }

// Settings read once per event.
type timing struct {
	heartbeat, timeout time.Duration
}

func timingOf(env engine.Env) timing {
	return timing{
		heartbeat: time.Duration(env.Param(ParamHeartbeat, defHeartbeat)) * time.Millisecond,
		timeout:   time.Duration(env.Param(ParamTimeout, defTimeout)) * time.Millisecond,
	}
}

// Handle is the node's one entry: the event, then a fresh look at who
// coordinates and what it may do.
func (n *Node) Handle(env engine.Env, ev engine.Event) {
	t := timingOf(env)
	switch ev.Kind {
	case engine.EvStart:
		n.start(env, t)
	case engine.EvTimer:
		switch ev.Timer {
		case tHeartbeat:
			n.sendHeartbeats(env, t)
		case tJoin:
			n.askToJoin(env, t)
		}
	case engine.EvReceive:
		n.receive(env, t, ev.From, ev.Msg)
	}
	n.evaluate(env, t)
}

func (n *Node) start(env engine.Env, t timing) {
	st := env.Storage()
	now := env.Monotonic()
	*n = Node{id: n.id, started: now, heard: map[string]time.Duration{}, endorse: map[string]time.Duration{}, acked: map[string]int{}}
	_, n.restart = diskBooted.Get(st)
	diskBooted.Put(st, true)
	if m, ok := diskMembership.Get(st); ok {
		n.hold(env, m)
		engine.Notef(env, "%s restarts with membership %s from its disk", engine.S(n.id), engine.S(versionText(m)))
	} else if n.id == seed && !n.restart {
		n.fresh = true
		n.m = Membership{Version: 1, Publisher: n.id, NextAge: 2, Members: []Member{{ID: n.id, Age: 1}}, Owners: make([]string, env.Param(ParamPartitions, defPartitions))}
		n.hold(env, n.m)
		engine.Notef(env, "%s is the seed: it starts the cluster with itself as age 1 (membership v1)", engine.S(n.id))
	}
	st.Sync()
	env.SetTimer(tHeartbeat, t.heartbeat)
	if !n.joined {
		// The nodes started together ask in name order, so that the ages
		// follow the book's order.
		env.SetTimer(tJoin, time.Duration(slices.Index(env.Peers(), n.id)+1)*100*time.Millisecond)
	}
}

// hold makes m this node's membership (and its disk's).
func (n *Node) hold(env engine.Env, m Membership) {
	n.m = m
	now := env.Monotonic()
	for _, x := range m.Members {
		if _, ok := n.heard[x.ID]; !ok {
			n.heard[x.ID] = now // a new member gets one timeout's grace
		}
	}
	was := n.joined
	n.joined = m.joined(n.id)
	if was && !n.joined {
		engine.Notef(env, "%s finds itself down in %s: it lost its place and joins again, as the youngest", engine.S(n.id), engine.S(versionText(m)))
		env.SetTimer(tJoin, 0)
	}
	diskMembership.Put(env.Storage(), m.clone())
}

func (n *Node) askToJoin(env engine.Env, t timing) {
	if n.joined {
		return
	}
	for _, p := range env.Peers() {
		if p != n.id {
			env.Send(p, JoinRequest{})
		}
	}
	env.SetTimer(tJoin, t.timeout)
}

func (n *Node) sendHeartbeats(env engine.Env, t timing) {
	env.SetTimer(tHeartbeat, t.heartbeat)
	if n.m.Version == 0 {
		return
	}
	hb := Heartbeat{Version: n.m.Version, Publisher: n.m.Publisher, SentAt: env.Monotonic()}
	for _, x := range n.m.Members {
		if x.ID != n.id && !x.Down {
			env.Send(x.ID, hb)
		}
	}
}

func (n *Node) receive(env engine.Env, t timing, from string, msg engine.Message) {
	now := env.Monotonic()
	switch m := msg.(type) {
	case JoinRequest:
		if n.m.joined(from) {
			// It is in already and missed the news (its update was lost):
			// any member may tell it, coordinator or not.
			env.Send(from, MembershipUpdate{M: n.m.clone()})
			return
		}
		// The oldest member keeps the request even while it waits for a
		// majority: the joiner asks again only after a timeout.
		if n.coordinator == n.id && !slices.Contains(n.joiners, from) {
			n.joiners = append(n.joiners, from)
		}
	case MembershipUpdate:
		if n.adopts(from, m.M) {
			clear(n.endorse) // endorsements of another version count no more
			first := !n.joined
			n.hold(env, m.M.clone())
			env.Storage().Sync()
			if first && n.joined {
				i := n.m.find(n.id)
				engine.Notef(env, "%s is in: age %d in %s", engine.S(n.id), engine.D(n.m.Members[i].Age), engine.S(versionText(n.m)))
			}
		}
		env.Send(from, MembershipAck{Version: n.m.Version})
	case MembershipAck:
		if m.Version > n.acked[from] {
			n.acked[from] = m.Version
		}
	case Heartbeat:
		n.heard[from] = now
		if newer(n.m, Membership{Version: m.Version, Publisher: m.Publisher}) {
			env.Send(from, MembershipUpdate{M: n.m.clone()})
		}
		ack := HeartbeatAck{Version: n.m.Version, Publisher: n.m.Publisher, SentAt: m.SentAt, Echo: m.Version}
		if n.joined && n.coordinator == from && n.mayEndorse(from, now, t) {
			n.endorsed, n.endorsAt = from, now
			ack.Endorse = true
		}
		ack.Lease = n.acting && n.waitedOut(now, t) && n.m.joined(from)
		env.Send(from, ack)
	case HeartbeatAck:
		n.heard[from] = now
		if newer(n.m, Membership{Version: m.Version, Publisher: m.Publisher}) {
			env.Send(from, MembershipUpdate{M: n.m.clone()}) // it is behind: it may not heartbeat this node
		}
		// An endorsement counts only for the membership both held: a
		// majority of one version and a majority of the next share a
		// member, which cannot have endorsed two nodes at once.
		if m.Endorse && m.Version == m.Echo && m.Version == n.m.Version && m.Publisher == n.m.Publisher && m.SentAt > n.endorse[from] {
			n.endorse[from] = m.SentAt
		}
		if m.Lease && from == n.coordinator && m.SentAt+t.timeout/2 > n.lease.Until {
			n.lease = lease{Until: m.SentAt + t.timeout/2, Version: m.Version, Publisher: m.Publisher}
		}
	}
}

// adopts says whether a membership replaces this node's: a higher version
// does. Two coordinators in a split brain may each have written the same
// version; the publishers' names then order them, so that every node ends
// on the same one.
func (n *Node) adopts(from string, m Membership) bool { return newer(m, n.m) }

// newer orders memberships by version, then publisher.
func newer(a, b Membership) bool {
	return a.Version > b.Version || a.Version == b.Version && a.Publisher > b.Publisher
}

// mayEndorse keeps the promise that makes two coordinators at once
// impossible: after endorsing one node, do not endorse another for a
// timeout, nor anyone for a timeout after a restart (the promise was
// forgotten in the crash).
func (n *Node) mayEndorse(c string, now time.Duration, t timing) bool {
	if n.restart && now-n.started < t.timeout {
		return false
	}
	return n.endorsed == "" || n.endorsed == c || now-n.endorsAt >= t.timeout
}

// waitedOut: a new coordinator changes nothing and lets no one host until
// it has acted for a timeout, so that every permission an earlier
// coordinator gave has run out.
func (n *Node) waitedOut(now time.Duration, t timing) bool {
	return n.acting && (n.fresh || now-n.actingSince >= t.timeout)
}

// evaluate looks again at who coordinates: the oldest member not marked
// down that this node has heard from within the timeout (itself included).
// It then acts as coordinator if that is itself and, with the majority
// check, more than half of the live members endorsed it within half a
// timeout, measured from when it sent the heartbeat they answered.
func (n *Node) evaluate(env engine.Env, t timing) {
	now := env.Monotonic()
	n.now, n.timeout = now, t.timeout
	coord := ""
	if n.joined {
		for _, x := range n.m.Members {
			if !x.Down && (x.ID == n.id || now-n.heard[x.ID] < t.timeout) {
				coord = x.ID
				break
			}
		}
	}
	if coord != n.coordinator {
		if coord != "" {
			engine.Notef(env, "%s takes %s for coordinator: the oldest member it hears from", engine.S(n.id), engine.S(coord))
		}
		n.coordinator = coord
	}
	believes := coord == n.id
	if believes && n.mayEndorse(n.id, now, t) {
		n.endorsed, n.endorsAt = n.id, now
		n.endorse[n.id] = now
	}
	n.majority = n.endorsements(now)
	live := n.m.live()
	acting := believes && (env.Variant(VarNoMajorityCheck) || 2*n.majority > live)
	switch {
	case acting && !n.acting && n.stopWaited && now-n.stoppedAt < t.timeout:
		// Back within a timeout: anyone who acted in the gap had no time
		// to wait out this node, so it gave no lease and changed nothing.
		n.actingSince = now - t.timeout
		engine.Notef(env, "%s acts as coordinator again: %d of %d members endorse %s", engine.S(n.id), engine.D(n.majority), engine.D(live), engine.S(versionText(n.m)))
	case acting && !n.acting:
		n.actingSince = now
		if env.Variant(VarNoMajorityCheck) {
			engine.Notef(env, "%s acts as coordinator: it is the oldest member it hears from (no majority check)", engine.S(n.id))
		} else {
			engine.Notef(env, "%s acts as coordinator: %d of %d members endorse it", engine.S(n.id), engine.D(n.majority), engine.D(live))
		}
	case !acting && n.acting:
		n.stoppedAt, n.stopWaited = now, n.waitedOut(now, t)
		if believes && now-n.lastChange < t.timeout/2 {
			engine.Notef(env, "%s waits for a majority to endorse %s before it changes anything more", engine.S(n.id), engine.S(versionText(n.m)))
		} else if believes {
			engine.Notef(env, "%s stops acting as coordinator: only %d of %d members endorse it, not a majority", engine.S(n.id), engine.D(n.majority), engine.D(live))
		} else {
			engine.Notef(env, "%s stops acting as coordinator: it hears from an older member", engine.S(n.id))
		}
		n.fresh = false // the seed's first term is over: from now on it waits like anyone
	}
	n.acting = acting
	if n.waitedOut(now, t) {
		n.coordinate(env, t, now)
	}
	n.hosting = n.hosted(now, n.waitedOut(now, t))
}

// endorsements counts the live members whose endorsement is still valid at
// now: it was given in answer to a heartbeat sent less than half a timeout
// ago (by this node's clock), while the member promised a whole timeout.
func (n *Node) endorsements(now time.Duration) int {
	c := 0
	for _, x := range n.m.Members {
		if at, ok := n.endorse[x.ID]; ok && !x.Down && now-at < n.timeout/2 {
			c++
		}
	}
	return c
}

// actsAt says whether the node still acts as coordinator at now, by its own
// clock, without another look: what a checker may ask of a paused node or
// one whose endorsements ran out since its last event.
func (n *Node) actsAt(now time.Duration, broken bool) bool {
	return n.acting && (broken || 2*n.endorsements(now) > n.m.live())
}

// hostsAt is hosting as it stands at now, by the node's own clock: its
// lease (or, for the coordinator, its endorsements) may have run out since
// its last event.
func (n *Node) hostsAt(now time.Duration, broken bool) uint64 {
	if n.coordinator == n.id {
		if !n.actsAt(now, broken) {
			return 0
		}
		return n.hosting
	}
	if now >= n.lease.Until {
		return 0
	}
	return n.hosting
}

// hosted is the set of partitions this node serves now: those its table
// gives it, while the acting coordinator's lease on that very table runs
// (the coordinator itself: while it acts and has waited out the last one).
func (n *Node) hosted(now time.Duration, waited bool) uint64 {
	if !n.joined {
		return 0
	}
	if n.coordinator == n.id {
		if !waited {
			return 0
		}
	} else if now >= n.lease.Until || n.lease.Version != n.m.Version || n.lease.Publisher != n.m.Publisher {
		return 0
	}
	var set uint64
	for p, o := range n.m.Owners {
		if o == n.id {
			set |= 1 << p
		}
	}
	return set
}

// coordinate makes at most one change per event, each a new version sent
// to every member: let in a joiner, mark down a member silent for a
// timeout (its partitions freed), or give the free partitions out once the
// membership has been still for a timeout.
func (n *Node) coordinate(env engine.Env, t timing, now time.Duration) {
	m := n.m.clone()
	switch {
	case len(n.joiners) > 0:
		j := n.joiners[0]
		n.joiners = n.joiners[1:]
		if m.joined(j) {
			env.Send(j, MembershipUpdate{M: n.m.clone()})
			return
		}
		if i := m.find(j); i >= 0 {
			m.Members = slices.Delete(m.Members, i, i+1)
		}
		m.Members = append(m.Members, Member{ID: j, Age: m.NextAge})
		m.NextAge++
		n.heard[j] = now
		engine.Notef(env, "%s lets %s in with age %d", engine.S(n.id), engine.S(j), engine.D(m.NextAge-1))
	default:
		if i := n.silent(now, t); i >= 0 {
			x := &m.Members[i]
			x.Down = true
			freed := 0
			for p, o := range m.Owners {
				if o == x.ID {
					m.Owners[p] = ""
					freed++
				}
			}
			engine.Notef(env, "%s marks %s down (silent for %s) and frees its %d partitions", engine.S(n.id), engine.S(x.ID), engine.S(t.timeout.String()), engine.D(freed))
			break
		}
		if now-n.lastChange < t.timeout || !slices.Contains(m.Owners, "") {
			return
		}
		n.assign(env, m)
	}
	n.publish(env, m, now)
}

// silent is the index of the first live member, other than this node,
// not heard from for a timeout; -1 if none.
func (n *Node) silent(now time.Duration, t timing) int {
	for i, x := range n.m.Members {
		if x.ID != n.id && !x.Down && now-n.heard[x.ID] >= t.timeout {
			return i
		}
	}
	return -1
}

// assign gives each free partition to the live member holding fewest
// (the oldest first on a tie).
func (n *Node) assign(env engine.Env, m Membership) {
	held := make([]int, len(m.Members))
	for _, o := range m.Owners {
		if i := m.find(o); i >= 0 {
			held[i]++
		}
	}
	var given []byte
	for p, o := range m.Owners {
		if o != "" {
			continue
		}
		best := -1
		for i, x := range m.Members {
			if !x.Down && (best < 0 || held[i] < held[best]) {
				best = i
			}
		}
		m.Owners[p] = m.Members[best].ID
		held[best]++
		given = append(strconv.AppendInt(append(given, " p"...), int64(p), 10), "→"+m.Owners[p]...)
	}
	engine.Notef(env, "%s assigns the free partitions:%s", engine.S(n.id), engine.S(string(given)))
}

func (n *Node) publish(env engine.Env, m Membership, now time.Duration) {
	m.Version++
	m.Publisher = n.id
	n.hold(env, m)
	clear(n.endorse) // the members endorse the new version before the next change
	env.Storage().Sync()
	n.lastChange = now
	for _, x := range m.Members {
		if x.ID != n.id && !x.Down {
			env.Send(x.ID, MembershipUpdate{M: m.clone()})
		}
	}
}

func versionText(m Membership) string {
	return string(appendVersion(nil, m.Version)) + " (by " + m.Publisher + ")"
}
