// Package testlog gives tests a slog.Logger that writes through t.Log, so a
// server under test stays quiet in a passing run (go test shows t.Log only
// for failing tests, or with -v) and its log is printed next to a failure.
package testlog

import (
	"bytes"
	"log/slog"
	"strings"
	"sync"
	"testing"
)

// New returns a logger for the test t, at Info level. Records logged after
// the test has finished (a server's goroutine winding down) are dropped:
// t.Log would panic then.
func New(t testing.TB) *slog.Logger {
	w := &writer{t: t}
	t.Cleanup(w.close) // registered first, so it runs after the servers' cleanups
	return slog.New(slog.NewTextHandler(w, nil))
}

type writer struct {
	mu   sync.Mutex
	t    testing.TB
	done bool
}

func (w *writer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.done {
		w.t.Log(strings.TrimRight(string(bytes.TrimSpace(p)), "\n"))
	}
	return len(p), nil
}

func (w *writer) close() {
	w.mu.Lock()
	w.done = true
	w.mu.Unlock()
}
