package share

import (
	"bytes"
	"compress/flate"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"clusterscope/engine"

	qrcode "github.com/skip2/go-qrcode"
)

func sampleLog(n int) []engine.LoggedCommand {
	nodes := []string{"athens", "byzantium", "cyrene"}
	var log []engine.LoggedCommand
	for i := 0; i < n; i++ {
		c := engine.Command{Kind: engine.CmdCrash, Node: nodes[i%3]}
		if i%2 == 1 {
			c = engine.Command{Kind: engine.CmdRestart, Node: nodes[i%3]}
		}
		log = append(log, engine.LoggedCommand{Step: 10 * i, At: int64(12345 * i), Command: c})
	}
	return log
}

func TestLogRoundTripAndCompression(t *testing.T) {
	for _, n := range []int{1, 3, 40, 400} {
		log := sampleLog(n)
		s := EncodeLog(log)
		if strings.ContainsAny(s, "+/=?&#%") {
			t.Fatalf("%d commands: %q is not URL-safe as is", n, s)
		}
		got, err := DecodeLog(s)
		if err != nil || !reflect.DeepEqual(got, log) {
			t.Fatalf("%d commands: round trip gave %v, %v", n, got, err)
		}
		js, _ := json.Marshal(log)
		plain := base64.RawURLEncoding.EncodeToString(js)
		if len(s) > len(plain) {
			t.Errorf("%d commands: encoded %d chars, longer than plain %d", n, len(s), len(plain))
		}
		if n >= 40 && len(s)*3 > len(plain) {
			t.Errorf("%d commands: compressed to %d of %d chars; expected at least 3×", n, len(s), len(plain))
		}
		t.Logf("%d commands: %d chars (plain base64 JSON %d)", n, len(s), len(plain))
	}
	// Links written before compression still open.
	js, _ := json.Marshal(sampleLog(2))
	if got, err := DecodeLog(base64.RawURLEncoding.EncodeToString(js)); err != nil || len(got) != 2 {
		t.Errorf("plain log: %v, %v", got, err)
	}
}

func TestDecodeLogRefusesBadLinks(t *testing.T) {
	bomb := func() string {
		var buf bytes.Buffer
		w, _ := flate.NewWriter(&buf, flate.BestCompression)
		w.Write([]byte("["))
		w.Write(bytes.Repeat([]byte(" "), 5<<20))
		w.Write([]byte("]"))
		w.Close()
		return "z" + base64.RawURLEncoding.EncodeToString(buf.Bytes())
	}()
	backwards, _ := json.Marshal([]engine.LoggedCommand{{Step: 5}, {Step: 2}})
	cases := map[string]string{
		"!!":                               "not valid base64url",
		"zAAAA":                            "damaged",
		bomb:                               "inflates to more than",
		"W10x":                             "not a list",
		strings.Repeat("W", MaxLogChars+1): "too long",
		base64.RawURLEncoding.EncodeToString(backwards): "back in time",
	}
	for in, want := range cases {
		if _, err := DecodeLog(in); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("DecodeLog(%.20q…) = %v, want an error saying %q", in, err, want)
		}
	}
}

// The SVG draws exactly the library's modules: redraw the path into a grid
// and compare.
func TestQRSVGDrawsTheCode(t *testing.T) {
	const url = "http://192.168.1.20:8080/join/K7M3QX"
	svg, err := QRSVG(url)
	if err != nil {
		t.Fatal(err)
	}
	q, _ := qrcode.New(url, qrcode.Medium)
	q.DisableBorder = true
	want := q.Bitmap()
	n := len(want)
	got := make([][]bool, n)
	for i := range got {
		got[i] = make([]bool, n)
	}
	re := regexp.MustCompile(`M(\d+) (\d+)h(\d+)v1h-(\d+)z`)
	for _, m := range re.FindAllStringSubmatch(string(svg), -1) {
		x, _ := strconv.Atoi(m[1])
		y, _ := strconv.Atoi(m[2])
		w, _ := strconv.Atoi(m[3])
		for i := 0; i < w; i++ {
			got[y-4][x-4+i] = true
		}
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatal("the SVG's modules differ from the QR code's")
	}
	if !strings.Contains(string(svg), fmt.Sprintf(`viewBox="0 0 %d %d"`, n+8, n+8)) {
		t.Error("the SVG has no 4-module quiet zone")
	}
}

// The query names the run as the page does: variants sorted, the log as
// EncodeLog writes it, and what the page would not write left out.
func TestRunQuery(t *testing.T) {
	cfg := engine.Config{Seed: 7, Nodes: []string{"athens", "byzantium", "cyrene"}, Variants: map[string]bool{"b-flaw": true, "a-flaw": true, "off": false}}
	log := sampleLog(3)
	q := RunQuery(cfg, 42, log)
	if got := q.Get("seed") + " " + q.Get("nodes") + " " + q.Get("variants") + " " + q.Get("step"); got != "7 3 a-flaw,b-flaw 42" {
		t.Fatalf("query: %s", got)
	}
	if q.Get("log") != EncodeLog(log) || q.Has("setup") {
		t.Fatalf("log or setup: %v", q)
	}
	if q := RunQuery(engine.Config{Setup: "single-node"}, 0, nil); q.Get("setup") != "single-node" || q.Has("log") || q.Has("variants") {
		t.Fatalf("setup, no log: %v", q)
	}
}
