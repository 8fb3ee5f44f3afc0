package room

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/coder/websocket"
)

// A follower is one watcher's connection. The room's Publish fills out; the
// writer goroutine drains it. note asks the writer to send the room's state
// (question, reveal), rendered when it is written, so those never pile up.
type follower struct {
	room *Room
	ws   *websocket.Conn
	out  chan []byte
	note chan struct{}
	quit chan string
	once sync.Once

	// Guarded by room.mu.
	needSnap bool
	resyncs  int
}

// push queues a frame without blocking. A full queue is emptied: whole (a
// snapshot) then replaces what was dropped; a delta cannot, and push reports
// false so the room resyncs the follower.
func (f *follower) push(data []byte, whole bool) bool {
	select {
	case f.out <- data:
		return true
	default:
	}
	for drained := false; !drained; {
		select {
		case <-f.out:
		default:
			drained = true
		}
	}
	if !whole {
		return false
	}
	select {
	case f.out <- data:
		return true
	default:
		return false
	}
}

func (f *follower) notify() {
	select {
	case f.note <- struct{}{}:
	default:
	}
}

func (f *follower) end() {
	f.once.Do(func() { f.quit <- f.room.endReasonOr("the room has ended") })
}

func (r *Room) endReasonOr(def string) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.endReason != "" {
		return r.endReason
	}
	return def
}

// ServeFollower runs one follower's connection, from client address addr,
// until it ends: the follower gets the run's frames and the room's state; of
// its messages only answers count (one per follower), and every other
// message is refused with an error frame. A refusal because of a limit is
// returned (nil otherwise), after the follower was told.
func (r *Room) ServeFollower(ws *websocket.Conn, addr string) error {
	ws.SetReadLimit(r.lim.ReadLimit)
	f := &follower{room: r, ws: ws, out: make(chan []byte, r.lim.Outbox), note: make(chan struct{}, 1), quit: make(chan string, 1)}
	refuse := func(err error) error {
		closeWith(ws, errorFrame("limit", err.Error()), websocket.StatusTryAgainLater, err.Error(), r.lim.WriteTimeout)
		return err
	}
	r.mu.Lock()
	switch {
	case r.ended:
		reason := r.endReason
		r.mu.Unlock()
		closeWith(ws, endedFrame(reason), websocket.StatusGoingAway, reason, r.lim.WriteTimeout)
		return nil
	case len(r.followers) >= r.lim.FollowersPerRoom:
		r.mu.Unlock()
		return refuse(LimitError(fmt.Sprintf("this room is full (%d followers)", r.lim.FollowersPerRoom)))
	case !r.reg.takeFollowerSlot(addr):
		r.mu.Unlock()
		return refuse(AddrLimitError(fmt.Sprintf("too many followers from your address (at most %d across rooms): close a tab first", r.lim.FollowersPerAddr)))
	}
	defer r.reg.freeFollowerSlot(addr)
	r.followers[f] = struct{}{}
	if r.snap != nil {
		f.out <- r.snap
	} else {
		f.needSnap = true
		r.RequestSnapshot()
	}
	ps := r.presentersLocked()
	r.mu.Unlock()
	f.notify()
	for _, p := range ps {
		p.notify()
	}

	done := make(chan struct{})
	go func() {
		defer close(done)
		f.writeLoop()
	}()
	f.readLoop()
	r.leave(f)
	f.end()
	<-done
	return nil
}

func (r *Room) leave(f *follower) {
	r.mu.Lock()
	delete(r.followers, f)
	if q := r.question; q != nil {
		delete(q.answers, f)
	}
	ps := r.presentersLocked()
	r.mu.Unlock()
	for _, p := range ps {
		p.notify()
	}
}

func (f *follower) writeLoop() {
	r := f.room
	for {
		select {
		case b := <-f.out:
			if !write(f.ws, b, r.lim.WriteTimeout) {
				return
			}
		case <-f.note:
			if !write(f.ws, r.frameFor(f, nil), r.lim.WriteTimeout) {
				return
			}
		case reason := <-f.quit:
			closeWith(f.ws, endedFrame(reason), websocket.StatusGoingAway, reason, r.lim.WriteTimeout)
			return
		}
	}
}

// followerMsg is the one message a follower may send that does something.
type followerMsg struct {
	Type   string `json:"type"`
	ID     int    `json:"id"`
	Choice *int   `json:"choice"`
}

func (f *follower) readLoop() {
	bucket := newBucket(5, 10)
	for {
		typ, data, err := f.ws.Read(context.Background())
		if err != nil {
			return
		}
		if !bucket.take(time.Now()) {
			f.refuse("limit", "too many messages: this one was ignored")
			continue
		}
		var m followerMsg
		if typ != websocket.MessageText || json.Unmarshal(data, &m) != nil {
			f.refuse("bad-message", "messages must be JSON objects with a \"type\"")
			continue
		}
		if m.Type != "answer" {
			f.refuse("read-only", fmt.Sprintf("%s refused: this is the presenter's run and only the presenter drives it; take a copy to explore on your own", quote(m.Type)))
			continue
		}
		if m.Choice == nil {
			f.refuse("bad-message", `answer: which choice? ("choice" is missing)`)
			continue
		}
		if err := f.room.answer(f, m.ID, *m.Choice); err != nil {
			f.refuse("bad-message", err.Error())
		}
	}
}

// refuse queues an error frame; a follower too far behind to take it loses it.
func (f *follower) refuse(code, msg string) {
	select {
	case f.out <- errorFrame(code, msg):
	default:
	}
}

// A presenter is one connection of the presenter's control channel: it gets
// the room's state with the live tally and puts questions to the room. (The
// run itself is driven through the presenter's own session.)
type presenter struct {
	room *Room
	ws   *websocket.Conn
	note chan struct{}
	errs chan []byte
	quit chan string
	once sync.Once
}

func (p *presenter) notify() {
	select {
	case p.note <- struct{}{}:
	default:
	}
}

func (p *presenter) end() {
	p.once.Do(func() { p.quit <- p.room.endReasonOr("the room has ended") })
}

// ServePresenter runs one presenter control connection. The caller has
// checked the secret with Authorized.
func (r *Room) ServePresenter(ws *websocket.Conn) {
	ws.SetReadLimit(64 << 10)
	p := &presenter{room: r, ws: ws, note: make(chan struct{}, 1), errs: make(chan []byte, 4), quit: make(chan string, 1)}
	r.mu.Lock()
	if r.ended {
		reason := r.endReason
		r.mu.Unlock()
		closeWith(ws, endedFrame(reason), websocket.StatusGoingAway, reason, r.lim.WriteTimeout)
		return
	}
	r.presenters[p] = struct{}{}
	r.lastActive = time.Now()
	r.mu.Unlock()
	r.notifyAll() // followers see the presenter is back

	done := make(chan struct{})
	go func() {
		defer close(done)
		p.writeLoop()
	}()
	p.readLoop()
	r.mu.Lock()
	delete(r.presenters, p)
	r.mu.Unlock()
	r.notifyAll()
	p.end()
	<-done
}

func (p *presenter) writeLoop() {
	r := p.room
	for {
		select {
		case <-p.note:
			if !write(p.ws, r.frameFor(nil, p), r.lim.WriteTimeout) {
				return
			}
		case b := <-p.errs:
			if !write(p.ws, b, r.lim.WriteTimeout) {
				return
			}
		case reason := <-p.quit:
			closeWith(p.ws, endedFrame(reason), websocket.StatusGoingAway, reason, r.lim.WriteTimeout)
			return
		}
	}
}

type presenterMsg struct {
	Type     string   `json:"type"`
	Question string   `json:"question,omitempty"`
	Choices  []string `json:"choices,omitempty"`
	Answer   *int     `json:"answer,omitempty"`
}

func (p *presenter) readLoop() {
	for {
		typ, data, err := p.ws.Read(context.Background())
		if err != nil {
			return
		}
		var m presenterMsg
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.DisallowUnknownFields()
		if typ != websocket.MessageText || dec.Decode(&m) != nil {
			p.refuse("bad-message", "messages must be JSON objects: predict, reveal, clear or end")
			continue
		}
		p.room.Touch()
		switch m.Type {
		case "predict":
			err = p.room.ask(m.Question, m.Choices)
		case "reveal":
			err = p.room.reveal(m.Answer)
		case "clear":
			p.room.clearQuestion()
		case "end":
			p.room.End("the presenter ended the room")
			return
		case "hello":
			p.notify()
		default:
			err = fmt.Errorf("unknown message type %s (expected predict, reveal, clear or end; the run is driven through the session)", quote(m.Type))
		}
		if err != nil {
			p.refuse("bad-message", err.Error())
		}
	}
}

func (p *presenter) refuse(code, msg string) {
	select {
	case p.errs <- errorFrame(code, msg):
	default:
	}
}

// ---- small helpers ----

func write(ws *websocket.Conn, b []byte, timeout time.Duration) bool {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	if err := ws.Write(ctx, websocket.MessageText, b); err != nil {
		ws.CloseNow()
		return false
	}
	return true
}

// closeWith sends a last frame and closes. Close waits for the peer's
// close frame for a while; never let a silent peer hold a goroutine.
func closeWith(ws *websocket.Conn, last []byte, code websocket.StatusCode, reason string, timeout time.Duration) {
	if write(ws, last, timeout) {
		if len(reason) > 120 {
			reason = reason[:120]
		}
		done := make(chan struct{})
		go func() {
			ws.Close(code, reason)
			close(done)
		}()
		select {
		case <-done:
		case <-time.After(2 * time.Second):
			ws.CloseNow()
		}
	}
}

// bucket is a token bucket limiting messages per second.
type bucket struct {
	rate, size, tokens float64
	last               time.Time
}

func newBucket(rate, size float64) *bucket {
	return &bucket{rate: rate, size: size, tokens: size, last: time.Now()}
}

func (b *bucket) take(now time.Time) bool {
	b.tokens = min(b.size, b.tokens+now.Sub(b.last).Seconds()*b.rate)
	b.last = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

func quote(s string) string {
	if len(s) > 40 {
		s = s[:40] + "…"
	}
	return "“" + s + "”"
}
