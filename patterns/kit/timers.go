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
	switch v := any(k).(type) {
	case int:
		return t.Name + "#" + strconv.Itoa(v)
	case string:
		return t.Name + "#" + v
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
func (t TimerKey[K]) Set(env engine.Env, k K, d time.Duration) { env.SetTimer(t.For(k), d) }

// Cancel disarms the timer for k.
func (t TimerKey[K]) Cancel(env engine.Env, k K) { env.CancelTimer(t.For(k)) }
