package clocks

import (
	"strconv"
)

// Stamp is a timestamp of either clock: a Lamport clock's counter (N, with
// Wall 0), or a hybrid clock's (Wall, N), wall-clock milliseconds and a
// logical counter. Stamps compare by Wall first, then by N. Hybrid only
// changes how a stamp is written.
type Stamp struct {
	Wall   int64 `json:"wall,omitempty"`
	N      int64 `json:"n"`
	Hybrid bool  `json:"hybrid,omitempty"`
}

// Less reports whether s comes before o.
func (s Stamp) Less(o Stamp) bool {
	return s.Wall < o.Wall || s.Wall == o.Wall && s.N < o.N
}

// Max is the later of s and o.
func (s Stamp) Max(o Stamp) Stamp {
	if s.Less(o) {
		return o
	}
	return s
}

func (s Stamp) String() string {
	if !s.Hybrid {
		return strconv.FormatInt(s.N, 10)
	}
	var buf [48]byte // two int64s and the punctuation: the string is the only allocation
	return string(s.Append(buf[:0]))
}

// Append appends the stamp as String writes it.
func (s Stamp) Append(b []byte) []byte {
	if !s.Hybrid {
		return strconv.AppendInt(b, s.N, 10)
	}
	b = append(b, '(')
	b = strconv.AppendInt(b, s.Wall, 10)
	b = append(b, ',')
	b = strconv.AppendInt(b, s.N, 10)
	return append(b, ')')
}

// Version names one write: the stamp its server gave it, the server, and
// the server's count of writes (which tells two writes apart even when a
// broken clock gives them the same stamp). Replicas merge by (stamp,
// server): the higher wins.
type Version struct {
	TS   Stamp  `json:"ts"`
	Node string `json:"node,omitempty"`
	Seq  int    `json:"seq,omitempty"`
}

// Newer reports whether v wins a merge against o.
func (v Version) Newer(o Version) bool {
	return o.TS.Less(v.TS) || o.TS == v.TS && v.Node > o.Node
}

func (v Version) String() string { return string(v.Append(nil)) }

// Append appends the version as String writes it.
func (v Version) Append(b []byte) []byte {
	if v.Node == "" {
		return append(b, "—"...)
	}
	return append(append(v.TS.Append(b), ' '), v.Node...)
}
