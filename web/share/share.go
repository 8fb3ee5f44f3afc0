// Package share turns a run into things people pass around: the compact
// command log of a share link, and a QR code of a join URL for a projector.
package share

import (
	"bytes"
	"compress/flate"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"

	"clusterscope/engine"

	qrcode "github.com/skip2/go-qrcode"
)

// MaxURL is the longest link we hand out. Browsers take longer ones, but
// chat tools, QR codes and some proxies do not; a run that does not fit is
// exported as a scenario file instead.
const MaxURL = 8000

// Limits on a log read from a link, so a crafted link cannot make the server
// inflate or replay without end.
const (
	MaxLogChars   = 48 << 10
	MaxLogEntries = 5000
	maxInflated   = 4 << 20
)

// deflated marks a compressed log. Plain logs are base64url of a JSON list,
// and "[" always encodes to "W", so the two forms cannot be confused.
const deflated = "z"

// deflaters keeps flate writers for EncodeLog: a new one allocates about
// 1 MB, and a playing session encodes its log each time a command is added.
var deflaters = sync.Pool{New: func() any {
	w, _ := flate.NewWriter(nil, flate.BestCompression)
	return w
}}

// EncodeLog writes a command log for a URL: the JSON list, raw-deflated
// when that is shorter, then base64url without padding. Logs repeat the same
// keys and kinds, so deflate usually saves 60–80%.
func EncodeLog(log []engine.LoggedCommand) string {
	if len(log) == 0 {
		return ""
	}
	js, err := json.Marshal(log)
	if err != nil {
		return ""
	}
	plain := base64.RawURLEncoding.EncodeToString(js)
	var buf bytes.Buffer
	w := deflaters.Get().(*flate.Writer)
	w.Reset(&buf)
	w.Write(js)
	w.Close()
	deflaters.Put(w)
	if z := deflated + base64.RawURLEncoding.EncodeToString(buf.Bytes()); len(z) < len(plain) {
		return z
	}
	return plain
}

// RunQuery is the pattern page's query that replays log on cfg and stops
// at step: the keys the page itself writes (static/app.js runQuery).
func RunQuery(cfg engine.Config, step int, log []engine.LoggedCommand) url.Values {
	q := url.Values{}
	q.Set("seed", strconv.FormatUint(cfg.Seed, 10))
	q.Set("nodes", strconv.Itoa(len(cfg.Nodes)))
	var on []string
	for name, v := range cfg.Variants {
		if v {
			on = append(on, name)
		}
	}
	if len(on) > 0 {
		sort.Strings(on)
		q.Set("variants", strings.Join(on, ","))
	}
	if cfg.Setup != "" {
		q.Set("setup", cfg.Setup)
	}
	q.Set("step", strconv.Itoa(step))
	if len(log) > 0 {
		q.Set("log", EncodeLog(log))
	}
	return q
}

// DecodeLog reads a log written by EncodeLog (either form) and checks that
// it is a list of commands in step order.
func DecodeLog(s string) ([]engine.LoggedCommand, error) {
	if s == "" {
		return nil, nil
	}
	if len(s) > MaxLogChars {
		return nil, fmt.Errorf("the command log in the link is too long (%d characters, at most %d)", len(s), MaxLogChars)
	}
	z := strings.HasPrefix(s, deflated)
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(s, deflated))
	if err != nil {
		return nil, errors.New("the command log in the link is not valid base64url")
	}
	if z {
		r := flate.NewReader(bytes.NewReader(b))
		b, err = io.ReadAll(io.LimitReader(r, maxInflated+1))
		if err != nil {
			return nil, errors.New("the command log in the link is damaged (it does not inflate)")
		}
		if len(b) > maxInflated {
			return nil, fmt.Errorf("the command log in the link inflates to more than %d bytes", maxInflated)
		}
	}
	var log []engine.LoggedCommand
	if err := json.Unmarshal(b, &log); err != nil {
		return nil, fmt.Errorf("the command log in the link is not a list of commands: %v", err)
	}
	if len(log) > MaxLogEntries {
		return nil, fmt.Errorf("the command log in the link has %d commands, at most %d", len(log), MaxLogEntries)
	}
	for i := 1; i < len(log); i++ {
		if log[i].Step < log[i-1].Step {
			return nil, fmt.Errorf("the command log in the link goes back in time at command %d", i+1)
		}
	}
	return log, nil
}

// QRSVG draws content as a QR code in SVG: one path of dark modules on a
// white square with the quiet zone the standard asks for. SVG stays sharp
// at any projector size and needs no image library in the browser.
func QRSVG(content string) ([]byte, error) {
	q, err := qrcode.New(content, qrcode.Medium)
	if err != nil {
		return nil, err
	}
	q.DisableBorder = true
	bits := q.Bitmap()
	const quiet = 4
	n := len(bits)
	size := n + 2*quiet
	var b bytes.Buffer
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" shape-rendering="crispEdges" role="img" aria-label="QR code">`, size, size)
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="#fff"/><path fill="#000" d="`, size, size)
	for y, row := range bits {
		for x := 0; x < len(row); {
			if !row[x] {
				x++
				continue
			}
			run := 0
			for x+run < len(row) && row[x+run] {
				run++
			}
			fmt.Fprintf(&b, "M%d %dh%dv1h-%dz", x+quiet, y+quiet, run, run)
			x += run
		}
	}
	b.WriteString(`"/></svg>`)
	return b.Bytes(), nil
}
