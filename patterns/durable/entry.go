// Package durable is the durable node (shared/PATTERNS.md §2, E1): one
// key-value server whose log lives on the engine's Disk, where an append is
// written at once but durable only when an fsync completes. It serves the
// Write-Ahead Log and Segmented Log pages and the single-node setup of the
// Low-Water Mark page.
package durable

import (
	"strconv"
	"strings"
)

// Entry is one log record: a client's put at an index. Client and ReqID name
// the request, so a retried put that lands in the log twice is applied once.
type Entry struct {
	Index  int
	Key    string
	Value  string
	Client string
	ReqID  int
}

func (e Entry) String() string {
	return strconv.Itoa(e.Index) + " " + e.Key + "=" + e.Value
}

// size is the entry's length in bytes as the disk counts it: a header
// (index, checksum, lengths, request id) and the key and value.
func (e Entry) size() int { return 16 + len(e.Key) + len(e.Value) + len(e.Client) }

// Snapshot is the one record of the snapshot file: the key-value state after
// applying every entry up to Index, and which requests that includes (so a
// retry of one already applied is still recognised after the log below it
// is gone).
type Snapshot struct {
	Index   int
	KV      map[string]string
	Applied map[int]int // request id → the index it was applied at
}

func (s Snapshot) size() int {
	n := 16 + 8*len(s.Applied)
	for k, v := range s.KV {
		n += len(k) + len(v) + 4
	}
	return n
}

// File names. Segments are named by the index of their first entry, the
// book's style: wal_1 holds entries 1.., wal_5 entries 5.. when a segment
// holds four. Indexes start at 1.
const (
	segmentPrefix = "wal_"
	snapshotFile  = "snapshot"
	snapshotTmp   = "snapshot.tmp" // written and fsynced, then renamed over snapshot
)

func segmentName(base int) string { return segmentPrefix + strconv.Itoa(base) }

// rewriteSuffix marks the copy the one-file cleaner writes (wal_7.tmp
// becomes wal_7 once it is durable). Its name is no segment's: recovery
// never reads a copy, and deletes one a crash left behind.
const rewriteSuffix = ".tmp"

func rewriteName(base int) string { return segmentName(base) + rewriteSuffix }

// isRewrite reports whether name is a copy the one-file cleaner writes.
func isRewrite(name string) bool {
	seg, ok := strings.CutSuffix(name, rewriteSuffix)
	_, isSeg := segmentBase(seg)
	return ok && isSeg
}

// segmentBase reads the base index from a segment's file name.
func segmentBase(name string) (int, bool) {
	rest, ok := strings.CutPrefix(name, segmentPrefix)
	if !ok {
		return 0, false
	}
	n, err := strconv.Atoi(rest)
	return n, err == nil && n > 0
}

// appliedIDs is a node's request ids with the index each was applied at.
// The ids are history ids, dense from 0, so a slice holds them (a map
// grown entry by entry all run long cost more than the lookups); any
// other id, or an index of 0, goes in a map.
type appliedIDs struct {
	at    []int // at[id]: the index, 0 for none
	other map[int]int
}

// maxDenseReq bounds the ids the slice holds.
const maxDenseReq = 1 << 20

func (a *appliedIDs) get(id int) (int, bool) {
	if id >= 0 && id < len(a.at) && a.at[id] != 0 {
		return a.at[id], true
	}
	idx, ok := a.other[id]
	return idx, ok
}

func (a *appliedIDs) put(id, idx int) {
	if id >= 0 && id < maxDenseReq && idx != 0 {
		for len(a.at) <= id {
			a.at = append(a.at, 0)
		}
		a.at[id] = idx
		return
	}
	if id >= 0 && id < len(a.at) {
		a.at[id] = 0 // the map's pair stands in for it
	}
	if a.other == nil {
		a.other = map[int]int{}
	}
	a.other[id] = idx
}

// fromMap makes a hold exactly m's pairs.
func (a *appliedIDs) fromMap(m map[int]int) {
	clear(a.at)
	a.at, a.other = a.at[:0], nil
	for id, idx := range m {
		a.put(id, idx)
	}
}

// toMap is a's pairs as a map (what a snapshot stores).
func (a *appliedIDs) toMap() map[int]int {
	m := make(map[int]int, len(a.other))
	for id, idx := range a.at {
		if idx != 0 {
			m[id] = idx
		}
	}
	for id, idx := range a.other {
		m[id] = idx
	}
	return m
}
