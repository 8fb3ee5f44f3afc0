package replog

import (
	"time"

	"clusterscope/engine"
	"clusterscope/patterns/kit"
)

// Follower reads (page_followerreads.go): any server answers a read from
// the state it has applied, once it has applied at least the version the
// client asks for (the log index of the client's last write or read). A
// server that is behind parks the read until it catches up or the wait
// times out; a server that has lost touch with the leader for longer than
// the max lag refuses, since it cannot tell how far behind it is.

// Broken variants of the Follower Reads page.
const (
	// VarIgnoreMinVersion serves a follower read at once from whatever is
	// applied locally, whatever version the client asked for.
	VarIgnoreMinVersion = "ignore-min-version"
	// VarStaleServes serves follower reads however long ago the server last
	// heard from the leader.
	VarStaleServes = "partitioned-follower-serves"
)

// Settings of the Follower Reads page. Declaring max-lag-ms is what turns
// follower reads on: the other pages do not have it.
const (
	ParamMaxLag      = "max-lag-ms"
	ParamReadTimeout = "read-wait-ms"
	ParamReadLeader  = "reads-to-leader" // 0: the nearest server, 1: the leader

	defMaxLag      = 300
	defReadTimeout = 200
)

// parkedWait is the timer of a parked read, by its park number.
var parkedWait = kit.TimerKey[int]{Name: "read-wait"}

// followerReads is a server's part: zero (and off) on the other pages.
type followerReads struct {
	on      bool
	maxLag  time.Duration // the setting, as last read
	parked  []parkedRead
	nextID  int
	last    servedRead // the last read answered, for the invariants
	served  int        // reads answered
	refused int        // reads refused (out of touch) or timed out
}

// parkedRead is a read waiting for the server to apply MinVersion.
type parkedRead struct {
	n       int // park number, names its timer
	client  string
	req     FollowerGet
	expires time.Duration // local time
}

// servedRead is what the staleness invariant needs of an answered read:
// who asked, the version it was served at, and how long the server had
// been out of touch with the leader against the max lag.
type servedRead struct {
	Client            string
	Version           int
	Lag, MaxLag       time.Duration
	ServedWithoutLead bool // never heard from a leader
}

// FollowerGet asks any server for Key as of at least MinVersion.
type FollowerGet struct {
	ID         int
	Key        string
	MinVersion int
}

func (FollowerGet) Kind() string      { return "FollowerGet" }
func (m FollowerGet) Summary() string { return summary(m) }
func (m FollowerGet) AppendSummary(b []byte) []byte {
	b = appendInt(append(b, '#'), m.ID)
	b = append(append(b, " get "...), m.Key...)
	return appendInt(append(b, " ≥v"...), m.MinVersion)
}

// FollowerReply answers a FollowerGet: the value at Version, or a refusal
// (Refused says why) that sends the client elsewhere.
type FollowerReply struct {
	ID      int
	Value   string
	Version int
	Refused string // "timeout" or "lag"; "" for an answer
}

func (m FollowerReply) Kind() string {
	switch m.Refused {
	case "":
		return "GetResult"
	case refusedTimeout:
		return "ReadTimeout"
	}
	return "ReadRefused"
}
func (m FollowerReply) Summary() string { return summary(m) }
func (m FollowerReply) AppendSummary(b []byte) []byte {
	b = appendInt(append(b, '#'), m.ID)
	if m.Refused != "" {
		return append(append(b, ' '), m.Refused...)
	}
	b = append(append(b, ' '), m.Value...)
	return appendInt(append(b, " v"...), m.Version)
}

const (
	refusedTimeout = "timeout"
	refusedLag     = "out of touch"
)

// versionFor is the version a write's reply carries: the log index it was
// applied at, on the pages that have follower reads or versions (0
// elsewhere, so the other pages' messages stay as they were).
func (n *Node) versionFor(index int) int {
	if n.fr.on || n.mv != nil {
		return index
	}
	return 0
}

// contact is how long ago this server was last sure of being current: a
// follower, when it last heard from the leader; a leader, when a majority
// (itself included) last answered it. ok is false when it never heard from
// any leader since it started.
func (n *Node) contact() (age time.Duration, ok bool) {
	if n.role == Leader {
		return n.now - n.quorumAck(), true
	}
	if n.lastHeard == 0 {
		return 0, false
	}
	return n.now - n.lastHeard, true
}

// quorumAck is when a majority (the leader included) last answered.
func (n *Node) quorumAck() time.Duration {
	var buf [maxServers]time.Duration
	acks := buf[:min(len(n.lastAck), maxServers)]
	copy(acks, n.lastAck)
	if len(acks) == 0 {
		return n.now
	}
	acks[n.self] = n.now
	for i := 1; i < len(acks); i++ { // insertion sort, newest first: N ≤ 7
		for j := i; j > 0 && acks[j] > acks[j-1]; j-- {
			acks[j], acks[j-1] = acks[j-1], acks[j]
		}
	}
	q := n.q
	if q < 1 {
		q = len(acks)/2 + 1
	}
	return acks[min(q, len(acks))-1]
}

// maxLag reads the setting and keeps it for the view (settings may change
// during a run).
func (n *Node) maxLag(env engine.Env) time.Duration {
	n.fr.maxLag = ms(env.Param(ParamMaxLag, defMaxLag))
	return n.fr.maxLag
}

// onFollowerGet answers, parks or refuses a read.
func (n *Node) onFollowerGet(env engine.Env, from string, m FollowerGet) {
	age, known := n.contact()
	if lag := n.maxLag(env); (!known || age > lag) && !env.Variant(VarStaleServes) {
		n.fr.refused++
		if known {
			env.Note("%s refuses %s's read: it last heard from the leader %v ago, more than the max lag %v", n.id, from, age.Round(time.Millisecond), lag)
		} else {
			env.Note("%s refuses %s's read: it has not heard from a leader since it started", n.id, from)
		}
		env.Send(from, FollowerReply{ID: m.ID, Refused: refusedLag})
		return
	}
	if n.applied >= m.MinVersion || env.Variant(VarIgnoreMinVersion) {
		n.serve(env, from, m)
		return
	}
	wait := ms(env.Param(ParamReadTimeout, defReadTimeout))
	n.fr.nextID++
	n.fr.parked = append(n.fr.parked, parkedRead{n: n.fr.nextID, client: from, req: m, expires: n.now + wait})
	parkedWait.Set(env, n.fr.nextID, wait)
	env.Note("%s parks %s's read of %s: it has applied up to %d, the read needs version %d", n.id, from, m.Key, n.applied, m.MinVersion)
}

// serve answers m from the applied state.
func (n *Node) serve(env engine.Env, client string, m FollowerGet) {
	age, known := n.contact()
	n.fr.served++
	n.fr.last = servedRead{Client: client, Version: n.applied, Lag: age, MaxLag: n.maxLag(env), ServedWithoutLead: !known}
	env.Send(client, FollowerReply{ID: m.ID, Value: n.kv[m.Key], Version: n.applied})
}

// serveParked answers every parked read whose version is now applied (all
// of them at or below the applied index, not only an exact match).
func (n *Node) serveParked(env engine.Env) {
	if len(n.fr.parked) == 0 {
		return
	}
	kept := n.fr.parked[:0]
	for _, p := range n.fr.parked {
		if p.req.MinVersion > n.applied {
			kept = append(kept, p)
			continue
		}
		parkedWait.Cancel(env, p.n)
		env.Note("%s has applied version %d: it answers %s's parked read of %s", n.id, n.applied, p.client, p.req.Key)
		n.serve(env, p.client, p.req)
	}
	clear(n.fr.parked[len(kept):])
	n.fr.parked = kept
}

// onParkedTimeout gives a parked read up: the client tries elsewhere.
func (n *Node) onParkedTimeout(env engine.Env, timer string) {
	id, ok := parkedWait.Match(timer)
	if !ok {
		return
	}
	for i, p := range n.fr.parked {
		if p.n == id {
			n.fr.parked = append(n.fr.parked[:i], n.fr.parked[i+1:]...)
			n.fr.refused++
			env.Note("%s gives up %s's parked read: still at version %d of %d after the wait", n.id, p.client, n.applied, p.req.MinVersion)
			env.Send(p.client, FollowerReply{ID: p.req.ID, Refused: refusedTimeout})
			return
		}
	}
}

// followerReadWidgets: the applied version beside the commit the server
// knows, how long since it was last sure of being current, and the parked
// reads.
func (n *Node) followerReadWidgets() []engine.Widget {
	if !n.fr.on {
		return nil
	}
	lag := n.fr.maxLag
	age, known := n.contact()
	label := n.leader + " heard (ms ago)"
	switch {
	case n.role == Leader:
		label = "majority heard (ms ago)"
	case !known:
		label = "no leader heard yet"
		age = lag
	case n.leader == "":
		label = "leader heard (ms ago)"
	}
	meters := engine.MeterWidget(WVersion,
		engine.Meter{Label: "applied of commit", Value: float64(n.applied), Max: float64(max(n.hwm, n.applied, 1))},
		engine.Meter{Label: label, Value: float64(age.Microseconds()) / 1000, Max: float64(lag.Milliseconds()), Alarm: !known || age > lag})
	meters.Fields = []engine.Field{{Label: "reads served", Value: itoa(n.fr.served)}, {Label: "refused or timed out", Value: itoa(n.fr.refused)}}
	items := make([]engine.QueueItem, 0, len(n.fr.parked))
	for _, p := range n.fr.parked {
		items = append(items, engine.QueueItem{ID: p.client + " #" + itoa(p.req.ID),
			Text: "get " + p.req.Key + " ≥ v" + itoa(p.req.MinVersion), State: engine.StatePending, Expiry: p.expires.Microseconds()})
	}
	return []engine.Widget{meters, engine.QueueWidget(WParked, items...)}
}
