package kit

import (
	"strconv"
	"time"

	"clusterscope/engine"
)

// TimerKey names a family of timers that each carry a key (an operation
// id, a peer): the engine names timers with strings, and a TimerKey writes
// and reads those names so a process never parses them by hand.
//
//	var retryTimer = kit.TimerKey[int]{Name: "retry"}
//	retryTimer.Set(env, op.ID, 300*time.Millisecond) // the timer "retry#12"
//	if id, ok := retryTimer.Match(ev.Timer); ok { ... }
type TimerKey[K int | string] struct {
	Name string // the family's name, before the '#'
}

// For is the engine's name of the timer for k ("retry#12").
func (t TimerKey[K]) For(k K) string {
	var buf [64]byte
	return string(t.appendName(buf[:0], k))
}

// appendName appends the name of the timer for k to b.
func (t TimerKey[K]) appendName(b []byte, k K) []byte {
	b = append(append(b, t.Name...), '#')
	switch v := any(k).(type) {
	case int:
		return strconv.AppendInt(b, int64(v), 10)
	case string:
		return append(b, v...)
	}
	panic("unreachable")
}

// Match reports whether name is a timer of this family, and its key.
func (t TimerKey[K]) Match(name string) (k K, ok bool) {
	if len(name) <= len(t.Name) || name[:len(t.Name)] != t.Name || name[len(t.Name)] != '#' {
		return k, false
	}
	rest := name[len(t.Name)+1:]
	switch p := any(&k).(type) {
	case *int:
		n, err := strconv.Atoi(rest)
		if err != nil {
			return k, false
		}
		*p = n
	case *string:
		*p = rest
	}
	return k, true
}

// Set arms (or re-arms) the timer for k to fire after d of local time.
// The name is written on the stack: the engine makes a string of it only
// for a timer it has not armed before.
func (t TimerKey[K]) Set(env engine.Env, k K, d time.Duration) {
	var buf [64]byte
	engine.SetTimerNamed(env, t.appendName(buf[:0], k), d)
}

// Cancel disarms the timer for k (without making its name a string).
func (t TimerKey[K]) Cancel(env engine.Env, k K) {
	var buf [64]byte
	engine.CancelTimerNamed(env, t.appendName(buf[:0], k))
}
