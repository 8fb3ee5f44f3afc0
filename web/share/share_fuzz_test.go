package share

import (
	"bytes"
	"compress/flate"
	"encoding/base64"
	"strings"
	"testing"
)

func deflateSeed(b []byte) string {
	var buf bytes.Buffer
	w, _ := flate.NewWriter(&buf, flate.BestCompression)
	w.Write(b)
	w.Close()
	return deflated + base64.RawURLEncoding.EncodeToString(buf.Bytes())
}

func plainSeed(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

// FuzzDecodeLog: whatever a link carries, DecodeLog returns a bounded log
// in step order or an error, never panics, and what it accepts encodes to a
// link that decodes to the same log. `go test` runs the seeds; `make fuzz`
// explores.
func FuzzDecodeLog(f *testing.F) {
	for _, seed := range []string{
		"",
		EncodeLog(sampleLog(3)),
		EncodeLog(sampleLog(400)),
		deflateSeed(bytes.Repeat([]byte{' '}, 16<<20)),                                                           // a decompression bomb
		deflateSeed([]byte("[" + strings.Repeat(`{"step":1,"at":1,"kind":"heal"},`, 6000) + `{"kind":"heal"}]`)), // too many commands
		plainSeed(`[{"step":5,"at":1,"kind":"crash","node":"athens"},{"step":1,"at":1,"kind":"heal"}]`),          // back in time
		plainSeed(`[{"step":-1,"at":-9223372036854775808,"kind":"crash"}]`),
		plainSeed(`[{"step":1e400}]`),
		plainSeed(strings.Repeat("[", 100000)),
		plainSeed(`{"step":1}`),
		plainSeed(`[{"kind":"partition","groups":[[],[""]],"args":{},"net":{}}]`),
		plainSeed(`[{"kind":"skew","dur":"-9223372036854775808ns"}]`),
		"z",
		"z!!!!",
		"zAAAA",
		"!!!!",
		"W",
		strings.Repeat("A", MaxLogChars+1),
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		log, err := DecodeLog(s)
		if err != nil {
			return
		}
		if len(log) > MaxLogEntries {
			t.Fatalf("%d commands accepted", len(log))
		}
		for i := 1; i < len(log); i++ {
			if log[i].Step < log[i-1].Step {
				t.Fatalf("command %d goes back in time", i+1)
			}
		}
		// Our own encoding of what was accepted is read back the same.
		enc := EncodeLog(log)
		if len(enc) > MaxLogChars {
			return // a link we would not hand out anyway
		}
		again, err := DecodeLog(enc)
		if err != nil {
			t.Fatalf("our own encoding was refused: %v", err)
		}
		if EncodeLog(again) != enc {
			t.Fatal("decoding our own encoding changed the log")
		}
	})
}
