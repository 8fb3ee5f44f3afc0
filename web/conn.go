package web

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"clusterscope/engine"

	"github.com/coder/websocket"
)

// conn is one WebSocket connection of a session. Its writer goroutine drains
// a bounded outbox; its reader goroutine decodes messages for the session.
type conn struct {
	ws      *websocket.Conn
	out     chan []byte
	closeC  chan closeReq
	once    sync.Once
	done    chan struct{} // the writer has finished
	timeout time.Duration
}

type closeReq struct {
	code   websocket.StatusCode
	reason string
}

// statusTakenOver closes a connection whose session was opened by another
// tab; the page then starts its own copy instead of fighting over it.
const statusTakenOver websocket.StatusCode = 4001

func newConn(ws *websocket.Conn, l Limits) *conn {
	c := &conn{ws: ws, out: make(chan []byte, l.Outbox), closeC: make(chan closeReq, 1), done: make(chan struct{}), timeout: l.WriteTimeout}
	go c.writeLoop()
	return c
}

func (c *conn) writeLoop() {
	defer close(c.done)
	write := func(b []byte) bool {
		ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
		defer cancel()
		if err := c.ws.Write(ctx, websocket.MessageText, b); err != nil {
			c.ws.CloseNow()
			return false
		}
		return true
	}
	for {
		select {
		case b := <-c.out:
			if !write(b) {
				return
			}
		case req := <-c.closeC:
			// Frames queued before the close (an error frame) go first.
			for {
				select {
				case b := <-c.out:
					if !write(b) {
						return
					}
					continue
				default:
				}
				break
			}
			c.ws.Close(req.code, req.reason)
			return
		}
	}
}

// close asks the writer to finish with a close frame; it never blocks.
func (c *conn) close(code websocket.StatusCode, reason string) {
	c.once.Do(func() { c.closeC <- closeReq{code, truncate(reason, 120)} })
}

// fail sends an error frame and closes: used before a session exists.
func (c *conn) fail(code, msg string, status websocket.StatusCode) {
	c.out <- mustJSON(frame{Type: "error", Error: msg, Code: code})
	c.close(status, msg)
}

// inbound is one decoded client message, or why it could not be used.
type inbound struct {
	c    *conn
	msg  clientMsg
	err  error
	code string
}

// clientMsg is one browser → server message.
type clientMsg struct {
	Type     string          `json:"type"`
	Cmd      *engine.Command `json:"cmd,omitempty"`
	N        int             `json:"n,omitempty"`
	Dur      string          `json:"dur,omitempty"`
	Speed    float64         `json:"speed,omitempty"`
	Step     *int            `json:"step,omitempty"`
	Seed     *uint64         `json:"seed,omitempty"`
	Nodes    int             `json:"nodes,omitempty"`
	Variants *[]string       `json:"variants,omitempty"`
	ID       *int            `json:"id,omitempty"` // branch: which one
	// Scenarios (story.go): a scenario's name, or a scenario file's text,
	// and the choice picked to answer a question.
	Name   string `json:"name,omitempty"`
	YAML   string `json:"yaml,omitempty"`
	Choice *int   `json:"choice,omitempty"`
}

func decodeClientMsg(data []byte) (clientMsg, error) {
	var m clientMsg
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		var syn *json.SyntaxError
		if errors.As(err, &syn) {
			return m, fmt.Errorf("malformed JSON at byte %d: %v", syn.Offset, err)
		}
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return m, errors.New("malformed JSON: the message ends in the middle of a value")
		}
		return m, fmt.Errorf("cannot read message: %v", err)
	}
	if dec.More() {
		return m, errors.New("malformed JSON: more than one value in a message")
	}
	if m.Type == "" {
		return m, errors.New(`message has no "type"`)
	}
	return m, nil
}

// readLoop feeds the session until the connection ends. A message over the
// read limit makes Read fail, and the library closes the connection with
// StatusMessageTooBig; the session stays for a reconnect.
func (c *conn) readLoop(s *session, rate float64, burst int) {
	defer s.detach(c)
	bucket := tokenBucket{rate: rate, size: float64(burst), tokens: float64(burst), last: time.Now()}
	for {
		typ, data, err := c.ws.Read(context.Background())
		if err != nil {
			return
		}
		in := inbound{c: c}
		switch {
		case typ != websocket.MessageText:
			in.err = errors.New("messages must be JSON text, not binary")
		case !bucket.take(time.Now()):
			in.err, in.code = fmt.Errorf("too many messages (at most %g a second): this one was ignored", rate), "limit"
		default:
			in.msg, in.err = decodeClientMsg(data)
		}
		select {
		case s.in <- in:
		case <-s.done:
			return
		}
	}
}

// tokenBucket limits messages per second per connection.
type tokenBucket struct {
	rate, size, tokens float64
	last               time.Time
}

func (b *tokenBucket) take(now time.Time) bool {
	b.tokens += now.Sub(b.last).Seconds() * b.rate
	if b.tokens > b.size {
		b.tokens = b.size
	}
	b.last = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "")
}
