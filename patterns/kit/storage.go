package kit

import "clusterscope/engine"

// Record is a typed record of a process's disk: the engine's Storage holds
// values of any type, and a Record reads back the type it writes, so a
// process never asserts one by hand.
//
//	var diskGen = kit.Record[int]{Key: "generation"}
//	diskGen.Put(env.Storage(), 3)
//	gen, ok := diskGen.Get(env.Storage())
type Record[T any] struct {
	Key string
}

// Get reads the record; ok is false when it was never written (or holds a
// value of another type, which only a bug writes).
func (r Record[T]) Get(st *engine.Storage) (v T, ok bool) {
	if st == nil {
		return v, false
	}
	x, found := st.Get(r.Key)
	v, ok = x.(T)
	return v, found && ok
}

// Put writes the record (durable at the next Sync).
func (r Record[T]) Put(st *engine.Storage, v T) { st.Put(r.Key, v) }

// Delete removes the record (durable at the next Sync).
func (r Record[T]) Delete(st *engine.Storage) { st.Delete(r.Key) }

// DiskLog is a typed view of a process's on-disk log, whose entries are
// all of type T.
type DiskLog[T any] struct{}

// Append adds e at the end of the log (durable at the next Sync) and
// returns its position, 0-based.
func (DiskLog[T]) Append(st *engine.Storage, e T) int { return st.Append(e) }

// Len is the number of entries.
func (DiskLog[T]) Len(st *engine.Storage) int {
	if st == nil {
		return 0
	}
	return st.Len()
}

// At is entry i (0-based); ok is false past the end or for an entry of
// another type.
func (DiskLog[T]) At(st *engine.Storage, i int) (e T, ok bool) {
	if st == nil || i < 0 || i >= st.Len() {
		return e, false
	}
	e, ok = st.Log()[i].(T)
	return e, ok
}

// Truncate keeps the first n entries.
func (DiskLog[T]) Truncate(st *engine.Storage, n int) { st.Truncate(n) }

// TruncateFront drops the first n entries: position n becomes 0.
func (DiskLog[T]) TruncateFront(st *engine.Storage, n int) { st.TruncateFront(n) }
