package web

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"clusterscope/engine"
	"clusterscope/web/testlog"
)

// A panic while the outbox is full and nobody drains it (the writer has
// died) must still end the session, not hang it on the error frame.
func TestPanicWithFullOutboxDoesNotBlock(t *testing.T) {
	c := &conn{out: make(chan []byte, 1), closeC: make(chan closeReq, 1), done: make(chan struct{})}
	c.out <- []byte("waiting")
	s := &session{id: "t", pat: testPatterns()[0], log: testlog.New(t), conn: c}
	res := make(chan bool, 1)
	go func() { res <- s.protect(func() { panic("boom") }) }()
	select {
	case ok := <-res:
		if ok {
			t.Fatal("protect reported success after a panic")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("protect blocked on a full outbox")
	}
}

// A panic while answering an HTTP query may leave the Sim half-updated: the
// session ends, and the query reports the failure.
func TestPanicInQueryEndsTheSession(t *testing.T) {
	srv, ts := newTestServer(t, Limits{})
	c := dial(t, ts, "pattern=test-ping")
	sess := srv.hub.get(c.next().Session)
	if err := sess.query(context.Background(), func() { panic("half-way") }); err == nil {
		t.Fatal("a query that panicked reported no error")
	}
	select {
	case <-sess.done:
	case <-time.After(5 * time.Second):
		t.Fatal("the session carried on after a panic in a query")
	}
}

// A client at its limit is refused before its link is replayed.
func TestLimitCheckedBeforeReplay(t *testing.T) {
	pats := testPatterns()
	var builds atomic.Int32
	model := pats[0].Cluster.Build
	pats[0].Cluster.Build = func(cfg engine.Config) engine.Model {
		builds.Add(1)
		return model(cfg)
	}
	srv := New(Options{Patterns: pats, Logger: testlog.New(t), Limits: Limits{SessionsPerIP: 1}})
	t.Cleanup(srv.Close)
	sp, _, err := srv.parseParams(map[string][]string{"pattern": {"test-ping"}})
	if err != nil {
		t.Fatal(err)
	}
	sess, _, err := srv.newSession(sp, "10.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	// A tab holds it (the fake connection's outbox takes the snapshot).
	if !sess.attach(&conn{out: make(chan []byte, 4), closeC: make(chan closeReq, 1), done: make(chan struct{})}) {
		t.Fatal("the session ended")
	}
	// The session's goroutine marks itself attached just after taking the
	// connection; until then the hub may reclaim it as an abandoned tab.
	pollUntil(t, "the session attached", func() bool { return sess.detachedSince().IsZero() })
	before := builds.Load()
	if _, _, err := srv.newSession(sp, "10.0.0.1"); err == nil {
		t.Fatal("a second session from the same address was accepted")
	}
	if n := builds.Load() - before; n != 0 {
		t.Fatalf("the refused session built %d simulations first", n)
	}
}
