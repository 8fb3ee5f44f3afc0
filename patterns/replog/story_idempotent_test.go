package replog

import (
	"testing"
	"time"

	"clusterscope/engine"
)

func (st *story) increment(client, counter string) {
	st.t.Helper()
	st.do(engine.Command{Kind: engine.CmdClient, Node: client, Name: actionIncrement, Args: map[string]string{"counter": counter}})
}

// loseResponse drops the next response from node to client.
func (st *story) loseResponse(node, client string) {
	st.t.Helper()
	st.do(engine.Command{Kind: engine.CmdDropNext, From: node, To: client, MsgKind: kindResponse, Count: 1})
}

func (st *story) counter(node, name string) int { return counterValue(st.node(node).kv[name]) }

// lastOp is client's latest operation in the history.
func (st *story) lastOp(client string) engine.Operation {
	st.t.Helper()
	h := st.s.History()
	for i := len(h) - 1; i >= 0; i-- {
		if h[i].Client == client {
			return h[i]
		}
	}
	st.t.Fatalf("%s has no operation", client)
	return engine.Operation{}
}

// sessionStory: athens leads, alice has a session and has incremented c
// once (c = 1).
func sessionStory(t *testing.T, variants ...string) *story {
	st := newStory(t, IdempotentReceiver(), 3, variants...)
	st.elect("athens")
	st.increment("alice", "c")
	st.run(200 * time.Millisecond)
	if op := st.lastOp("alice"); op.Status != engine.OpOK || op.Output.(SessionOutput).Value != 1 {
		t.Fatalf("alice's first increment: %+v", op)
	}
	return st
}

// The book's story: athens runs alice's second increment (c = 2) and
// saves the response in her session; the response is lost and athens
// crashes. byzantium leads and alice retries the same request number
// there. The session table came to byzantium through the log: it answers
// 2 again and c stays 2. Without dedup, or with the saved responses only
// in athens's memory, byzantium runs it again: c = 3, alice is told 3,
// and no order of single increments explains her two answers.
func TestStoryLostResponseRetriedAtNewLeader(t *testing.T) {
	for _, v := range []string{"", VarNoDedup, VarLeaderMemoryTable} {
		t.Run("variant="+v, func(t *testing.T) {
			var vs []string
			if v != "" {
				vs = []string{v}
			}
			st := sessionStory(t, vs...)
			st.loseResponse("athens", "alice")
			st.increment("alice", "c")
			st.run(100 * time.Millisecond)
			if got := st.counter("athens", "c"); got != 2 {
				t.Fatalf("athens's c = %d after alice's second increment, want 2", got)
			}
			if st.lastOp("alice").Status != engine.OpPending {
				t.Fatal("alice was answered; the response should be lost")
			}
			st.say("the response is lost; athens crashes")
			st.do(engine.Command{Kind: engine.CmdCrash, Node: "athens"})
			st.elect("byzantium")
			st.run(7 * time.Second) // alice's next try, 6 s later, goes to byzantium
			op := st.lastOp("alice")
			if op.Status != engine.OpOK {
				t.Fatalf("alice's retry: %+v", op)
			}
			got := op.Output.(SessionOutput).Value
			st.say("alice is told %d; byzantium's c = %d", got, st.counter("byzantium", "c"))
			if v == "" {
				if got != 2 || st.counter("byzantium", "c") != 2 || st.node("byzantium").sessions.hits != 1 {
					t.Fatalf("alice told %d, byzantium's c = %d, hits %d; want 2, 2, 1", got, st.counter("byzantium", "c"), st.node("byzantium").sessions.hits)
				}
				st.mustHold()
				return
			}
			if got != 3 || st.counter("byzantium", "c") != 3 {
				t.Fatalf("alice told %d, byzantium's c = %d; want 3 and 3 (run twice)", got, st.counter("byzantium", "c"))
			}
			if vio := st.s.Violations(); len(vio) == 0 || vio[0].Invariant != InvAppliedOnce {
				t.Fatalf("first violation %+v, want %s", vio, InvAppliedOnce)
			}
			st.mustBreak(InvAppliedOnce, "byzantium", "2 times")
			if st.c.Linearizable(st.s.History()) {
				t.Fatal("porcupine should reject increments answered 1 and 3 with nothing answered 2")
			}
		})
	}
}

// With the saved responses only in athens's memory, a lost response
// retried at athens itself is still caught: the flaw shows only after a
// failover. Without dedup it is run again at once.
func TestStoryLeaderMemoryCatchesRetryBeforeFailover(t *testing.T) {
	for _, v := range []string{VarLeaderMemoryTable, VarNoDedup} {
		t.Run(v, func(t *testing.T) {
			st := sessionStory(t, v)
			// athens must stay alice's target: cut nothing, lose the reply.
			st.loseResponse("athens", "alice")
			st.increment("alice", "c")
			st.run(7 * time.Second)
			op := st.lastOp("alice")
			if op.Status != engine.OpOK {
				t.Fatalf("alice's retry: %+v", op)
			}
			got := op.Output.(SessionOutput).Value
			if v == VarLeaderMemoryTable {
				if got != 2 || st.counter("athens", "c") != 2 || st.node("athens").sessions.hits != 1 {
					t.Fatalf("alice told %d, c = %d; the leader's memory should answer 2", got, st.counter("athens", "c"))
				}
				st.mustHold()
				return
			}
			if got != 3 {
				t.Fatalf("alice told %d; without dedup the retry runs again (3)", got)
			}
			st.mustBreak(InvAppliedOnce, "athens")
		})
	}
}

// alice's response is lost and her process stalls past the session TTL.
// athens proposes the expiry; every node applies it. alice's late retry
// is refused with SessionExpired, not run again (c stays 1); her outcome
// is unknown, and she opens a new session.
func TestStorySessionExpiresAndLateRetryIsRefused(t *testing.T) {
	st := newStory(t, IdempotentReceiver(), 3)
	st.elect("athens")
	st.increment("bob", "d")
	st.loseResponse("athens", "alice")
	st.increment("alice", "c") // alice first registers, then sends it
	st.run(200 * time.Millisecond)
	old := st.s.World().Process("alice").(*SessionClient).session
	if old == 0 || st.counter("athens", "c") != 1 {
		t.Fatalf("alice's session %d, c = %d; want a session and c = 1", old, st.counter("athens", "c"))
	}
	st.do(engine.Command{Kind: engine.CmdPause, Node: "alice"})
	st.run(3 * time.Second)
	for _, id := range []string{"athens", "byzantium", "cyrene"} {
		if _, ok := st.node(id).sessions.table[old]; ok {
			t.Fatalf("%s still holds alice's session %d after 3 s without a heartbeat", id, old)
		}
	}
	for k := range st.node("athens").sessions.runs {
		if k.session == old {
			t.Fatalf("athens still remembers request #%d of the expired session %d", k.req, old)
		}
	}
	_ = st.node("athens").View() // its chips no longer name the expired session's requests
	if _, ok := st.node("athens").sessions.table[st.s.World().Process("bob").(*SessionClient).session]; !ok {
		t.Fatal("bob heartbeats: his session must live")
	}
	st.do(engine.Command{Kind: engine.CmdResume, Node: "alice"})
	st.run(5 * time.Second)
	alice := st.s.World().Process("alice").(*SessionClient)
	op := st.op("alice", 1)
	if op.Status != engine.OpUnknown || alice.expired != 1 {
		t.Fatalf("alice's late retry: %+v, expired %d; want unknown after SessionExpired", op, alice.expired)
	}
	if got := st.counter("athens", "c"); got != 1 {
		t.Fatalf("c = %d: the late retry ran again", got)
	}
	if alice.session != 0 {
		t.Fatalf("alice's session is %d; it expired, and she has asked nothing since", alice.session)
	}
	st.increment("alice", "c")
	st.run(200 * time.Millisecond)
	if alice.session == 0 || alice.session == old || st.counter("athens", "c") != 2 {
		t.Fatalf("alice's session %d (old %d), c = %d: her next increment should open a new session and run", alice.session, old, st.counter("athens", "c"))
	}
	st.mustHold()
}
