package emergent

import (
	"strconv"
	"time"
)

// Member is one entry of a membership list: a node and its age, the join
// counter the coordinator gave it when it joined (1 is the seed). Down: the
// coordinator took it out; it must join again, and gets a new, youngest age.
type Member struct {
	ID   string
	Age  int
	Down bool
}

// Membership is what a coordinator publishes: the members in join order,
// the next age to give, and the partition table (owner per partition, ""
// unassigned). Version orders publications; Publisher names the coordinator
// that wrote this version (two coordinators in a split brain can write the
// same version number with different contents).
type Membership struct {
	Version   int
	Publisher string
	NextAge   int
	Members   []Member
	Owners    []string
}

// clone copies the lists: a membership is sent, kept and changed.
func (m Membership) clone() Membership {
	m.Members = append([]Member(nil), m.Members...)
	m.Owners = append([]string(nil), m.Owners...)
	return m
}

// find is a member's index in the list, -1 when absent.
func (m Membership) find(id string) int {
	for i, x := range m.Members {
		if x.ID == id {
			return i
		}
	}
	return -1
}

// joined reports whether id is in the list and not down.
func (m Membership) joined(id string) bool {
	i := m.find(id)
	return i >= 0 && !m.Members[i].Down
}

// live counts the members not marked down.
func (m Membership) live() int {
	n := 0
	for _, x := range m.Members {
		if !x.Down {
			n++
		}
	}
	return n
}

func appendVersion(b []byte, v int) []byte { return strconv.AppendInt(append(b, 'v'), int64(v), 10) }

// JoinRequest asks to be let in. A joining node sends it to every address
// it is configured with; the acting coordinator answers, the others ignore it.
type JoinRequest struct{}

func (JoinRequest) Kind() string                    { return "JoinRequest" }
func (m JoinRequest) Summary() string               { return string(m.AppendSummary(nil)) }
func (m JoinRequest) AppendSummary(b []byte) []byte { return append(b, "let me in"...) }

// MembershipUpdate carries a published membership (and partition table) to
// a member, or to a joiner as its answer. A member adopts a higher version.
type MembershipUpdate struct {
	M Membership
}

func (MembershipUpdate) Kind() string      { return "MembershipUpdate" }
func (m MembershipUpdate) Summary() string { return string(m.AppendSummary(nil)) }
func (m MembershipUpdate) AppendSummary(b []byte) []byte {
	b = appendVersion(b, m.M.Version)
	b = append(append(b, " by "...), m.M.Publisher...)
	b = strconv.AppendInt(append(b, ", "...), int64(m.M.live()), 10)
	return append(b, " members"...)
}

// MembershipAck says a member now holds Version.
type MembershipAck struct{ Version int }

func (MembershipAck) Kind() string      { return "MembershipAck" }
func (m MembershipAck) Summary() string { return string(m.AppendSummary(nil)) }
func (m MembershipAck) AppendSummary(b []byte) []byte {
	return appendVersion(append(b, "have "...), m.Version)
}

// Heartbeat is sent to every member each interval. SentAt is the sender's
// monotonic clock, echoed in the ack: what the sender learns from the ack
// is then dated by its own clock, never by a stale message.
type Heartbeat struct {
	Version   int
	Publisher string
	SentAt    time.Duration
}

func (Heartbeat) Kind() string      { return "Heartbeat" }
func (m Heartbeat) Summary() string { return string(m.AppendSummary(nil)) }
func (m Heartbeat) AppendSummary(b []byte) []byte {
	return appendVersion(append(b, "alive @"...), m.Version)
}

// HeartbeatAck answers a Heartbeat. Version: the membership version the
// acker holds. Endorse: the acker takes the sender for its coordinator (and
// promises not to take another for a while). Lease: the acker is the acting
// coordinator and lets the sender host its partitions, as its table of
// (Version, Publisher) says, for a while from SentAt.
type HeartbeatAck struct {
	Version   int
	Publisher string
	SentAt    time.Duration
	Echo      int // the version the heartbeat carried
	Endorse   bool
	Lease     bool
}

func (HeartbeatAck) Kind() string      { return "HeartbeatAck" }
func (m HeartbeatAck) Summary() string { return string(m.AppendSummary(nil)) }
func (m HeartbeatAck) AppendSummary(b []byte) []byte {
	b = appendVersion(append(b, "ack @"...), m.Version)
	if m.Endorse {
		b = append(b, ", my coordinator"...)
	}
	if m.Lease {
		b = append(b, ", host your partitions"...)
	}
	return b
}
