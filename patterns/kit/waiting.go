package kit

import (
	"iter"
	"time"
)

// WaitingList is the book's Request Waiting List: requests sent and not yet
// answered, by correlation id, each with the local time it expires. An
// answer finds its request by id (a late or duplicate answer finds none);
// the owner arms a timer for each expiry, or calls Expired when one fires.
// Requests are kept in the order they were added, which is how a view
// lists them. A pure value: no timers of its own, no clock.
type WaitingList[K comparable, V any] struct {
	items []Waiting[K, V]
	// lent: All handed items out, so Remove must not shift them in place.
	lent bool
}

// Waiting is one request on the list.
type Waiting[K comparable, V any] struct {
	ID      K
	Value   V
	Expires time.Duration // local time
}

// Add puts a request on the list (a second one with the same id is a
// second entry: Get and Remove find the first).
func (l *WaitingList[K, V]) Add(id K, v V, expires time.Duration) {
	l.items = append(l.items, Waiting[K, V]{ID: id, Value: v, Expires: expires})
}

func (l *WaitingList[K, V]) find(id K) int {
	for i := range l.items {
		if l.items[i].ID == id {
			return i
		}
	}
	return -1
}

// Get finds the request with id.
func (l *WaitingList[K, V]) Get(id K) (v V, ok bool) {
	if i := l.find(id); i >= 0 {
		return l.items[i].Value, true
	}
	return v, false
}

// Remove takes the request with id off the list.
func (l *WaitingList[K, V]) Remove(id K) (v V, ok bool) {
	i := l.find(id)
	if i < 0 {
		return v, false
	}
	v = l.items[i].Value
	if l.lent {
		// A fresh backing array: a view or a caller may still hold the old one.
		l.items, l.lent = append(l.items[:i:i], l.items[i+1:]...), false
		return v, true
	}
	last := len(l.items) - 1
	copy(l.items[i:], l.items[i+1:])
	l.items[last] = Waiting[K, V]{} // let go of the value
	l.items = l.items[:last]
	return v, true
}

// RemoveFunc takes off the list every request drop reports true for (all
// the messages of one quorum callback, once it has completed) and says how
// many it took.
func (l *WaitingList[K, V]) RemoveFunc(drop func(Waiting[K, V]) bool) int {
	keep := l.items[:0] // in place, unless a view may hold the array
	if l.lent {
		keep = l.items[:0:0]
	}
	for _, w := range l.items {
		if !drop(w) {
			keep = append(keep, w)
		}
	}
	n := len(l.items) - len(keep)
	if n > 0 {
		if !l.lent {
			clear(l.items[len(keep):]) // let go of the values left behind
		}
		l.items, l.lent = keep, false
	}
	return n
}

// Expired takes off the list, in order, every request expired at now.
func (l *WaitingList[K, V]) Expired(now time.Duration) []Waiting[K, V] {
	var out []Waiting[K, V]
	keep := l.items[:0:0]
	for _, w := range l.items {
		if w.Expires <= now {
			out = append(out, w)
		} else {
			keep = append(keep, w)
		}
	}
	if len(out) > 0 {
		l.items = keep
	}
	return out
}

// Len is the number of requests waiting.
func (l *WaitingList[K, V]) Len() int { return len(l.items) }

// All lists the requests in the order they were added; the slice must not
// be modified. It stays as it is: later removals copy the list.
func (l *WaitingList[K, V]) All() []Waiting[K, V] {
	l.lent = true
	return l.items
}

// Each yields the requests in the order they were added, without lending
// the list (as All does): for checks that run at every step and keep
// nothing, so that the removals after them stay in place.
func (l *WaitingList[K, V]) Each() iter.Seq[Waiting[K, V]] {
	return func(yield func(Waiting[K, V]) bool) {
		for _, w := range l.items {
			if !yield(w) {
				return
			}
		}
	}
}

// Clear empties the list (a restart forgets what was waiting).
func (l *WaitingList[K, V]) Clear() { l.items = nil }
