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
	"sync/atomic"
	"time"

	"clusterscope/engine"

	"github.com/coder/websocket"
)

// conn is one WebSocket connection of a session. Its writer goroutine drains
// a bounded outbox and pings the client; its reader goroutine decodes
// messages for the session. When the reader ends (the client left), the
// writer ends too.
type conn struct {
	ws       *websocket.Conn
	out      chan []byte
	closeC   chan closeReq
	once     sync.Once
	stopC    chan struct{} // closed when the reader has ended
	stopOnce sync.Once
	gone     atomic.Bool   // the client has left: work done for it can stop
	done     chan struct{} // the writer has finished
	timeout  time.Duration
	ping     time.Duration
}

type closeReq struct {
	code   websocket.StatusCode
	reason string
}

// statusTakenOver closes a connection whose session was opened by another
// tab; the page then starts its own copy instead of fighting over it.
const statusTakenOver websocket.StatusCode = 4001

func newConn(ws *websocket.Conn, l Limits) *conn {
	c := &conn{ws: ws, out: make(chan []byte, l.Outbox), closeC: make(chan closeReq, 1), stopC: make(chan struct{}),
		done: make(chan struct{}), timeout: l.WriteTimeout, ping: l.PingInterval}
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
	// Pings find clients that vanished without closing (a laptop lid, a
	// dropped Wi-Fi): their session is detached and its slot freed, instead
	// of waiting for TCP to give up.
	var pings <-chan time.Time
	if c.ping > 0 {
		t := time.NewTicker(c.ping)
		defer t.Stop()
		pings = t.C
	}
	for {
		select {
		case b := <-c.out:
			if !write(b) {
				return
			}
		case <-pings:
			ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
			err := c.ws.Ping(ctx)
			cancel()
			if err != nil {
				c.ws.CloseNow()
				return
			}
		case <-c.stopC:
			c.ws.CloseNow()
			return
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

// stop is called when the reader ends: the client is gone, so the writer
// ends too (before, every closed tab left its writer waiting forever).
func (c *conn) stop() {
	c.gone.Store(true)
	c.stopOnce.Do(func() { close(c.stopC) })
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
	// Pace: scenario-next plays its part at the page's speed (Speed), not at once.
	Pace bool `json:"pace,omitempty"`
}

// maxDecodeError bounds the part of a decoding error that may quote input.
const maxDecodeError = 200

func decodeClientMsg(data []byte) (clientMsg, error) {
	var m clientMsg
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		var syn *json.SyntaxError
		if errors.As(err, &syn) {
			return m, fmt.Errorf("malformed JSON at byte %d: %s", syn.Offset, truncate(err.Error(), maxDecodeError))
		}
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return m, errors.New("malformed JSON: the message ends in the middle of a value")
		}
		// The decoder may quote the input (an unknown field's name): keep
		// what goes back to the client short.
		return m, fmt.Errorf("cannot read message: %s", truncate(err.Error(), maxDecodeError))
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
// StatusMessageTooBig; the session stays for a reconnect. Messages are
// rate-limited per session and per address (session.admitMessage), so
// reconnecting or opening more sockets buys no more.
func (c *conn) readLoop(s *session) {
	defer func() {
		c.stop()
		s.detach(c)
	}()
	for {
		typ, data, err := c.ws.Read(context.Background())
		if err != nil {
			return
		}
		in := inbound{c: c}
		switch {
		case typ != websocket.MessageText:
			in.err = errors.New("messages must be JSON text, not binary")
		default:
			if in.err = s.admitMessage(time.Now()); in.err != nil {
				in.code = "limit"
			} else {
				in.msg, in.err = decodeClientMsg(data)
			}
		}
		select {
		case s.in <- in:
		case <-s.done:
			return
		}
	}
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "")
}
