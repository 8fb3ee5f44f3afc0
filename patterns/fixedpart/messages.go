package fixedpart

import "strconv"

// Op is a client operation as the history records it.
type Op struct {
	Kind  string `json:"kind"` // opPut or opGet
	Key   string `json:"key"`
	Value string `json:"value,omitempty"`
}

const (
	opPut  = "put"
	opGet  = "get"
	opFill = "fill" // a client action: many puts at once
)

func (o Op) String() string { return string(o.AppendString(nil)) }

// AppendString appends String's text (engine.StringAppender).
func (o Op) AppendString(b []byte) []byte {
	if o.Kind == opPut {
		return append(append(append(append(b, "put "...), o.Key...), '='), o.Value...)
	}
	return append(append(b, "get "...), o.Key...)
}

// KVKey and KVWrite make Op a kit.KVInput, for porcupine's register model.
func (o Op) KVKey() string           { return o.Key }
func (o Op) KVWrite() (string, bool) { return o.Value, o.Kind == opPut }

// Written is a put's answer.
type Written struct{}

func (Written) String() string               { return "ok" }
func (Written) AppendString(b []byte) []byte { return append(b, "ok"...) }

// Result is a read's answer ("" when the key is not there).
type Result struct {
	Value string `json:"value"`
}

func (r Result) KVRead() string { return r.Value }

func (r Result) String() string { return string(r.AppendString(nil)) }

// AppendString appends String's text.
func (r Result) AppendString(b []byte) []byte {
	if r.Value == "" {
		return append(b, "(nothing)"...)
	}
	return strconv.AppendQuote(b, r.Value)
}

// appendID appends "#id ".
func appendID(b []byte, id int) []byte {
	return append(strconv.AppendInt(append(b, '#'), int64(id), 10), ' ')
}

// appendPart appends "p3".
func appendPart(b []byte, p int) []byte { return strconv.AppendInt(append(b, 'p'), int64(p), 10) }

// appendVersion appends " @v7".
func appendVersion(b []byte, v int) []byte {
	return strconv.AppendInt(append(b, " @v"...), int64(v), 10)
}

// Heartbeat tells the controller a data node is alive and which table
// version it knows. The first one after a boot registers the node.
type Heartbeat struct {
	Version int
	Boot    bool
}

func (Heartbeat) Kind() string      { return "Heartbeat" }
func (m Heartbeat) Summary() string { return string(m.AppendSummary(nil)) }
func (m Heartbeat) AppendSummary(b []byte) []byte {
	if m.Boot {
		b = append(b, "register"...)
	} else {
		b = append(b, "alive"...)
	}
	return appendVersion(b, m.Version)
}

// GetTable asks the controller for its partition table.
type GetTable struct{}

func (GetTable) Kind() string                  { return "GetTable" }
func (GetTable) Summary() string               { return "table?" }
func (GetTable) AppendSummary(b []byte) []byte { return append(b, "table?"...) }

// TableUpdate carries the whole partition table: to the data nodes at
// every change (and to one whose heartbeat shows an older version), and
// to a client that asked.
type TableUpdate struct{ Table Table }

func (TableUpdate) Kind() string      { return "TableUpdate" }
func (m TableUpdate) Summary() string { return string(m.AppendSummary(nil)) }
func (m TableUpdate) AppendSummary(b []byte) []byte {
	b = strconv.AppendInt(append(b, "table v"...), int64(m.Table.Version), 10)
	if mv := m.Table.Move; mv.ID != 0 {
		b = append(append(append(append(appendPart(append(b, ", moving "...), mv.Part), ' '), mv.From...), " → "...), mv.To...)
	}
	return b
}

// Size: a table is a few bytes per partition.
func (m TableUpdate) Size() int { return 16 + 12*len(m.Table.Owners) }

// MovePartition asks a partition's owner to freeze it and copy it to
// the move's target. The controller repeats it until the copy is there.
type MovePartition struct {
	Move    Move
	Version int // the table version that started the move
}

func (MovePartition) Kind() string      { return "MovePartition" }
func (m MovePartition) Summary() string { return string(m.AppendSummary(nil)) }
func (m MovePartition) AppendSummary(b []byte) []byte {
	b = append(appendPart(b, m.Move.Part), " → "...)
	b = append(b, m.Move.To...)
	return append(strconv.AppendInt(append(b, " (move "...), int64(m.Move.ID), 10), ')')
}

// PartitionData is a frozen partition's copy, old owner to new owner:
// its keys, and the write ids it applied (so a retried write is not
// applied twice at the new owner).
type PartitionData struct {
	Move, Part int
	Version    int // the table version that started the move
	KV         map[string]string
	Applied    map[int]bool
}

func (PartitionData) Kind() string      { return "PartitionData" }
func (m PartitionData) Summary() string { return string(m.AppendSummary(nil)) }
func (m PartitionData) AppendSummary(b []byte) []byte {
	b = strconv.AppendInt(append(appendPart(b, m.Part), ": "...), int64(len(m.KV)), 10)
	return append(b, " keys"...)
}

// Size counts the keys carried.
func (m PartitionData) Size() int { return 32 + 24*len(m.KV) + 8*len(m.Applied) }

// PartitionCopied tells the controller the new owner holds the copy, on
// its disk: the controller may now switch the owner.
type PartitionCopied struct {
	Move, Part, Keys int
}

func (PartitionCopied) Kind() string      { return "PartitionCopied" }
func (m PartitionCopied) Summary() string { return string(m.AppendSummary(nil)) }
func (m PartitionCopied) AppendSummary(b []byte) []byte {
	b = strconv.AppendInt(append(appendPart(b, m.Part), " copied, "...), int64(m.Keys), 10)
	return append(b, " keys"...)
}

// Put asks the owner of Part, as the client's table of Version says, to
// write Key=Value.
type Put struct {
	ID, Part, Version int
	Key, Value        string
}

func (Put) Kind() string      { return "Put" }
func (m Put) Summary() string { return string(m.AppendSummary(nil)) }
func (m Put) AppendSummary(b []byte) []byte {
	b = append(append(append(append(appendPart(appendID(b, m.ID), m.Part), ' '), m.Key...), '='), m.Value...)
	return appendVersion(b, m.Version)
}

// Get asks the owner of Part for Key.
type Get struct {
	ID, Part, Version int
	Key               string
}

func (Get) Kind() string      { return "Get" }
func (m Get) Summary() string { return string(m.AppendSummary(nil)) }
func (m Get) AppendSummary(b []byte) []byte {
	return appendVersion(append(append(appendPart(appendID(b, m.ID), m.Part), ' '), m.Key...), m.Version)
}

// PutOk acknowledges a write: it is on the owner's disk.
type PutOk struct{ ID int }

func (PutOk) Kind() string                    { return "PutOk" }
func (m PutOk) Summary() string               { return string(m.AppendSummary(nil)) }
func (m PutOk) AppendSummary(b []byte) []byte { return append(appendID(b, m.ID), "ok"...) }

// GetOk is a read's answer.
type GetOk struct {
	ID    int
	Value string
}

func (GetOk) Kind() string      { return "GetOk" }
func (m GetOk) Summary() string { return string(m.AppendSummary(nil)) }
func (m GetOk) AppendSummary(b []byte) []byte {
	return Result{Value: m.Value}.AppendString(appendID(b, m.ID))
}

// NotOwner refuses an operation: the node does not serve the partition
// (it never had it, has frozen it for a move, or handed it over), or
// the client knows a newer table than the node. Version is the table
// version the node knows.
type NotOwner struct {
	ID, Part, Version int
	Reason            string
}

func (NotOwner) Kind() string      { return "NotOwner" }
func (m NotOwner) Summary() string { return string(m.AppendSummary(nil)) }
func (m NotOwner) AppendSummary(b []byte) []byte {
	b = append(appendPart(append(appendID(b, m.ID), "not owner of "...), m.Part), ": "...)
	return appendVersion(append(b, m.Reason...), m.Version)
}

// The reasons of a NotOwner.
const (
	reasonNotMine  = "not mine"
	reasonFrozen   = "frozen for a move"
	reasonIncoming = "copy not switched yet"
	reasonOlder    = "my table is older"
	reasonWrongKey = "key is not in this partition"
)
