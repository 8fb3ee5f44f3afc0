package kit

import "testing"

// opTimers cuts both of an operation's timer names from one string: they
// must be exactly the names For writes, which Timer matches.
func TestOpTimersAreTheNamesForWrites(t *testing.T) {
	for _, id := range []int{0, 7, 99, 100, 12345, 1 << 40} {
		timeout, retry := opTimers(id)
		if timeout != clientTimeout.For(id) || retry != clientRetry.For(id) {
			t.Errorf("opTimers(%d) = %q, %q; For writes %q, %q", id, timeout, retry, clientTimeout.For(id), clientRetry.For(id))
		}
		if got, ok := clientRetry.Match(retry); !ok || got != id {
			t.Errorf("retry timer %q matches %d, %v", retry, got, ok)
		}
	}
}
