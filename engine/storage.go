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
	kv  map[string]any
	log []any
	// undo is how to take back each write since the last Sync, oldest
	// first: a crash takes them back, newest first, and a Sync forgets
	// them. (Keeping a second, synced copy of the state instead cost a
	// second map write per Put at every Sync.)
	undo []undoRec
}

// undoRec takes back one write: a Put or Delete of key, which held old
// (had: it was set at all), or a log write (onLog), before which the log
// was log.
type undoRec struct {
	key   string
	old   any
	log   []any
	had   bool
	onLog bool
}

// NewStorage returns an empty disk.
func NewStorage() *Storage { return &Storage{kv: map[string]any{}} }

func (s *Storage) putKV(key string, value any, del bool) {
	old, had := s.kv[key]
	s.undo = append(s.undo, undoRec{key: key, old: old, had: had})
	if del {
		delete(s.kv, key)
		return
	}
	s.kv[key] = value
}

// setLog makes log the log, noting the one it replaces. A log slice that
// was noted is never written within its length afterwards: an append
// writes past the end, Truncate caps the slice so the next append copies,
// and TruncateFront copies. So restoring a noted slice restores its
// entries too.
func (s *Storage) setLog(log []any) {
	s.undo = append(s.undo, undoRec{log: s.log, onLog: true})
	s.log = log
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

// Put writes key = value (not durable until Sync).
func (s *Storage) Put(key string, value any) { s.putKV(key, value, false) }

// Delete removes key (not durable until Sync).
func (s *Storage) Delete(key string) { s.putKV(key, nil, true) }

// Get reads key as the process sees it now.
func (s *Storage) Get(key string) (any, bool) {
	v, ok := s.kv[key]
	return v, ok
}

// Keys lists the keys, sorted.
func (s *Storage) Keys() []string {
	keys := make([]string, 0, len(s.kv))
	for k := range s.kv {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Append adds an entry at the end of the log and returns its position
// (0-based).
func (s *Storage) Append(entry any) int {
	s.setLog(append(roomFor(s.log), entry))
	return len(s.log) - 1
}

// Truncate keeps the first n log entries.
func (s *Storage) Truncate(n int) {
	if n < 0 {
		n = 0
	}
	if n >= len(s.log) {
		return
	}
	s.setLog(s.log[:n:n]) // cap: a later append must not overwrite the entries cut off
}

// TruncateFront drops the first n log entries (a log cleaned up to a
// snapshot): the entry at position n becomes position 0.
func (s *Storage) TruncateFront(n int) {
	if n <= 0 {
		return
	}
	// A fresh array: the old one stays as it was, to take the write back.
	s.setLog(append([]any(nil), s.log[min(n, len(s.log)):]...))
}

// Log returns the log entries as the process sees them now. The slice must
// not be modified.
func (s *Storage) Log() []any { return s.log }

// Len is the number of log entries.
func (s *Storage) Len() int { return len(s.log) }

// Sync makes every write so far durable (fsync).
func (s *Storage) Sync() {
	clear(s.undo) // let go of the old values
	s.undo = s.undo[:0]
}

// Unsynced is the number of writes a crash would lose now.
func (s *Storage) Unsynced() int { return len(s.undo) }

// crash forgets every write since the last Sync.
func (s *Storage) crash() {
	for i := len(s.undo) - 1; i >= 0; i-- {
		u := &s.undo[i]
		switch {
		case u.onLog:
			s.log = u.log
		case u.had:
			s.kv[u.key] = u.old
		default:
			delete(s.kv, u.key)
		}
	}
	// Appends after the crash must not write into a slice read before it;
	// and an empty log is nil, as a crash always left it.
	s.log = s.log[:len(s.log):len(s.log)]
	if len(s.log) == 0 {
		s.log = nil
	}
	s.Sync()
}
