package replog

import (
	"slices"
	"strings"
)

// The tree's part in State Watch: an admin's delete, and the changes an
// applied entry made, which every core node derives alike from the same
// entry and answer, so the changes are numbered by the entry's log index.

// remove deletes key and returns it ("" when it was absent: nothing
// changed, and no watch fires).
func (t *coreTree) remove(key string) string {
	k, ok := t.kv[key]
	if !ok {
		return ""
	}
	t.detach(key, k.lease)
	delete(t.kv, key)
	if i, ok := slices.BinarySearch(t.keys, key); ok {
		t.keys = slices.Delete(t.keys, i, i+1)
	}
	return key
}

// changesOf is what the entry e, answered r, changed in the tree: a set or
// a compare-and-set that took effect sets its key; a delete or a lease
// expiry deletes the keys its answer lists. A retry (dup) changed nothing.
func changesOf(e Entry, r CoreReply, dup bool) []KeyChange {
	if dup {
		return nil
	}
	switch e.Op {
	case coreSet, coreCAS:
		if r.OK && r.Err == "" {
			return []KeyChange{{Key: e.Key, Type: changeSet, Value: e.Value}}
		}
	case coreDelete, coreExpire:
		if r.Value == "" {
			return nil
		}
		keys := strings.Split(r.Value, ", ")
		out := make([]KeyChange, len(keys))
		for i, k := range keys {
			out[i] = KeyChange{Key: k, Type: changeDelete}
		}
		return out
	}
	return nil
}

// watchRecord is one index's changes, as a core node's history keeps them.
type watchRecord struct {
	Index   int
	Changes []KeyChange
}

// under is the part of r's changes under prefix (nil: none).
func (r watchRecord) under(prefix string) []KeyChange {
	n := 0
	for _, c := range r.Changes {
		if strings.HasPrefix(c.Key, prefix) {
			n++
		}
	}
	if n == 0 {
		return nil
	}
	if n == len(r.Changes) {
		return r.Changes
	}
	out := make([]KeyChange, 0, n)
	for _, c := range r.Changes {
		if strings.HasPrefix(c.Key, prefix) {
			out = append(out, c)
		}
	}
	return out
}

// changesText is changes as one short line: "DELETE /servers/ephesus".
func changesText(cs []KeyChange) string {
	var b []byte
	for i, c := range cs {
		if i > 0 {
			b = append(b, ", "...)
		}
		b = c.appendTo(b)
	}
	return string(b)
}
