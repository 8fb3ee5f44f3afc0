package engine

import (
	"slices"
	"sort"
)

// Storage is a process's disk: a key-value area for small records (generation,
// votedFor) and an append-only log. Reads see every write at once (the page
// cache); a write becomes durable only at the next Sync. A crash throws away
// what was not synced, as losing power does.
//
// Values are kept as given, so store immutable values (or copies).
type Storage struct {
	cur, synced diskState
	pending     []diskOp
}

type diskState struct {
	kv  map[string]any
	log []any
}

type diskOp struct {
	kind  uint8 // opPut, opDelete, opAppend, opTruncate, opTruncateFront
	key   string
	value any
	n     int
}

const (
	opPut uint8 = iota
	opDelete
	opAppend
	opTruncate
	opTruncateFront
)

// NewStorage returns an empty disk.
func NewStorage() *Storage {
	return &Storage{cur: diskState{kv: map[string]any{}}, synced: diskState{kv: map[string]any{}}}
}

func (s *diskState) apply(op diskOp) {
	switch op.kind {
	case opPut:
		s.kv[op.key] = op.value
	case opDelete:
		delete(s.kv, op.key)
	case opAppend:
		s.log = append(roomFor(s.log), op.value)
	case opTruncate:
		s.log = s.log[:op.n:op.n] // cap: a later append must not overwrite a shared array
	case opTruncateFront:
		// A fresh array: the old one may be shared with the other state.
		s.log = append([]any(nil), s.log[min(op.n, len(s.log)):]...)
	}
}

// roomFor makes room for one more element at the end of s, doubling a full
// slice. append grows a large slice by only a quarter, so a log that grows
// for a whole run would be copied about four times over; doubling copies it
// once.
func roomFor[T any](s []T) []T {
	if len(s) == cap(s) {
		s = slices.Grow(s, max(len(s), 16))
	}
	return s
}

func (s *Storage) do(op diskOp) {
	s.cur.apply(op)
	s.pending = append(s.pending, op)
}

// Put writes key = value (not durable until Sync).
func (s *Storage) Put(key string, value any) { s.do(diskOp{kind: opPut, key: key, value: value}) }

// Delete removes key (not durable until Sync).
func (s *Storage) Delete(key string) { s.do(diskOp{kind: opDelete, key: key}) }

// Get reads key as the process sees it now.
func (s *Storage) Get(key string) (any, bool) {
	v, ok := s.cur.kv[key]
	return v, ok
}

// Keys lists the keys, sorted.
func (s *Storage) Keys() []string {
	keys := make([]string, 0, len(s.cur.kv))
	for k := range s.cur.kv {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Append adds an entry at the end of the log and returns its position
// (0-based).
func (s *Storage) Append(entry any) int {
	s.do(diskOp{kind: opAppend, value: entry})
	return len(s.cur.log) - 1
}

// Truncate keeps the first n log entries.
func (s *Storage) Truncate(n int) {
	if n < 0 {
		n = 0
	}
	if n >= len(s.cur.log) {
		return
	}
	s.do(diskOp{kind: opTruncate, n: n})
}

// TruncateFront drops the first n log entries (a log cleaned up to a
// snapshot): the entry at position n becomes position 0.
func (s *Storage) TruncateFront(n int) {
	if n <= 0 {
		return
	}
	s.do(diskOp{kind: opTruncateFront, n: min(n, len(s.cur.log))})
}

// Log returns the log entries as the process sees them now. The slice must
// not be modified.
func (s *Storage) Log() []any { return s.cur.log }

// Len is the number of log entries.
func (s *Storage) Len() int { return len(s.cur.log) }

// Sync makes every write so far durable (fsync).
func (s *Storage) Sync() {
	for _, op := range s.pending {
		s.synced.apply(op)
	}
	s.pending = s.pending[:0]
}

// Unsynced is the number of writes a crash would lose now.
func (s *Storage) Unsynced() int { return len(s.pending) }

// crash forgets every write since the last Sync.
func (s *Storage) crash() {
	s.pending = s.pending[:0]
	s.cur.kv = make(map[string]any, len(s.synced.kv))
	for k, v := range s.synced.kv {
		s.cur.kv[k] = v
	}
	s.cur.log = append([]any(nil), s.synced.log...)
}
