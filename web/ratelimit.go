package web

import (
	"sync"
	"time"
)

// tokenBucket refills at rate tokens a second up to size. A message needs a
// whole token; the work it caused (steps run or replayed) is charged after
// the fact and may leave a debt that later messages wait out, so an
// expensive command costs what it cost, not one token.
type tokenBucket struct {
	rate, size, tokens float64
	last               time.Time
}

func newBucket(rate float64, size int, now time.Time) tokenBucket {
	return tokenBucket{rate: rate, size: float64(size), tokens: float64(size), last: now}
}

func (b *tokenBucket) refill(now time.Time) {
	if now.After(b.last) {
		b.tokens = min(b.size, b.tokens+now.Sub(b.last).Seconds()*b.rate)
		b.last = now
	}
}

// ready reports whether a message may go now (a whole token is there).
func (b *tokenBucket) ready(now time.Time) bool {
	b.refill(now)
	return b.tokens >= 1
}

// inDebt reports whether charged work has not been paid back yet.
func (b *tokenBucket) inDebt(now time.Time) bool {
	b.refill(now)
	return b.tokens < 0
}

// charge takes n tokens, going into debt if need be.
func (b *tokenBucket) charge(now time.Time, n float64) {
	b.refill(now)
	b.tokens -= n
}

// keyedBuckets is one bucket per client address, shared by all its sockets
// and sessions: reconnecting or opening more tabs does not refill it.
type keyedBuckets struct {
	rate float64
	size int

	mu sync.Mutex
	m  map[string]*tokenBucket
}

// maxIdleBuckets: above this many addresses, full (idle) buckets are
// forgotten; a full bucket is what a new one would be anyway.
const maxIdleBuckets = 1024

func newKeyedBuckets(rate float64, size int) *keyedBuckets {
	return &keyedBuckets{rate: rate, size: size, m: map[string]*tokenBucket{}}
}

func (k *keyedBuckets) bucketLocked(key string, now time.Time) *tokenBucket {
	b := k.m[key]
	if b == nil {
		if len(k.m) >= maxIdleBuckets {
			for key, o := range k.m {
				if o.refill(now); o.tokens >= o.size {
					delete(k.m, key)
				}
			}
		}
		nb := newBucket(k.rate, k.size, now)
		b = &nb
		k.m[key] = b
	}
	return b
}

// take spends one token of key's bucket if it has one.
func (k *keyedBuckets) take(key string, now time.Time) bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	b := k.bucketLocked(key, now)
	if !b.ready(now) {
		return false
	}
	b.charge(now, 1)
	return true
}

func (k *keyedBuckets) ready(key string, now time.Time) bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.bucketLocked(key, now).ready(now)
}

func (k *keyedBuckets) charge(key string, now time.Time, n float64) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.bucketLocked(key, now).charge(now, n)
}

// slots bound how many of one kind of expensive work (link replays,
// scenario uploads, exports) run at once across the server.
type slots chan struct{}

func newSlots(n int) slots { return make(slots, n) }

// try takes a slot if one is free now.
func (s slots) try() bool {
	select {
	case s <- struct{}{}:
		return true
	default:
		return false
	}
}

// wait takes a slot, waiting at most d for one.
func (s slots) wait(d time.Duration) bool {
	if s.try() {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case s <- struct{}{}:
		return true
	case <-t.C:
		return false
	}
}

func (s slots) release() { <-s }
