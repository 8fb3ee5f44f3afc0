package updatequeue

import "testing"

// The trace takes a message's summary and an operation's text by
// appending them to its buffer: each appends, after what is there, the
// text the page has always shown.
func TestTextsAppendedAsShown(t *testing.T) {
	for _, c := range []struct {
		got  []byte
		text string
		want string
	}{
		{Request{ID: 3, Op: Op{Kind: opWithdraw, Amount: 70}}.AppendSummary([]byte("x|")), Request{ID: 3, Op: Op{Kind: opWithdraw, Amount: 70}}.Summary(), "#3 withdraw 70"},
		{Request{ID: 4, Op: Op{Kind: opBalance}}.AppendSummary([]byte("x|")), Request{ID: 4, Op: Op{Kind: opBalance}}.Summary(), "#4 balance?"},
		{Reply{ID: 5, Outcome: Outcome{OK: true, Balance: 30}}.AppendSummary([]byte("x|")), Reply{ID: 5, Outcome: Outcome{OK: true, Balance: 30}}.Summary(), "#5 ok, balance 30"},
		{Reply{ID: 6, Outcome: Outcome{Reason: ReasonInsufficient, Balance: -2}}.AppendSummary([]byte("x|")), Reply{ID: 6, Outcome: Outcome{Reason: ReasonInsufficient, Balance: -2}}.Summary(), "#6 INSUFFICIENT (balance -2)"},
		{Heartbeat{Seq: 7}.AppendSummary([]byte("x|")), Heartbeat{Seq: 7}.Summary(), "beat 7"},
		{HeartbeatAck{Seq: 8}.AppendSummary([]byte("x|")), HeartbeatAck{Seq: 8}.Summary(), "ack 8"},
		{Op{Kind: opDeposit, Amount: 5}.AppendString([]byte("x|")), Op{Kind: opDeposit, Amount: 5}.String(), "deposit 5"},
		{Outcome{Reason: ReasonQueueFull}.AppendString([]byte("x|")), Outcome{Reason: ReasonQueueFull}.String(), "QUEUE_FULL (balance 0)"},
	} {
		if string(c.got) != "x|"+c.want || c.text != c.want {
			t.Errorf("appended %q, text %q, want %q", c.got, c.text, c.want)
		}
	}
}

// A client's results read as they always did: the operation, an arrow and
// the outcome or what happened instead.
func TestResultText(t *testing.T) {
	for _, c := range []struct {
		r    result
		want string
	}{
		{result{op: Op{Kind: opWithdraw, Amount: 70}, out: Outcome{OK: true, Balance: 30}}, "withdraw 70 → ok, balance 30"},
		{result{op: Op{Kind: opBalance}, why: "timed out"}, "balance? → timed out"},
		{result{op: Op{Kind: opDeposit, Amount: 5}, why: ReasonQueueFull}, "deposit 5 → QUEUE_FULL"},
	} {
		if got := c.r.String(); got != c.want {
			t.Errorf("%+v reads %q, want %q", c.r, got, c.want)
		}
	}
}
