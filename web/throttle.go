package web

import (
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// addrKey is the client address a per-address share is counted under. An
// IPv6 client usually holds a whole /64, so that is one address here.
func addrKey(ip string) string {
	p := net.ParseIP(ip)
	if p == nil || p.To4() != nil {
		return ip
	}
	return p.Mask(net.CIDRMask(64, 128)).String() + "/64"
}

// missThrottle limits how often one client address may miss: look up a join
// code that leads nowhere. A person mistypes a code a few times; a script
// that guesses codes is held to a trickle (25^6 codes, a few a minute).
type missThrottle struct {
	every time.Duration // one miss regained per every
	burst int

	mu    sync.Mutex
	addrs map[string]*missEntry
}

type missEntry struct {
	lim    *rate.Limiter
	noted  time.Time // last refusal logged: one line per address per noteEvery
	forgot time.Time // when the entry can be dropped (its bucket full again)
}

const (
	noteEvery       = 10 * time.Second
	maxThrottleAddr = 100_000 // entries kept; the oldest full ones go first
)

func newMissThrottle(every time.Duration, burst int) *missThrottle {
	return &missThrottle{every: every, burst: burst, addrs: map[string]*missEntry{}}
}

// blocked reports whether addr has no misses left, and if so whether this
// refusal should be logged, and how long until the next miss is allowed.
func (t *missThrottle) blocked(addr string, now time.Time) (blocked, note bool, retry time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	e := t.addrs[addr]
	if e == nil || e.lim.TokensAt(now) >= 1 {
		return false, false, 0
	}
	note = now.Sub(e.noted) >= noteEvery
	if note {
		e.noted = now
	}
	return true, note, time.Duration((1 - e.lim.TokensAt(now)) * float64(t.every))
}

// missed spends one of addr's misses.
func (t *missThrottle) missed(addr string, now time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	e := t.addrs[addr]
	if e == nil {
		if len(t.addrs) >= maxThrottleAddr {
			t.pruneLocked(now)
		}
		e = &missEntry{lim: rate.NewLimiter(rate.Every(t.every), t.burst)}
		t.addrs[addr] = e
	}
	e.lim.AllowN(now, 1)
	e.forgot = now.Add(time.Duration(t.burst) * t.every)
}

// pruneLocked drops the entries whose buckets are full again (they hold no
// state a new entry would not); failing that, the whole map, rather than
// grow without bound under a spread-out attack.
func (t *missThrottle) pruneLocked(now time.Time) {
	for a, e := range t.addrs {
		if now.After(e.forgot) {
			delete(t.addrs, a)
		}
	}
	if len(t.addrs) >= maxThrottleAddr {
		clear(t.addrs)
	}
}

// throttledLookup runs lookup (a room by the code typed) for a request, within
// the client's join-code throttle: a throttled client gets 429 and ok false,
// whether or not the code exists; a lookup that finds nothing spends one of
// its misses.
func (s *Server) throttledLookup(w http.ResponseWriter, r *http.Request, lookup func() bool) (found, ok bool) {
	addr := addrKey(clientIP(r))
	now := time.Now()
	if blocked, note, retry := s.codeMisses.blocked(addr, now); blocked {
		if note {
			s.refused.note(r.Context(), "join-code-throttle", addr)
		}
		w.Header().Set("Retry-After", strconv.Itoa(max(1, int(retry.Seconds()+0.5))))
		http.Error(w, "too many room codes that lead nowhere from your address: wait a minute, then check the code on the presenter's screen", http.StatusTooManyRequests)
		return false, false
	}
	if !lookup() {
		s.codeMisses.missed(addr, now)
		return false, true
	}
	return true, true
}
