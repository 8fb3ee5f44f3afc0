package replog

// The State Watch page's messages. A watcher speaks them on one connection
// (engine.Dial) to one core node, which keeps the order and breaks as a
// whole when a message on it is lost: the watcher never sees a hole made
// by the network, only the holes its own requests ask for.

// Change types of a KeyChange.
const (
	changeSet    = "SET"
	changeDelete = "DELETE"
)

// KeyChange is one key's change at a log index.
type KeyChange struct {
	Key   string
	Type  string // SET or DELETE
	Value string // SET: the new value
}

func (c KeyChange) appendTo(b []byte) []byte {
	b = append(append(append(b, c.Type...), ' '), c.Key...)
	if c.Type == changeSet {
		b = append(append(b, '='), c.Value...)
	}
	return b
}

// ReadPrefix asks the core node for every key under Prefix as it holds
// them now (a watcher's first read, and its re-read after a resync).
type ReadPrefix struct{ Prefix string }

func (ReadPrefix) Kind() string                    { return "ReadPrefix" }
func (m ReadPrefix) Summary() string               { return summary(m) }
func (m ReadPrefix) AppendSummary(b []byte) []byte { return append(b, m.Prefix...) }

// PrefixState answers ReadPrefix: the keys under Prefix ("k=v") as of the
// node's applied Index. A watch from Index+1 then misses nothing.
type PrefixState struct {
	Prefix string
	Index  int
	Pairs  []string
}

func (PrefixState) Kind() string      { return "PrefixState" }
func (m PrefixState) Summary() string { return summary(m) }
func (m PrefixState) AppendSummary(b []byte) []byte {
	b = appendInt(append(append(b, m.Prefix...), " at index "...), m.Index)
	return appendInt(append(b, ": "...), len(m.Pairs))
}

// Watch registers interest in every key under Prefix, from log index
// FromIndex on (0: from the node's next applied index, "now"). Once makes
// it a one-shot trigger: it fires for one index and is gone.
type Watch struct {
	Prefix    string
	FromIndex int
	Once      bool
}

func (Watch) Kind() string      { return "Watch" }
func (m Watch) Summary() string { return summary(m) }
func (m Watch) AppendSummary(b []byte) []byte {
	b = append(b, m.Prefix...)
	if m.FromIndex == 0 {
		b = append(b, " from now"...)
	} else {
		b = appendInt(append(b, " from "...), m.FromIndex)
	}
	if m.Once {
		b = append(b, " once"...)
	}
	return b
}

// WatchAck: the watch is registered and delivers every index from From on.
type WatchAck struct {
	Prefix string
	From   int
}

func (WatchAck) Kind() string      { return "WatchAck" }
func (m WatchAck) Summary() string { return summary(m) }
func (m WatchAck) AppendSummary(b []byte) []byte {
	return appendInt(append(append(b, m.Prefix...), " from "...), m.From)
}

// WatchEvent carries the changes under the watched prefix made by the
// entry at Index (an expiry may delete several keys at one index: they
// travel together, so a broken connection never splits an index).
type WatchEvent struct {
	Index   int
	Changes []KeyChange
}

func (WatchEvent) Kind() string      { return "WatchEvent" }
func (m WatchEvent) Summary() string { return summary(m) }
func (m WatchEvent) AppendSummary(b []byte) []byte {
	b = appendInt(append(b, '#'), m.Index)
	for i, c := range m.Changes {
		if i > 0 {
			b = append(b, ',')
		}
		b = c.appendTo(append(b, ' '))
	}
	return b
}

// HistoryCompacted refuses a watch whose FromIndex is older than the
// node's event history: Oldest is the first index it can still replay
// from. The watcher must re-read the prefix and watch from the read.
type HistoryCompacted struct {
	Prefix string
	Oldest int
}

func (HistoryCompacted) Kind() string      { return "HistoryCompacted" }
func (m HistoryCompacted) Summary() string { return summary(m) }
func (m HistoryCompacted) AppendSummary(b []byte) []byte {
	return appendInt(append(append(b, m.Prefix...), " oldest "...), m.Oldest)
}

// WatchRefused: the watch was malformed (a prefix that is not a path).
type WatchRefused struct{ Prefix, Reason string }

func (WatchRefused) Kind() string      { return "WatchRefused" }
func (m WatchRefused) Summary() string { return summary(m) }
func (m WatchRefused) AppendSummary(b []byte) []byte {
	return append(append(append(b, m.Prefix...), ": "...), m.Reason...)
}

// WatchPing keeps the connection honest: a ping lost to a cut link breaks
// it, and a ping with no answer tells the watcher the node is gone.
type WatchPing struct{ Seq int }

func (WatchPing) Kind() string                    { return "WatchPing" }
func (m WatchPing) Summary() string               { return summary(m) }
func (m WatchPing) AppendSummary(b []byte) []byte { return appendInt(append(b, '#'), m.Seq) }

// WatchPong answers a ping with the node's applied index. It travels
// after every event the node sent before it, so it is also a progress
// notice: nothing under the watch changed up to Applied that the watcher
// has not been sent (etcd's progress notification).
type WatchPong struct{ Seq, Applied int }

func (WatchPong) Kind() string      { return "WatchPong" }
func (m WatchPong) Summary() string { return summary(m) }
func (m WatchPong) AppendSummary(b []byte) []byte {
	return appendInt(append(appendInt(append(b, '#'), m.Seq), " applied "...), m.Applied)
}
