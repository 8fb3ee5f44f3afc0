package wire

import "testing"

// The trace takes a message's summary and an operation's text by
// appending them to its buffer: each appends, after what is there, the
// text the pages have always shown.
func TestTextsAppendedAsShown(t *testing.T) {
	put := Op{Kind: opPut, Key: "x", Value: `a"b`, Seq: 12}
	for _, c := range []struct {
		got  []byte
		text string
		want string
	}{
		{put.AppendString([]byte("x|")), put.String(), `#12 put x="a\"b"`},
		{Op{Kind: opGet, Key: "y"}.AppendString([]byte("x|")), Op{Kind: opGet, Key: "y"}.String(), "get y"},
		{Result{OK: true, Value: "7"}.AppendString([]byte("x|")), Result{OK: true, Value: "7"}.String(), `ok "7"`},
		{Result{OK: true}.AppendString([]byte("x|")), Result{OK: true}.String(), "ok"},
		{Result{Err: ErrInvalid}.AppendString([]byte("x|")), Result{Err: ErrInvalid}.String(), ErrInvalid},
		{Request{Op: put}.AppendSummary([]byte("x|")), Request{Op: put}.Summary(), `#12 put x="a\"b"`},
		{Response{Seq: 3, Status: RespRejected, Expected: 2}.AppendSummary([]byte("x|")), Response{Seq: 3, Status: RespRejected, Expected: 2}.Summary(), "#3 rejected, expects #2"},
		{Response{Seq: 4, Status: RespOK, Result: Result{OK: true}}.AppendSummary([]byte("x|")), Response{Seq: 4, Status: RespOK, Result: Result{OK: true}}.Summary(), "#4 ok"},
		{BatchRequest{Batch: 5, Entries: make([]Entry, 3)}.AppendSummary([]byte("x|")), BatchRequest{Batch: 5, Entries: make([]Entry, 3)}.Summary(), "batch 5 (3 requests)"},
		{BatchResponse{Batch: 6, Results: make([]Result, 2)}.AppendSummary([]byte("x|")), BatchResponse{Batch: 6, Results: make([]Result, 2)}.Summary(), "batch 6: 2 ok"},
		{BatchResponse{Batch: 7, Results: make([]Result, 1), Errors: make([]Result, 1)}.AppendSummary([]byte("x|")), BatchResponse{Batch: 7, Results: make([]Result, 1), Errors: make([]Result, 1)}.Summary(), "batch 7: 1 ok, 1 refused"},
	} {
		if string(c.got) != "x|"+c.want || c.text != c.want {
			t.Errorf("appended %q, text %q, want %q", c.got, c.text, c.want)
		}
	}
}

// A batcher's last answer reads as it always did: the request, an arrow
// and the answer ("" before any).
func TestLastAnswerText(t *testing.T) {
	if got := (lastAnswer{}).String(); got != "" {
		t.Errorf("no answer yet reads %q", got)
	}
	a := lastAnswer{op: Op{Kind: opPut, Key: "x", Value: "a1"}, result: Result{OK: true}, set: true}
	if got, want := a.String(), `put x="a1" → ok`; got != want {
		t.Errorf("last answer reads %q, want %q", got, want)
	}
}
