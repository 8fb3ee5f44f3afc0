package engine

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"sort"
	"strconv"
	"time"
)

// Disk is a process's file system, modelled honestly enough to teach the
// difference between written, durable and applied: named files of records.
// An append is written at once (into the page cache: reads see it) and
// becomes durable only when an Fsync that covers it completes, which takes
// virtual time; the process hears of it as an EvDisk event. A crash keeps
// what is durable and loses the rest, unless a tear fault leaves the first
// lost record half written, which a recovery must catch by its checksum.
//
// Metadata changes (create, truncate, delete, rename) are durable at once,
// as a journaling file system makes them; only record data waits for fsync.
//
// Storage (the key-value area and log the replicated-log patterns use) is
// a simpler disk beside this one, whose Sync is immediate.
type Disk struct {
	files    map[string]*File
	settings DiskSettings
	faults   diskFaults
	rand     *rand.Rand
	job      int           // last fsync job id
	lastDone time.Duration // true time the last queued fsync completes (fsyncs complete in order)
	bytes    int           // bytes in all files (written)
	// last is the file File found last: processes and invariants look
	// up the same active file many times a step. Delete and Rename
	// forget it.
	last     *File
	lastName string
}

// File is one file on a Disk: records in order, the first Durable of them
// safe from a crash.
type File struct {
	Name    string
	records []Record
	durable int
	bytes   int
}

// Record is one record of a file. Size is its length in bytes as the
// pattern counts them (for segment sizes and a full disk).
type Record struct {
	Data any
	Size int
	torn bool
}

// Intact reports whether the record's checksum matches: false for the
// half-written record a torn write leaves at a crash.
func (r Record) Intact() bool { return !r.torn }

// DiskSettings are a disk's speeds. An fsync of n unsynced records takes
// Slow × (FsyncLatency + a uniform draw in [0, FsyncJitter] + n ×
// WriteLatency), after the fsyncs queued before it.
type DiskSettings struct {
	FsyncLatency time.Duration
	FsyncJitter  time.Duration
	WriteLatency time.Duration
	Slow         int // a multiplier ≥ 1 (a slow disk)
	Capacity     int // bytes; 0 = no limit
}

// DefaultDisk is an ordinary SSD, slowed to be visible: a few milliseconds
// per fsync.
var DefaultDisk = DiskSettings{FsyncLatency: 2 * time.Millisecond, FsyncJitter: time.Millisecond, WriteLatency: 100 * time.Microsecond, Slow: 1}

type diskFaults struct {
	failFsyncs int             // the next n fsyncs fail
	tear       map[string]bool // files whose first lost record a crash leaves torn ("" = every file)
}

// DiskDone is what an EvDisk event carries: an fsync finished.
type DiskDone struct {
	Job  int    // the id Fsync returned
	File string // the file synced
	// Durable is how many records of the file are durable now.
	Durable int
	// Err is set when the fsync failed: nothing it covered is durable.
	Err string
}

// ErrDiskFull is returned by Append when the disk has no room.
var ErrDiskFull = errors.New("disk full")

func newDisk(seed uint64, id string) *Disk {
	return &Disk{files: map[string]*File{}, settings: DefaultDisk, rand: rand.New(rand.NewPCG(seed, nameHash("disk:"+id)))}
}

// Files lists the file names, sorted.
func (d *Disk) Files() []string {
	names := make([]string, 0, len(d.files))
	for n := range d.files {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// File returns the named file, or nil.
func (d *Disk) File(name string) *File {
	if d.last != nil && d.lastName == name {
		return d.last
	}
	f := d.files[name]
	if f != nil {
		d.last, d.lastName = f, name
	}
	return f
}

// Settings returns the disk's speeds.
func (d *Disk) Settings() DiskSettings { return d.settings }

// Create makes an empty file (nothing happens when it exists).
func (d *Disk) Create(name string) *File {
	f := d.files[name]
	if f == nil {
		f = &File{Name: name}
		d.files[name] = f
	}
	return f
}

// Append writes rec at the end of the named file (creating it), returning
// its position (0-based). It is written, not durable: Fsync makes it so.
func (d *Disk) Append(name string, rec Record) (int, error) {
	if rec.Size < 0 {
		rec.Size = 0
	}
	if d.settings.Capacity > 0 && d.bytes+rec.Size > d.settings.Capacity {
		return -1, ErrDiskFull
	}
	f := d.Create(name)
	rec.torn = false
	f.records = append(roomFor(f.records), rec)
	f.bytes += rec.Size
	d.bytes += rec.Size
	return len(f.records) - 1, nil
}

// Truncate keeps the first n records of the named file.
func (d *Disk) Truncate(name string, n int) {
	f := d.files[name]
	if f == nil || n >= len(f.records) {
		return
	}
	n = max(n, 0)
	for _, r := range f.records[n:] {
		f.bytes -= r.Size
		d.bytes -= r.Size
	}
	f.records = f.records[:n:n]
	f.durable = min(f.durable, n)
}

// TruncateFront drops the first n records of the named file.
func (d *Disk) TruncateFront(name string, n int) {
	f := d.files[name]
	if f == nil || n <= 0 {
		return
	}
	n = min(n, len(f.records))
	for _, r := range f.records[:n] {
		f.bytes -= r.Size
		d.bytes -= r.Size
	}
	f.records = append([]Record(nil), f.records[n:]...)
	f.durable = max(f.durable-n, 0)
}

// Delete removes the named file.
func (d *Disk) Delete(name string) {
	if f := d.files[name]; f != nil {
		d.bytes -= f.bytes
		delete(d.files, name)
		d.last = nil
	}
}

// Rename renames a file, replacing any file called to.
func (d *Disk) Rename(from, to string) error {
	f := d.files[from]
	if f == nil {
		return fmt.Errorf("rename: no file %q", from)
	}
	if from == to {
		return nil
	}
	d.Delete(to)
	delete(d.files, from)
	d.last = nil
	f.Name = to
	d.files[to] = f
	return nil
}

// Records returns the file's records as the process reads them now
// (written ones included). The slice must not be modified.
func (f *File) Records() []Record { return f.records }

// Len is the number of records written.
func (f *File) Len() int { return len(f.records) }

// Durable is how many records, from the front, a crash would keep.
func (f *File) Durable() int { return f.durable }

// Bytes is the size of the records written.
func (f *File) Bytes() int { return f.bytes }

// DurableBytes is the size of the durable records.
func (f *File) DurableBytes() int {
	n := 0
	for _, r := range f.records[:f.durable] {
		n += r.Size
	}
	return n
}

// Faulty reports whether a fault is set on the disk (slow, failing
// fsyncs, a tear armed, a capacity).
func (d *Disk) Faulty() bool {
	return d.settings.Slow > 1 || d.settings.Capacity > 0 || d.faults.failFsyncs > 0 || len(d.faults.tear) > 0
}

// Unsynced counts the records a crash now would lose, over every file.
func (d *Disk) Unsynced() int {
	n := 0
	for _, f := range d.files {
		n += len(f.records) - f.durable
	}
	return n
}

// fsyncJob is one fsync in progress.
type fsyncJob struct {
	id   int
	file string
	upto int // records written when it was asked for
	fail bool
	done bool
}

// fsyncDuration is how long an fsync of n unsynced records takes.
func (d *Disk) fsyncDuration(n int) time.Duration {
	s := d.settings
	t := s.FsyncLatency + time.Duration(n)*s.WriteLatency
	if s.FsyncJitter > 0 {
		t += time.Duration(d.rand.Int64N(int64(s.FsyncJitter) + 1))
	}
	return t * time.Duration(max(s.Slow, 1))
}

// complete makes what job covered durable, unless it failed.
func (d *Disk) complete(j *fsyncJob) DiskDone {
	done := DiskDone{Job: j.id, File: j.file}
	f := d.files[j.file]
	if !j.done && f != nil && !j.fail {
		f.durable = max(f.durable, min(j.upto, len(f.records)))
	}
	j.done = true
	if f != nil {
		done.Durable = f.durable
	}
	if j.fail {
		done.Err = "fsync failed (I/O error): nothing it covered is durable"
	}
	return done
}

// crash throws away what is not durable. A tear fault on a file leaves the
// first lost record behind, torn. It returns a sentence for the trace, or
// "" when nothing was lost.
func (d *Disk) crash() string {
	var lost, torn int
	for _, name := range d.Files() {
		f := d.files[name]
		cut := len(f.records) - f.durable
		if cut == 0 {
			continue
		}
		keep := f.durable
		if d.faults.tear[name] || d.faults.tear[""] {
			f.records[keep].torn = true
			keep++
			torn++
		}
		lost += cut
		d.Truncate(name, keep)
		f.durable = keep // what survived is on the platter, torn or not
	}
	d.faults.tear = nil
	d.lastDone = 0
	if lost == 0 {
		return ""
	}
	s := fmt.Sprintf("%d unsynced record(s) lost", lost)
	if torn > 0 {
		s += fmt.Sprintf(", %d left torn", torn)
	}
	return s
}

// ---- the process side: fsync and work ----

// Fsync asks the disk to make every record written to the named file so
// far durable. It returns a job id; an EvDisk event with that id comes when
// the fsync completes (or fails). Fsyncs complete in the order asked.
func (e *procEnv) fsync(name string) (int, error) {
	s, p := e.sim, e.proc
	d := p.disk
	f := d.files[name]
	if f == nil {
		return 0, fmt.Errorf("fsync: no file %q", name)
	}
	if p.status == StatusCrashed {
		return 0, errors.New("fsync: the process is down")
	}
	d.job++
	j := &fsyncJob{id: d.job, file: name, upto: len(f.records)}
	if d.faults.failFsyncs > 0 {
		d.faults.failFsyncs--
		j.fail = true
	}
	at := max(s.now, d.lastDone) + d.fsyncDuration(len(f.records)-f.durable)
	at = ceilTick(at)
	d.lastDone = at
	var buf [64]byte // the timer's name in one allocation
	t := s.newTimer(p, string(strconv.AppendInt(append(append(append(buf[:0], "fsync "...), name...), " #"...), int64(j.id), 10)))
	t.fsync = j
	p.timers.put(t)
	t.armed = true
	s.queueTimerAt(t, at)
	return j.id, nil
}

// work marks the process busy for d of true time: messages and timers that
// reach it meanwhile wait, in arrival order, and run after the timer called
// name fires.
func (e *procEnv) work(name string, d time.Duration) {
	s, p := e.sim, e.proc
	if p.status == StatusCrashed {
		return
	}
	d = max(d, 0)
	s.cancelTimer(p, name)
	t := s.newTimer(p, name)
	t.work = true
	p.timers.put(t)
	t.armed = true
	p.busy = name
	s.queueTimerAt(t, ceilTick(s.now+d))
}

// release runs what waited for a paused or busy process, in arrival order.
func (s *Sim) release(p *proc) {
	held := p.held
	p.held = nil
	for _, h := range held {
		switch {
		case h.t != nil:
			if t := h.t; t.gen == uint32(h.id) && t.armed && t.held {
				t.held = false
				s.queueTimerAt(t, s.now)
			}
		case h.m.id == h.id && !h.m.gone && h.m.parked:
			s.scheduleAt(h.m, s.now)
		}
	}
}

// ---- disk faults (the disk command) ----

// Disk fault and setting names, the Name of a CmdDisk command.
const (
	DiskFsyncLatency = "fsync-latency" // Dur: mean fsync time
	DiskFsyncJitter  = "fsync-jitter"  // Dur: extra random fsync time, up to this
	DiskWriteLatency = "write-latency" // Dur: per unsynced record an fsync writes
	DiskSlow         = "slow"          // Value: multiply every fsync's time (1 = normal)
	DiskFailFsync    = "fail-fsync"    // Value: the next n fsyncs fail (default 1)
	DiskTear         = "tear"          // Args file (optional): the next crash leaves the first lost record torn
	DiskFull         = "full"          // Value: capacity in bytes (0 = no limit)
	DiskHealthy      = "healthy"       // clear every fault (slow, fail-fsync, tear, full); latencies stay
)

// DiskFaults lists the disk command's names, for menus and errors.
var DiskFaults = []string{DiskSlow, DiskFailFsync, DiskTear, DiskFull, DiskHealthy, DiskFsyncLatency, DiskFsyncJitter, DiskWriteLatency}

const maxDiskLatency = time.Minute

func (s *Sim) diskCommand(c Command) error {
	p, err := s.proc(c.Node, "disk")
	if err != nil {
		return err
	}
	if p.client {
		return fmt.Errorf("disk: %s is a client and has no disk", p.id)
	}
	d := p.disk
	dur := time.Duration(c.Dur)
	switch c.Name {
	case DiskFsyncLatency, DiskFsyncJitter, DiskWriteLatency:
		if dur < 0 || dur > maxDiskLatency {
			return fmt.Errorf("disk %s: give a latency within 0..%v, not %v", c.Name, maxDiskLatency, dur)
		}
		switch c.Name {
		case DiskFsyncLatency:
			d.settings.FsyncLatency = dur
		case DiskFsyncJitter:
			d.settings.FsyncJitter = dur
		default:
			d.settings.WriteLatency = dur
		}
	case DiskSlow:
		if c.Value < 1 || c.Value > 1000 {
			return fmt.Errorf("disk slow: give a factor within 1..1000, not %d", c.Value)
		}
		d.settings.Slow = c.Value
	case DiskFailFsync:
		n := c.Value
		if n == 0 {
			n = 1
		}
		if n < 0 || n > 1000 {
			return fmt.Errorf("disk fail-fsync: give a count within 1..1000, not %d", n)
		}
		d.faults.failFsyncs = n
	case DiskTear:
		file := c.Args["file"]
		if file != "" && d.files[file] == nil {
			return fmt.Errorf("disk tear: %s has no file %q (files: %v)", p.id, file, d.Files())
		}
		if d.faults.tear == nil {
			d.faults.tear = map[string]bool{}
		}
		d.faults.tear[file] = true
	case DiskFull:
		if c.Value < 0 {
			return fmt.Errorf("disk full: give a capacity in bytes ≥ 0, not %d", c.Value)
		}
		d.settings.Capacity = c.Value
	case DiskHealthy:
		d.settings.Slow, d.settings.Capacity = 1, 0
		d.faults = diskFaults{}
	default:
		return fmt.Errorf("disk: no fault %q (there are: %v)", c.Name, DiskFaults)
	}
	s.emit(TraceEvent{Kind: TrCommand, Node: p.id, Text: c.String()})
	return nil
}

func diskCommandText(c Command) string {
	switch c.Name {
	case DiskSlow:
		return fmt.Sprintf("%s's disk slows ×%d", c.Node, c.Value)
	case DiskFailFsync:
		return fmt.Sprintf("%s's next %d fsync(s) will fail", c.Node, max(c.Value, 1))
	case DiskTear:
		if f := c.Args["file"]; f != "" {
			return fmt.Sprintf("%s's next crash tears the last write to %s", c.Node, f)
		}
		return fmt.Sprintf("%s's next crash tears its last unsynced write", c.Node)
	case DiskFull:
		if c.Value == 0 {
			return fmt.Sprintf("%s's disk has room again", c.Node)
		}
		return fmt.Sprintf("%s's disk fills at %d bytes", c.Node, c.Value)
	case DiskHealthy:
		return fmt.Sprintf("%s's disk is healthy again", c.Node)
	}
	return fmt.Sprintf("%s's disk %s %v", c.Node, c.Name, time.Duration(c.Dur))
}

// ---- what a power cut could leave ----

// CrashState is one disk a power cut could leave behind: for each file
// with unsynced records, how many records survive (the durable ones and
// then some of the unsynced ones, which the page cache may already have
// written back) and whether the last survivor is torn.
type CrashState struct {
	Keep map[string]int
	Torn map[string]bool
}

// CrashStates lists the states a power cut now could leave, up to limit
// of them (cut reports that there were more). The first is the one the
// engine's own crash leaves: only durable records.
//
// A file's unsynced records are written back in order, so what survives
// of one file is a prefix; files are independent. A file with u unsynced
// records has 2u+1 outcomes (keep 0..u more, or keep k and tear the next).
func (d *Disk) CrashStates(limit int) (states []CrashState, cut bool) {
	type choice struct {
		keep int
		torn bool
	}
	var names []string
	var options [][]choice
	for _, name := range d.Files() {
		f := d.files[name]
		u := len(f.records) - f.durable
		if u == 0 {
			continue
		}
		opts := make([]choice, 0, 2*u+1)
		for k := 0; k <= u; k++ {
			opts = append(opts, choice{keep: f.durable + k})
			if k < u {
				opts = append(opts, choice{keep: f.durable + k + 1, torn: true})
			}
		}
		names = append(names, name)
		options = append(options, opts)
	}
	at := make([]int, len(names)) // an odometer over the files' options
	for {
		if len(states) == limit {
			return states, true
		}
		cs := CrashState{Keep: map[string]int{}, Torn: map[string]bool{}}
		for i, name := range names {
			c := options[i][at[i]]
			cs.Keep[name] = c.keep
			if c.torn {
				cs.Torn[name] = true
			}
		}
		states = append(states, cs)
		i := len(at) - 1
		for ; i >= 0; i-- {
			if at[i]++; at[i] < len(options[i]) {
				break
			}
			at[i] = 0
		}
		if i < 0 {
			return states, false
		}
	}
}

// AfterCrash returns a copy of the disk as the crash state cs would leave
// it: every record durable, the torn ones marked. The original is not
// touched, so a recovery can be tried on it.
func (d *Disk) AfterCrash(cs CrashState) *Disk {
	c := &Disk{files: make(map[string]*File, len(d.files)), settings: d.settings}
	for name, f := range d.files {
		keep := f.durable
		if k, ok := cs.Keep[name]; ok {
			keep = min(max(k, f.durable), len(f.records))
		}
		recs := append([]Record(nil), f.records[:keep]...)
		if cs.Torn[name] && keep > f.durable {
			recs[keep-1].torn = true
		}
		nf := &File{Name: name, records: recs, durable: keep}
		for _, r := range recs {
			nf.bytes += r.Size
		}
		c.files[name] = nf
		c.bytes += nf.bytes
	}
	return c
}

// FileViews draws every file as a disk widget strip, each record shown by
// text (fmt's %v of its Data when text is nil). A pattern adds its labels
// (sealed, base index) to the result.
func (d *Disk) FileViews(text func(file string, r Record) string) []FileView {
	var out []FileView
	for _, name := range d.Files() {
		f := d.files[name]
		v := FileView{Name: name, Durable: f.durable, Bytes: f.bytes, DurableBytes: f.DurableBytes()}
		for i, r := range f.records {
			if text != nil {
				v.Records = append(v.Records, text(name, r))
			} else {
				v.Records = append(v.Records, fmt.Sprint(r.Data))
			}
			if r.torn && v.Torn == 0 {
				v.Torn = i + 1
			}
		}
		out = append(out, v)
	}
	return out
}
