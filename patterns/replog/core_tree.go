package replog

import (
	"slices"
	"strings"
	"time"
)

// The Consistent Core's replicated state machine: a tree of hierarchical
// keys (/servers/athens, /controller, /partitions/3), leases that keys may
// be attached to, and the saved answers that make a retried write a no-op.
// Every core node builds it by applying the same committed entries in the
// same order, so it knows nothing of the network or the clock: it is pure,
// and a later page adds a feature here as one more entry op (a case in
// apply, a message field, a line in coreText).

// coreKey is one key's value, the lease it is attached to (0: none) and the
// log index of its last write (its version).
type coreKey struct {
	value          string
	lease, version int
}

// coreLease is a lease: its id is the log index of the grant that opened
// it, so every core node names it alike.
type coreLease struct {
	id     int
	holder string
	ttl    time.Duration
	keys   []string // attached keys, sorted
}

// savedReply is a write's answer, kept so a retry gets the same one.
type savedReply struct {
	client string
	id     int
	reply  CoreReply
}

// savedPerClient bounds the saved answers: a data node has one request
// out at a time, a client a few.
const savedPerClient = 16

type coreTree struct {
	kv       map[string]coreKey
	keys     []string // kv's keys, sorted
	leases   map[int]*coreLease
	leaseIDs []int // sorted
	saved    []savedReply
}

func newCoreTree() *coreTree {
	return &coreTree{kv: map[string]coreKey{}, leases: map[int]*coreLease{}}
}

// apply runs the committed entry e at log index idx and returns its answer;
// dup says it was a retry of a write already applied (nothing changed).
func (t *coreTree) apply(e Entry, idx int) (r CoreReply, dup bool) {
	if e.Client != "" {
		if s, ok := t.savedFor(e.Client, e.ReqID); ok {
			return s, true
		}
	}
	r = CoreReply{ID: e.ReqID, OK: true}
	switch e.Op {
	case coreGrant:
		l := &coreLease{id: idx, holder: e.Key, ttl: ms(e.Amount)}
		t.leases[idx] = l
		i, _ := slices.BinarySearch(t.leaseIDs, idx)
		t.leaseIDs = slices.Insert(t.leaseIDs, i, idx)
		r.Lease = idx
	case coreSet, coreCAS:
		if e.Session > 0 && t.leases[e.Session] == nil {
			r.OK, r.Err = false, "no lease "+itoa(e.Session)
			break
		}
		if cur := t.kv[e.Key].value; e.Op == coreCAS && cur != e.Expected {
			r.OK, r.Value = false, cur
			break
		}
		t.put(e.Key, e.Value, e.Session, idx)
	case coreExpire:
		r.Value = strings.Join(t.expire(e.Session), ", ")
	case coreDelete:
		r.Value = t.remove(e.Key)
	default:
		return CoreReply{}, true // not the core's entry (a no-op)
	}
	if e.Client != "" {
		t.save(e.Client, e.ReqID, r)
	}
	return r, false
}

// put writes key, moving it to lease (0: detached).
func (t *coreTree) put(key, value string, lease, idx int) {
	old, had := t.kv[key]
	if had && old.lease != lease {
		t.detach(key, old.lease)
	}
	if !had {
		i, _ := slices.BinarySearch(t.keys, key)
		t.keys = slices.Insert(t.keys, i, key)
	}
	if l := t.leases[lease]; l != nil && (!had || old.lease != lease) {
		i, _ := slices.BinarySearch(l.keys, key)
		l.keys = slices.Insert(l.keys, i, key)
	}
	t.kv[key] = coreKey{value: value, lease: lease, version: idx}
}

func (t *coreTree) detach(key string, lease int) {
	if l := t.leases[lease]; l != nil {
		if i, ok := slices.BinarySearch(l.keys, key); ok {
			l.keys = slices.Delete(l.keys, i, i+1)
		}
	}
}

// expire ends lease id and deletes the keys attached to it (returned).
func (t *coreTree) expire(id int) []string {
	l := t.leases[id]
	if l == nil {
		return nil
	}
	gone := l.keys
	for _, k := range gone {
		delete(t.kv, k)
		if i, ok := slices.BinarySearch(t.keys, k); ok {
			t.keys = slices.Delete(t.keys, i, i+1)
		}
	}
	delete(t.leases, id)
	if i, ok := slices.BinarySearch(t.leaseIDs, id); ok {
		t.leaseIDs = slices.Delete(t.leaseIDs, i, i+1)
	}
	return gone
}

func (t *coreTree) savedFor(client string, id int) (CoreReply, bool) {
	for i := len(t.saved) - 1; i >= 0; i-- {
		if s := t.saved[i]; s.client == client && s.id == id {
			return s.reply, true
		}
	}
	return CoreReply{}, false
}

// save keeps r for (client, id), dropping the client's oldest saved answer
// past savedPerClient.
func (t *coreTree) save(client string, id int, r CoreReply) {
	n, oldest := 0, -1
	for i, s := range t.saved {
		if s.client == client {
			if n == 0 {
				oldest = i
			}
			n++
		}
	}
	if n >= savedPerClient {
		t.saved = slices.Delete(t.saved, oldest, oldest+1)
	}
	t.saved = append(t.saved, savedReply{client, id, r})
}

// get is a key's value and lease ("" and 0 when absent).
func (t *coreTree) get(key string) (string, int) {
	k := t.kv[key]
	return k.value, k.lease
}

// prefix lists "key=value" for every key under p, in key order.
func (t *coreTree) prefix(p string) string {
	var b strings.Builder
	i, _ := slices.BinarySearch(t.keys, p)
	for ; i < len(t.keys) && strings.HasPrefix(t.keys[i], p); i++ {
		if b.Len() > 0 {
			b.WriteString(", ")
		}
		b.WriteString(t.keys[i] + "=" + t.kv[t.keys[i]].value)
	}
	return b.String()
}

// coreText is a core entry as a log cell shows it ("" for any other).
func (e Entry) coreText() string {
	switch e.Op {
	case coreSet:
		return e.Key + "=" + e.Value
	case coreCAS:
		return "cas " + e.Key + " " + quoteEmpty(e.Expected) + "→" + e.Value
	case coreGrant:
		return "lease " + e.Key
	case coreExpire:
		return "expire lease " + itoa(e.Session)
	case coreDelete:
		return "delete " + e.Key
	}
	return ""
}
