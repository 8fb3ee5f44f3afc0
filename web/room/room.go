// Package room lets a presenter show one run to a room of followers: a short
// join code, a live read-only fan-out of the run's frames, and a tally of the
// followers' answers to prediction questions.
//
// The package knows nothing of the simulator. The goroutine that owns the
// presenter's run (a web session) publishes each frame it renders; the room
// copies it into every follower's bounded queue without ever blocking. A
// follower whose queue is full loses what waits in it and is marked behind;
// the room then asks the run for one whole snapshot (SnapshotRequests) and
// hands it only to the followers that are behind. So a slow or stalled
// follower costs the presenter and the others nothing.
package room

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"
)

// Limits bound what rooms may cost the server.
type Limits struct {
	MaxRooms         int // live rooms across the server (50)
	FollowersPerRoom int // (1000)
	// Per client address, so that a few addresses cannot take every room
	// or fill a room and its answer tally. A class behind one NAT address
	// still fits in FollowersPerAddr.
	RoomsPerAddr     int           // rooms opened (3)
	FollowersPerAddr int           // follower connections across all rooms (40)
	IdleTimeout      time.Duration // a room without presenter activity this long ends (30 min)
	Outbox           int           // frames queued per follower before a resync (32)
	WriteTimeout     time.Duration // one frame write (10 s)
	ReadLimit        int64         // largest message a follower may send (4 KiB)
}

func (l Limits) withDefaults() Limits {
	if l.MaxRooms <= 0 {
		l.MaxRooms = 50
	}
	if l.FollowersPerRoom <= 0 {
		l.FollowersPerRoom = 1000
	}
	if l.RoomsPerAddr <= 0 {
		l.RoomsPerAddr = 3
	}
	if l.FollowersPerAddr <= 0 {
		l.FollowersPerAddr = 40
	}
	if l.IdleTimeout <= 0 {
		l.IdleTimeout = 30 * time.Minute
	}
	if l.Outbox <= 0 {
		l.Outbox = 32
	}
	if l.WriteTimeout <= 0 {
		l.WriteTimeout = 10 * time.Second
	}
	if l.ReadLimit <= 0 {
		l.ReadLimit = 4 << 10
	}
	return l
}

// Kind says who a published frame is for.
type Kind int

const (
	// Delta is what changed since the previous frame: for every follower
	// that is in step.
	Delta Kind = iota
	// Snapshot is the whole state after a jump (rewind, reset): for everyone.
	Snapshot
	// Resync is the whole state rendered because SnapshotRequests asked:
	// only the followers that fell behind get it.
	Resync
)

// LimitError is a refusal because a limit was reached, not a bad request.
type LimitError string

func (e LimitError) Error() string { return string(e) }

// AddrLimitError is a refusal because one client address reached its share.
type AddrLimitError string

func (e AddrLimitError) Error() string { return string(e) }

// Room is one presented run and the people watching it.
type Room struct {
	Code    string // the short join code, e.g. "K7M3QX"
	Pattern string // the pattern being shown
	addr    string // the client address that opened it

	reg    *Registry
	secret [sha256.Size]byte
	lim    Limits

	wantSnap chan struct{} // cap 1: the run should publish a Resync
	done     chan struct{}

	mu         sync.Mutex
	join       string // the URL followers open
	source     string // the run (session id) feeding the room; opaque here
	followers  map[*follower]struct{}
	presenters map[*presenter]struct{}
	snap       []byte // the latest whole state, nil once a delta came after it
	step       int
	lastActive time.Time
	question   *question
	qseq       int
	ended      bool
	endReason  string
	frames     int // frames published, for tests
	resyncs    int // follower resyncs, for tests and logs
}

// question is a prediction the presenter put to the room.
type question struct {
	ID       int
	Text     string
	Choices  []string
	Answer   int // the revealed answer, -1 while open
	Revealed bool
	answers  map[*follower]int
}

func (q *question) counts() []int {
	c := make([]int, len(q.Choices))
	for _, a := range q.answers {
		c[a]++
	}
	return c
}

// Authorized reports whether key is the presenter's secret.
func (r *Room) Authorized(key string) bool {
	if key == "" {
		return false
	}
	h := sha256.Sum256([]byte(key))
	return subtle.ConstantTimeCompare(h[:], r.secret[:]) == 1
}

// SetJoinURL records the URL followers open (shown to the presenter and in
// the QR code).
func (r *Room) SetJoinURL(u string) {
	r.mu.Lock()
	r.join = u
	r.mu.Unlock()
}

// JoinURL is the URL followers open.
func (r *Room) JoinURL() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.join
}

// Source is the run feeding the room.
func (r *Room) Source() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.source
}

// Bind makes source the run that feeds the room (a presenter who came back
// in a new tab replays the same run there). The followers get the new run's
// first snapshot.
func (r *Room) Bind(source string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.source = source
	r.snap = nil
	r.lastActive = time.Now()
	for f := range r.followers {
		f.needSnap = true
	}
	r.RequestSnapshot()
}

// SnapshotRequests signals when followers are waiting for a whole state;
// the run answers with Publish(Resync, ...).
func (r *Room) SnapshotRequests() <-chan struct{} { return r.wantSnap }

// Done is closed when the room ends.
func (r *Room) Done() <-chan struct{} { return r.done }

// Publish hands one frame of the run to the followers. It never blocks: a
// follower whose queue is full is marked behind and resynced later. data must
// not carry anything that lets a follower drive the run (the session id).
func (r *Room) Publish(kind Kind, step int, data []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ended {
		return
	}
	r.frames++
	r.step = step
	r.lastActive = time.Now()
	if kind == Delta {
		r.snap = nil
	} else {
		r.snap = data
	}
	behind := false
	for f := range r.followers {
		if f.needSnap {
			if kind == Delta {
				behind = true
				continue
			}
			f.needSnap = false
		} else if kind == Resync {
			continue
		}
		if !f.push(data, kind != Delta) {
			f.needSnap = true
			f.resyncs++
			r.resyncs++
			behind = true
		}
	}
	if behind {
		r.RequestSnapshot()
	}
}

// RequestSnapshot asks the run for a Resync again (a run that is no longer
// the room's source passes on a request it took).
func (r *Room) RequestSnapshot() {
	select {
	case r.wantSnap <- struct{}{}:
	default:
	}
}

// Touch records presenter activity that publishes nothing.
func (r *Room) Touch() {
	r.mu.Lock()
	r.lastActive = time.Now()
	r.mu.Unlock()
}

// Stats are counters for tests, logs and the presenter's panel.
type Stats struct {
	Followers int
	Frames    int
	Resyncs   int
	Step      int
}

// Stats reads the room's counters.
func (r *Room) Stats() Stats {
	r.mu.Lock()
	defer r.mu.Unlock()
	return Stats{Followers: len(r.followers), Frames: r.frames, Resyncs: r.resyncs, Step: r.step}
}

// End closes the room: every follower and presenter is told why and
// disconnected. Ending twice does nothing.
func (r *Room) End(reason string) {
	r.mu.Lock()
	if r.ended {
		r.mu.Unlock()
		return
	}
	r.ended = true
	r.endReason = reason
	fs := make([]*follower, 0, len(r.followers))
	for f := range r.followers {
		fs = append(fs, f)
	}
	ps := make([]*presenter, 0, len(r.presenters))
	for p := range r.presenters {
		ps = append(ps, p)
	}
	r.mu.Unlock()
	close(r.done)
	for _, f := range fs {
		f.end()
	}
	for _, p := range ps {
		p.end()
	}
	r.reg.remove(r)
	r.reg.log.Info("room ended", "room", r.Code, "pattern", r.Pattern, "reason", reason)
}

// ---- the question and answer protocol ----

// Limits on a prediction question, so a presenter's page cannot flood the
// followers.
const (
	maxQuestionLen = 500
	maxChoiceLen   = 200
	maxChoices     = 8
)

func (r *Room) ask(text string, choices []string) error {
	text = strings.TrimSpace(text)
	if text == "" || len(text) > maxQuestionLen {
		return fmt.Errorf("predict: the question must be 1..%d characters", maxQuestionLen)
	}
	if len(choices) < 2 || len(choices) > maxChoices {
		return fmt.Errorf("predict: give 2..%d choices, not %d", maxChoices, len(choices))
	}
	clean := make([]string, len(choices))
	for i, c := range choices {
		c = strings.TrimSpace(c)
		if c == "" || len(c) > maxChoiceLen {
			return fmt.Errorf("predict: choice %d must be 1..%d characters", i+1, maxChoiceLen)
		}
		clean[i] = c
	}
	r.mu.Lock()
	r.qseq++
	r.question = &question{ID: r.qseq, Text: text, Choices: clean, Answer: -1, answers: map[*follower]int{}}
	r.lastActive = time.Now()
	r.mu.Unlock()
	r.notifyAll()
	return nil
}

func (r *Room) reveal(answer *int) error {
	r.mu.Lock()
	q := r.question
	if q == nil {
		r.mu.Unlock()
		return errors.New("reveal: no question is open")
	}
	a := -1
	if answer != nil {
		a = *answer
		if a < 0 || a >= len(q.Choices) {
			r.mu.Unlock()
			return fmt.Errorf("reveal: answer must be 0..%d, not %d", len(q.Choices)-1, a)
		}
	}
	q.Answer, q.Revealed = a, true
	r.lastActive = time.Now()
	r.mu.Unlock()
	r.notifyAll()
	return nil
}

func (r *Room) clearQuestion() {
	r.mu.Lock()
	r.question = nil
	r.lastActive = time.Now()
	r.mu.Unlock()
	r.notifyAll()
}

func (r *Room) answer(f *follower, id int, choice int) error {
	r.mu.Lock()
	q := r.question
	switch {
	case q == nil || (id != 0 && id != q.ID):
		r.mu.Unlock()
		return errors.New("answer: that question is no longer open")
	case q.Revealed:
		r.mu.Unlock()
		return errors.New("answer: the answer has been revealed already")
	case choice < 0 || choice >= len(q.Choices):
		r.mu.Unlock()
		return fmt.Errorf("answer: choice must be 0..%d, not %d", len(q.Choices)-1, choice)
	}
	q.answers[f] = choice
	ps := r.presentersLocked()
	r.mu.Unlock()
	f.notify()
	for _, p := range ps {
		p.notify()
	}
	return nil
}

func (r *Room) presentersLocked() []*presenter {
	ps := make([]*presenter, 0, len(r.presenters))
	for p := range r.presenters {
		ps = append(ps, p)
	}
	return ps
}

func (r *Room) notifyAll() {
	r.mu.Lock()
	fs := make([]*follower, 0, len(r.followers))
	for f := range r.followers {
		fs = append(fs, f)
	}
	ps := r.presentersLocked()
	r.mu.Unlock()
	for _, f := range fs {
		f.notify()
	}
	for _, p := range ps {
		p.notify()
	}
}

// wireQuestion is a question as a follower or the presenter sees it.
type wireQuestion struct {
	ID      int      `json:"id"`
	Text    string   `json:"text"`
	Choices []string `json:"choices"`
	// Answer is the revealed answer (-1: revealed without one); absent
	// while the question is open.
	Answer *int `json:"answer,omitempty"`
	// Counts: the tally, always for the presenter, after the reveal for
	// followers (so nobody follows the crowd).
	Counts   []int `json:"counts,omitempty"`
	Answered int   `json:"answered"`
	// Mine is the follower's own answer.
	Mine *int `json:"mine,omitempty"`
}

// roomFrame is the room's own state, sent beside the run's frames.
type roomFrame struct {
	Type      string        `json:"type"` // "room"
	Code      string        `json:"code"`
	Pattern   string        `json:"patternId"`
	Role      string        `json:"role"` // "presenter" or "follower"
	Followers int           `json:"followers"`
	Presenter bool          `json:"presenter"` // a presenter is connected
	Question  *wireQuestion `json:"question,omitempty"`
	Source    string        `json:"source,omitempty"` // the presenter's own run (presenters only)
	Join      string        `json:"join,omitempty"`   // the join URL (presenters only)
	Step      int           `json:"step"`
}

func (r *Room) frameFor(f *follower, p *presenter) []byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	rf := roomFrame{Type: "room", Code: r.Code, Pattern: r.Pattern, Followers: len(r.followers), Presenter: len(r.presenters) > 0, Step: r.step}
	if p != nil {
		rf.Role = "presenter"
		rf.Source = r.source
		rf.Join = r.join
	} else {
		rf.Role = "follower"
	}
	if q := r.question; q != nil {
		wq := &wireQuestion{ID: q.ID, Text: q.Text, Choices: q.Choices, Answered: len(q.answers)}
		if q.Revealed {
			a := q.Answer
			wq.Answer = &a
		}
		if p != nil || q.Revealed {
			wq.Counts = q.counts()
		}
		if f != nil {
			if a, ok := q.answers[f]; ok {
				wq.Mine = &a
			}
		}
		rf.Question = wq
	}
	b, _ := json.Marshal(rf)
	return b
}

// errorFrame is the shape of the session protocol's error frames.
func errorFrame(code, msg string) []byte {
	b, _ := json.Marshal(struct {
		Type  string `json:"type"`
		Code  string `json:"code"`
		Error string `json:"error"`
	}{"error", code, msg})
	return b
}

func endedFrame(reason string) []byte {
	b, _ := json.Marshal(struct {
		Type   string `json:"type"`
		Reason string `json:"reason"`
	}{"ended", reason})
	return b
}

// ---- the registry ----

// Registry holds the live rooms of a server.
type Registry struct {
	lim Limits
	log *slog.Logger

	mu     sync.Mutex
	rooms  map[string]*Room
	closed bool
	quit   chan struct{}
	wg     sync.WaitGroup

	// Followers by client address, across rooms. A lock of its own: it is
	// taken while a room's lock is held.
	addrMu    sync.Mutex
	followers map[string]int
}

// NewRegistry starts a registry and its janitor, which ends idle rooms.
func NewRegistry(l Limits, log *slog.Logger) *Registry {
	if log == nil {
		log = slog.Default()
	}
	reg := &Registry{lim: l.withDefaults(), log: log, rooms: map[string]*Room{}, quit: make(chan struct{}), followers: map[string]int{}}
	reg.wg.Add(1)
	go reg.janitor()
	return reg
}

// Open starts a room for a run of pattern fed by source, opened from the
// client address addr, and returns it with the presenter's secret (shown
// once; only its hash is kept).
func (reg *Registry) Open(pattern, source, addr string) (*Room, string, error) {
	secret := randomSecret()
	r := &Room{
		Pattern: pattern, addr: addr, reg: reg, secret: sha256.Sum256([]byte(secret)), lim: reg.lim,
		wantSnap: make(chan struct{}, 1), done: make(chan struct{}),
		source: source, followers: map[*follower]struct{}{}, presenters: map[*presenter]struct{}{},
		lastActive: time.Now(),
	}
	reg.mu.Lock()
	defer reg.mu.Unlock()
	if reg.closed {
		return nil, "", errors.New("the server is shutting down")
	}
	if len(reg.rooms) >= reg.lim.MaxRooms {
		return nil, "", LimitError(fmt.Sprintf("the server has as many rooms open as it may (%d); try again when one ends", reg.lim.MaxRooms))
	}
	mine := 0
	for _, o := range reg.rooms {
		if o.addr == addr {
			mine++
		}
	}
	if mine >= reg.lim.RoomsPerAddr {
		return nil, "", AddrLimitError(fmt.Sprintf("your address has %d rooms open, the most it may; end one first", mine))
	}
	for {
		r.Code = newCode()
		if _, taken := reg.rooms[r.Code]; !taken {
			break
		}
	}
	reg.rooms[r.Code] = r
	reg.log.Info("room opened", "room", r.Code, "pattern", pattern)
	return r, secret, nil
}

// Get finds a live room by its join code, as a person typed it.
func (reg *Registry) Get(code string) *Room {
	c, ok := NormalizeCode(code)
	if !ok {
		return nil
	}
	reg.mu.Lock()
	defer reg.mu.Unlock()
	return reg.rooms[c]
}

// BySource finds the live room fed by source.
func (reg *Registry) BySource(source string) *Room {
	reg.mu.Lock()
	rooms := make([]*Room, 0, len(reg.rooms))
	for _, r := range reg.rooms {
		rooms = append(rooms, r)
	}
	reg.mu.Unlock()
	for _, r := range rooms {
		if r.Source() == source {
			return r
		}
	}
	return nil
}

// RegistryStats are the registry's counts (the admin listener's /counts).
type RegistryStats struct {
	Rooms     int `json:"rooms"`
	Followers int `json:"followers"`
}

// Stats counts the live rooms and their followers.
func (reg *Registry) Stats() RegistryStats {
	reg.mu.Lock()
	n := len(reg.rooms)
	reg.mu.Unlock()
	reg.addrMu.Lock()
	defer reg.addrMu.Unlock()
	f := 0
	for _, c := range reg.followers {
		f += c
	}
	return RegistryStats{Rooms: n, Followers: f}
}

// takeFollowerSlot counts one more follower from addr, unless addr has its
// share already.
func (reg *Registry) takeFollowerSlot(addr string) bool {
	reg.addrMu.Lock()
	defer reg.addrMu.Unlock()
	if reg.followers[addr] >= reg.lim.FollowersPerAddr {
		return false
	}
	reg.followers[addr]++
	return true
}

func (reg *Registry) freeFollowerSlot(addr string) {
	reg.addrMu.Lock()
	defer reg.addrMu.Unlock()
	if reg.followers[addr]--; reg.followers[addr] <= 0 {
		delete(reg.followers, addr)
	}
}

func (reg *Registry) remove(r *Room) {
	reg.mu.Lock()
	defer reg.mu.Unlock()
	if reg.rooms[r.Code] == r {
		delete(reg.rooms, r.Code)
	}
}

// Close ends every room (the server is shutting down).
func (reg *Registry) Close() {
	reg.mu.Lock()
	if reg.closed {
		reg.mu.Unlock()
		return
	}
	reg.closed = true
	close(reg.quit)
	rooms := make([]*Room, 0, len(reg.rooms))
	for _, r := range reg.rooms {
		rooms = append(rooms, r)
	}
	reg.mu.Unlock()
	for _, r := range rooms {
		r.End("the server is shutting down")
	}
	reg.wg.Wait()
}

func (reg *Registry) janitor() {
	defer reg.wg.Done()
	every := min(reg.lim.IdleTimeout/4, 15*time.Second)
	t := time.NewTicker(max(every, 10*time.Millisecond))
	defer t.Stop()
	for {
		select {
		case <-reg.quit:
			return
		case now := <-t.C:
			reg.mu.Lock()
			var idle []*Room
			for _, r := range reg.rooms {
				r.mu.Lock()
				if now.Sub(r.lastActive) > reg.lim.IdleTimeout {
					idle = append(idle, r)
				}
				r.mu.Unlock()
			}
			reg.mu.Unlock()
			for _, r := range idle {
				r.End(fmt.Sprintf("the room was idle for %v", reg.lim.IdleTimeout.Round(time.Second)))
			}
		}
	}
}

// ---- codes and secrets ----

// codeAlphabet has no letters or digits that read alike on a projector
// (0/O, 1/I/L, 5/S, 2/Z, 8/B).
const codeAlphabet = "34679ACDEFGHJKMNPQRTUVWXY"

// CodeLen is the length of a join code: 25^6 ≈ 244 million codes. A code
// only lets someone watch, so it needs to be short more than secret.
const CodeLen = 6

func newCode() string {
	b := make([]byte, CodeLen)
	rand.Read(b)
	for i := range b {
		// 256 is not a multiple of 25; the small bias does not matter
		// for a code that grants nothing but watching.
		b[i] = codeAlphabet[int(b[i])%len(codeAlphabet)]
	}
	return string(b)
}

// NormalizeCode turns what a person typed ("k7m-3qx ") into a code, and
// reports whether it can be one.
func NormalizeCode(s string) (string, bool) {
	var b strings.Builder
	for _, c := range strings.ToUpper(s) {
		switch {
		case c == ' ' || c == '-' || c == '\t':
			continue
		case strings.ContainsRune(codeAlphabet, c):
			b.WriteRune(c)
		default:
			return "", false
		}
	}
	if b.Len() != CodeLen {
		return "", false
	}
	return b.String(), true
}

// FormatCode shows a code in two halves for reading aloud: "K7M-3QX".
func FormatCode(code string) string {
	if len(code) != CodeLen {
		return code
	}
	return code[:3] + "-" + code[3:]
}

func randomSecret() string {
	var b [32]byte
	rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}
