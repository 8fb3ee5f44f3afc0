package engine

import (
	"math/rand/v2"
	"time"
)

type status uint8

const (
	statusUp status = iota
	statusCrashed
	statusPaused
)

func (s status) String() string {
	return [...]string{"up", "crashed", "paused"}[s]
}

// proc is the engine's record of one process.
type proc struct {
	id      string
	index   int
	sym     uint32 // id as a trace symbol
	node    int    // index in Sim.nodeProcs, -1 for a client
	client  bool
	p       Process
	env     *procEnv
	status  status
	storage *Storage
	rand    *rand.Rand
	// clock: local = t*(1+ppm/1e6) + offset + jumps + driftFix. offset is what
	// the offset command set, jumps the sum of jumps since, driftFix keeps the
	// reading continuous when the drift changes.
	offset, jumps, driftFix time.Duration
	ppm                     int64
	timers                  map[string]*timer
	held                    []heldItem // what reached the process while paused, in arrival order
}

// heldItem is a timer or a message that waits for a paused process. It
// names the message by id and the timer by generation too: their records
// may have been recycled since.
type heldItem struct {
	t  *timer
	m  *inFlight
	id uint64 // the message's id, or the timer's gen
}
