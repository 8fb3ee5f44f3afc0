package engine

// The happens-before oracle. A model that asks for it (Model.Causal) gets
// the run's true causal order, kept by the engine as hidden vector clocks
// that no process can read: a clock pattern (Lamport, hybrid) is checked
// against it, so a broken clock cannot mark its own homework.
//
// An event is one Handle of one process: a delivery, a timer, a disk
// completion, a client request, a boot. Process order and messages order
// events; a message carries its sender's clock as it was when sent.

// Causal is a run's happens-before relation so far.
type Causal struct {
	sim   *Sim
	n     int
	clock []uint32   // process i's clock is clock[i*n : i*n+n]
	sent  [][]uint32 // by message slot: the sender's clock when it sent; nil: none
}

func newCausal(s *Sim) *Causal {
	n := len(s.procs)
	return &Causal{sim: s, n: n, clock: make([]uint32, n*n)}
}

func (c *Causal) of(i int) []uint32 { return c.clock[i*c.n : i*c.n+c.n] }

// event counts a new event of process i, after what it received (the
// clock a message carried, or nil) is taken in.
func (c *Causal) event(i int, received []uint32) {
	own := c.of(i)
	for k, v := range received {
		own[k] = max(own[k], v)
	}
	own[i]++
}

// onSend keeps the sender's clock with the message.
func (c *Causal) onSend(m *inFlight) {
	for int(m.slot) >= len(c.sent) {
		c.sent = append(c.sent, nil)
	}
	v := c.sent[m.slot]
	if v == nil {
		v = make([]uint32, c.n)
		c.sent[m.slot] = v
	}
	copy(v, c.of(m.from))
}

// carried is the clock message m carries (a copy made by the network
// carries its original's); nil for the engine's own notices.
func (c *Causal) carried(m *inFlight) []uint32 {
	if m.engine || int(m.slot) >= len(c.sent) {
		return nil
	}
	return c.sent[m.slot]
}

// Processes names the processes in the order of a Clock's entries.
func (c *Causal) Processes() []string {
	out := make([]string, c.n)
	for i, p := range c.sim.procs {
		out[i] = p.id
	}
	return out
}

// Clock is the vector clock of process id's latest event: entry i counts
// the events of the i-th process (Processes) that happened before it, or
// are it. nil for an unknown process. Read only.
func (c *Causal) Clock(id string) []uint32 {
	p := c.sim.procByID(id)
	if p == nil {
		return nil
	}
	return c.of(p.index)
}

// ClockAt is Clock of the i-th process (Processes), for a checker that
// looks its processes up once: nil when there is none. Read only.
func (c *Causal) ClockAt(i int) []uint32 {
	if i < 0 || i >= c.n {
		return nil
	}
	return c.of(i)
}

// Events is how many events process id has had.
func (c *Causal) Events(id string) int {
	p := c.sim.procByID(id)
	if p == nil {
		return 0
	}
	return int(c.of(p.index)[p.index])
}

// Seen is how many of process from's events happened before process id's
// latest event (from's own count when id == from): from's k-th event
// happened before id's latest one exactly when k ≤ Seen(id, from).
func (c *Causal) Seen(id, from string) int {
	p, q := c.sim.procByID(id), c.sim.procByID(from)
	if p == nil || q == nil {
		return 0
	}
	return int(c.of(p.index)[q.index])
}

// Causal is the run's happens-before oracle, or nil when the model did not
// ask for it (Model.Causal).
func (w *World) Causal() *Causal { return w.sim.causal }
