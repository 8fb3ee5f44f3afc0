package web

import (
	"strings"
	"testing"
)

// FuzzDecodeClientMsg: whatever a socket sends, decoding returns a message
// with a type or a short error, and never panics. `go test` runs the seeds;
// `make fuzz` explores.
func FuzzDecodeClientMsg(f *testing.F) {
	for _, seed := range []string{
		`{"type":"step","n":1}`,
		`{"type":"run","dur":"1m"}`,
		`{"type":"seek","step":200000}`,
		`{"type":"cmd","cmd":{"kind":"partition","groups":[["athens"],["byzantium","cyrene"]]}}`,
		`{"type":"cmd","cmd":{"kind":"action","node":"athens","name":"write","args":{"key":"x","value":"1"}}}`,
		`{"type":"scenario","yaml":"title: t\nsteps:\n  - expect: len(repeat(repeat(\"ab\", 100000), 999999)) > 0\n"}`,
		`{"type":"scenario","yaml":"say: ` + strings.Repeat("[", 2000) + `"}`,
		`{"type":"reset","seed":18446744073709551615,"nodes":-1,"variants":["a","b"]}`,
		`{"type":"cmd","cmd":{"kind":"param","name":"election-min-ms","value":-9223372036854775808}}`,
		`{"type":"seek","step":1e400}`,
		`{"type":"play","speed":-0}`,
		`{"type":"step","n":99999999999999999999}`,
		`{"type":"branch","id":null}`,
		`{}`,
		`{"type":""}`,
		`{"type":"step"}{"type":"step"}`,
		`{"type":"step",}`,
		`{"type":"step","` + strings.Repeat("x", 5000) + `":1}`,
		`{"type":"cmd","cmd":{"groups":` + strings.Repeat("[", 10000) + `}}`,
		`[` + strings.Repeat(`{"type":"step"},`, 100) + `]`,
		"{\"type\":\"\xff\xfe\"}",
		"\x00\x01\x02",
		`null`,
		`"step"`,
		``,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := decodeClientMsg(data)
		if err != nil {
			if n := len(err.Error()); n > 2*maxDecodeError+100 {
				t.Fatalf("a %d-byte error for a %d-byte message", n, len(data))
			}
			return
		}
		if m.Type == "" {
			t.Fatal("a message without a type was accepted")
		}
	})
}
