package gossip

import "strconv"

// Stamp is what a digest says of one member: the generation and the
// highest version the sender holds for it. Stamps order
// lexicographically: a higher generation wins whatever its versions.
type Stamp struct {
	Gen, Ver int32
}

// Less reports whether s is older than o.
func (s Stamp) Less(o Stamp) bool { return s.Gen < o.Gen || s.Gen == o.Gen && s.Ver < o.Ver }

// Digest is one member's stamp as a digest carries it; Node is the
// member's place in the cluster's sorted list of servers.
type Digest struct {
	Node int32
	Stamp
}

// Field is one key of a member's state: its value and the version the
// member set it at (0: not carried).
type Field struct {
	Value string
	Ver   int32
}

// Delta carries the fields of one member that the receiver lacks: every
// field when Full (the receiver knew an older generation, or nothing),
// else those above the version it holds. The heartbeat's value is its
// count.
type Delta struct {
	Node      int32
	Gen       int32
	Full      bool
	Heartbeat int32
	HBVer     int32
	Addr      Field
	Rumour    Field
}

// Beat carries a member's heartbeat alone, the most common news by far
// (every member's grows every round): a delta without strings.
type Beat struct {
	Node, Gen, Heartbeat, HBVer int32
}

// Syn opens an exchange: the opener's digest, a stamp per member it
// knows. Stamps is indexed by member (generation 0: not known, and not
// sent on a real wire); Known counts the members it knows.
type Syn struct {
	Known  int
	Stamps []Stamp
	// Gen is the sender's generation: the Ack echoes it, so an answer to
	// a Syn sent before the sender restarted (computed against a digest it
	// no longer holds) is recognised and dropped.
	Gen int32
}

// Ack answers a Syn: what the answerer holds newer than the digest says,
// and what it asks for (its own stamps of members the digest shows newer,
// or that it does not know).
type Ack struct {
	Beats    []Beat
	Deltas   []Delta
	Requests []Digest
	// To is the generation of the Syn answered; Gen the answerer's, which
	// the Ack2 echoes.
	To, Gen int32
}

// Ack2 ends an exchange: what the Ack asked for.
type Ack2 struct {
	Beats  []Beat
	Deltas []Delta
	To     int32 // the generation of the Ack answered
}

func (Syn) Kind() string  { return "Syn" }
func (Ack) Kind() string  { return "Ack" }
func (Ack2) Kind() string { return "Ack2" }

// Sizes on the wire, roughly: a header, 12 bytes a stamp, 16 a beat, 24 a
// delta plus its strings.
const (
	headerBytes = 16
	stampBytes  = 12
	beatBytes   = 16
	deltaBytes  = 24
)

func (m Syn) Size() int { return headerBytes + stampBytes*m.Known }
func (m Ack) Size() int {
	return headerBytes + beatBytes*len(m.Beats) + deltasSize(m.Deltas) + stampBytes*len(m.Requests)
}
func (m Ack2) Size() int { return headerBytes + beatBytes*len(m.Beats) + deltasSize(m.Deltas) }

func deltasSize(ds []Delta) int {
	n := 0
	for i := range ds {
		n += deltaBytes + len(ds[i].Addr.Value) + len(ds[i].Rumour.Value)
	}
	return n
}

func (m Syn) Summary() string  { return string(m.AppendSummary(nil)) }
func (m Ack) Summary() string  { return string(m.AppendSummary(nil)) }
func (m Ack2) Summary() string { return string(m.AppendSummary(nil)) }

// AppendSummary: "digest of 20 members".
func (m Syn) AppendSummary(b []byte) []byte {
	return appendCount(append(b, "digest of "...), m.Known, "member")
}

// AppendSummary: "3 newer, asks 2" (what changes hands is the story; the
// names are in the panels).
func (m Ack) AppendSummary(b []byte) []byte {
	b = appendDeltas(b, len(m.Beats), m.Deltas)
	return appendCount(append(b, ", asks "...), len(m.Requests), "")
}

// AppendSummary: "2 newer".
func (m Ack2) AppendSummary(b []byte) []byte { return appendDeltas(b, len(m.Beats), m.Deltas) }

func appendDeltas(b []byte, beats int, ds []Delta) []byte {
	b = strconv.AppendInt(b, int64(beats+len(ds)), 10)
	b = append(b, " newer"...)
	for i := range ds {
		if ds[i].Rumour.Ver > 0 && ds[i].Rumour.Value != "" {
			return append(append(append(b, " (rumour "...), ds[i].Rumour.Value...), ')')
		}
	}
	return b
}

func appendCount(b []byte, n int, noun string) []byte {
	b = strconv.AppendInt(b, int64(n), 10)
	if noun == "" {
		return b
	}
	b = append(append(b, ' '), noun...)
	if n != 1 {
		b = append(b, 's')
	}
	return b
}
