package keyrange

import (
	"strconv"
)

// Client ↔ coordinator.

// GetPartitionTable asks the coordinator for its range table.
type GetPartitionTable struct{}

func (GetPartitionTable) Kind() string                  { return "GetPartitionTable" }
func (GetPartitionTable) Summary() string               { return "table?" }
func (GetPartitionTable) AppendSummary(b []byte) []byte { return append(b, "table?"...) }

// PartitionTable is the coordinator's table at a version. Ranges is never
// changed after it is sent: the coordinator replaces its slice on a change.
type PartitionTable struct {
	Version int
	Ranges  []RangeInfo
}

func (PartitionTable) Kind() string      { return "PartitionTable" }
func (m PartitionTable) Summary() string { return string(m.AppendSummary(nil)) }
func (m PartitionTable) AppendSummary(b []byte) []byte {
	b = strconv.AppendInt(append(b, 'v'), int64(m.Version), 10)
	b = append(b, ": "...)
	for i, r := range m.Ranges {
		if i > 0 {
			b = append(b, ' ')
		}
		b = append(append(appendRangeName(b, r.ID), '@'), r.Owner...)
	}
	return b
}

// Client ↔ data node. Each request names the range the client's table
// routes it to, at the epoch the table gives.

// Put writes Key=Value.
type Put struct {
	ID         int
	Range      int
	Epoch      int
	Key, Value string
}

func (Put) Kind() string      { return "Put" }
func (m Put) Summary() string { return string(m.AppendSummary(nil)) }
func (m Put) AppendSummary(b []byte) []byte {
	b = appendAt(appendID(b, m.ID), m.Range, m.Epoch)
	return append(append(append(append(b, ' '), m.Key...), '='), m.Value...)
}

// Get reads Key.
type Get struct {
	ID    int
	Range int
	Epoch int
	Key   string
}

func (Get) Kind() string      { return "Get" }
func (m Get) Summary() string { return string(m.AppendSummary(nil)) }
func (m Get) AppendSummary(b []byte) []byte {
	return append(append(appendAt(appendID(b, m.ID), m.Range, m.Epoch), ' '), m.Key...)
}

// GetAllInRange asks one range for its keys in [Start, End) (the part of
// a scan that range covers). Round tells a scan's retries apart.
type GetAllInRange struct {
	ID, Round  int
	Range      int
	Epoch      int
	Start, End string
}

func (GetAllInRange) Kind() string      { return "GetAllInRange" }
func (m GetAllInRange) Summary() string { return string(m.AppendSummary(nil)) }
func (m GetAllInRange) AppendSummary(b []byte) []byte {
	return appendBounds(append(appendAt(appendID(b, m.ID), m.Range, m.Epoch), ' '), m.Start, m.End)
}

// PutOk acknowledges a write: it is on the node's disk.
type PutOk struct{ ID int }

func (PutOk) Kind() string                    { return "PutOk" }
func (m PutOk) Summary() string               { return string(m.AppendSummary(nil)) }
func (m PutOk) AppendSummary(b []byte) []byte { return append(appendID(b, m.ID), "ok"...) }

// GetOk is the value read ("" and Found false: no such key).
type GetOk struct {
	ID    int
	Value string
	Found bool
}

func (GetOk) Kind() string      { return "GetOk" }
func (m GetOk) Summary() string { return string(m.AppendSummary(nil)) }
func (m GetOk) AppendSummary(b []byte) []byte {
	if !m.Found {
		return append(appendID(b, m.ID), "not found"...)
	}
	return strconv.AppendQuote(appendID(b, m.ID), m.Value)
}

// KV is a key and its value.
type KV struct{ Key, Value string }

// RangeValues answers GetAllInRange: the keys of [Start, End), the part of
// the asked interval the range covers.
type RangeValues struct {
	ID, Round  int
	Range      int
	Start, End string
	Pairs      []KV
}

func (RangeValues) Kind() string      { return "RangeValues" }
func (m RangeValues) Summary() string { return string(m.AppendSummary(nil)) }
func (m RangeValues) AppendSummary(b []byte) []byte {
	b = appendBounds(append(appendRangeName(appendID(b, m.ID), m.Range), ' '), m.Start, m.End)
	b = append(b, ": "...)
	b = strconv.AppendInt(b, int64(len(m.Pairs)), 10)
	return append(b, " keys"...)
}

// Refusal reasons.
const (
	whyStaleEpoch  = "stale epoch"
	whyNotYet      = "epoch not reached yet"
	whyKeyNotIn    = "key not in range"
	whyNoRange     = "range not here"
	whyMoving      = "range moving"
	whyMoved       = "range moved"
	whyEmptyWindow = "nothing of the range in the interval"
)

// Refused says why a node will not serve a request at this range and
// epoch. It names what the node holds (Epoch, Start, End) and, for a range
// that moved, where it went (To).
type Refused struct {
	ID, Round  int
	Range      int
	Why        string
	Epoch      int
	Start, End string
	To         string
}

func (Refused) Kind() string      { return "Refused" }
func (m Refused) Summary() string { return string(m.AppendSummary(nil)) }
func (m Refused) AppendSummary(b []byte) []byte {
	b = append(appendRangeName(appendID(b, m.ID), m.Range), ' ')
	b = append(b, m.Why...)
	if m.To != "" {
		b = append(append(b, " to "...), m.To...)
	}
	return b
}

// Data node ↔ coordinator.

// SplitTrigger: a node's range holds more keys than the setting allows;
// it proposes to split it at its middle key.
type SplitTrigger struct {
	Range, Epoch int
	SplitKey     string
	Keys         int
}

func (SplitTrigger) Kind() string      { return "SplitTrigger" }
func (m SplitTrigger) Summary() string { return string(m.AppendSummary(nil)) }
func (m SplitTrigger) AppendSummary(b []byte) []byte {
	b = append(append(appendAt(b, m.Range, m.Epoch), " at "...), m.SplitKey...)
	return append(strconv.AppendInt(append(b, " ("...), int64(m.Keys), 10), " keys)"...)
}

// SplitPartition tells the owner to cut Parent at SplitKey: Parent keeps
// the keys below it, NewRange takes the rest; both are at Epoch.
type SplitPartition struct {
	Parent, NewRange int
	SplitKey         string
	Epoch            int
}

func (SplitPartition) Kind() string      { return "SplitPartition" }
func (m SplitPartition) Summary() string { return string(m.AppendSummary(nil)) }
func (m SplitPartition) AppendSummary(b []byte) []byte {
	b = append(append(appendRangeName(b, m.Parent), " at "...), m.SplitKey...)
	b = append(appendRangeName(append(b, " → "...), m.NewRange), " @"...)
	return strconv.AppendInt(b, int64(m.Epoch), 10)
}

// SplitPartitionResponse: the owner has split the range (on its disk).
type SplitPartitionResponse struct {
	Parent, NewRange, Epoch int
}

func (SplitPartitionResponse) Kind() string      { return "SplitPartitionResponse" }
func (m SplitPartitionResponse) Summary() string { return string(m.AppendSummary(nil)) }
func (m SplitPartitionResponse) AppendSummary(b []byte) []byte {
	b = append(appendRangeName(b, m.Parent), " + "...)
	return append(appendRangeName(b, m.NewRange), " split"...)
}

// MovePartition tells the owner to hand Range over to To, where it will
// be at Epoch.
type MovePartition struct {
	Range, Epoch int
	To           string
}

func (MovePartition) Kind() string      { return "MovePartition" }
func (m MovePartition) Summary() string { return string(m.AppendSummary(nil)) }
func (m MovePartition) AppendSummary(b []byte) []byte {
	return append(append(appendAt(b, m.Range, m.Epoch), " → "...), m.To...)
}

// PartitionData carries a range's keys to its new owner (From is the old
// one; "" when the coordinator creates the first range).
type PartitionData struct {
	Range, Epoch int
	Start, End   string
	From         string
	Keys         map[string]cell // never changed after it is sent
}

func (PartitionData) Kind() string      { return "PartitionData" }
func (m PartitionData) Summary() string { return string(m.AppendSummary(nil)) }
func (m PartitionData) AppendSummary(b []byte) []byte {
	b = appendBounds(append(appendAt(b, m.Range, m.Epoch), ' '), m.Start, m.End)
	return append(strconv.AppendInt(append(b, ", "...), int64(len(m.Keys)), 10), " keys"...)
}

// Size: a range's data is bigger than a request.
func (m PartitionData) Size() int { return 64 + 32*len(m.Keys) }

// PartitionInstalled: the new owner holds the range at Epoch, on its disk.
type PartitionInstalled struct {
	Range, Epoch int
	From         string
}

func (PartitionInstalled) Kind() string      { return "PartitionInstalled" }
func (m PartitionInstalled) Summary() string { return string(m.AppendSummary(nil)) }
func (m PartitionInstalled) AppendSummary(b []byte) []byte {
	return append(appendAt(b, m.Range, m.Epoch), " installed"...)
}

// MoveFinished tells the old owner the table names the new one: it may
// drop its frozen copy.
type MoveFinished struct{ Range, Epoch int }

func (MoveFinished) Kind() string      { return "MoveFinished" }
func (m MoveFinished) Summary() string { return string(m.AppendSummary(nil)) }
func (m MoveFinished) AppendSummary(b []byte) []byte {
	return append(appendAt(b, m.Range, m.Epoch), " done"...)
}

// appendID appends "#id ".
func appendID(b []byte, id int) []byte {
	return append(strconv.AppendInt(append(b, '#'), int64(id), 10), ' ')
}

// appendAt appends "r2@3": a range at an epoch.
func appendAt(b []byte, r, epoch int) []byte {
	return strconv.AppendInt(append(appendRangeName(b, r), '@'), int64(epoch), 10)
}
