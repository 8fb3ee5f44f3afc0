package durable

import (
	"fmt"
	"maps"
	"math"

	"clusterscope/engine"
)

// Recovered is what recovery rebuilds from a disk: the snapshot, then every
// intact entry after it in index order. It is a pure function of the disk
// (Recover), so the node's restart and the power-cut explorer run the same
// code.
type Recovered struct {
	KV       map[string]string
	Applied  map[int]int // request id → index, to apply a retried put once
	Snapshot int         // the index the snapshot covers (0: none)
	SnapKeys int         // how many keys the snapshot held
	First    int         // first entry replayed (0: none)
	Last     int         // last index the state includes
	// TornIndex is the index of a torn record found at the end of the
	// log (0: none); it and everything after it is cut.
	TornIndex int
	// Gap is the first missing index when a later entry survived without
	// it (a power cut wrote back one file and not another); replay stops
	// before it.
	Gap int
	// Rewrites are the one-file cleaner's copies a crash interrupted:
	// never read (the old file is still the log), deleted.
	Rewrites []string
	// cut is what Repair removes: files to truncate at a record, files to
	// delete.
	truncate map[string]int
	remove   []string
}

// Recover reads a disk as a restart finds it and rebuilds the state. It
// changes nothing: Repair does the truncation it found necessary.
func Recover(d *engine.Disk) Recovered { return recoverUpTo(d, math.MaxInt) }

// recoverUpTo is Recover replaying only the entries up to index limit.
func recoverUpTo(d *engine.Disk, limit int) Recovered {
	r := Recovered{KV: map[string]string{}, Applied: map[int]int{}, truncate: map[string]int{}}
	if d.File(snapshotTmp) != nil {
		r.remove = append(r.remove, snapshotTmp) // a snapshot never finished
	}
	for _, name := range d.Files() {
		if isRewrite(name) {
			r.Rewrites = append(r.Rewrites, name)
			r.remove = append(r.remove, name)
		}
	}
	if f := d.File(snapshotFile); f != nil && f.Len() > 0 && f.Records()[0].Intact() {
		if s, ok := f.Records()[0].Data.(Snapshot); ok {
			r.Snapshot, r.Last, r.SnapKeys = s.Index, s.Index, len(s.KV)
			maps.Copy(r.KV, s.KV)
			maps.Copy(r.Applied, s.Applied)
		}
	}
	stopped := false
	for _, s := range segmentsOn(d) {
		recs := d.File(s.name).Records()
		if stopped || len(recs) == 0 {
			r.remove = append(r.remove, s.name)
			continue
		}
		if r.Last > 0 && s.base > r.Last+1 {
			r.Gap = r.Last + 1
			stopped = true
			r.remove = append(r.remove, s.name)
			continue
		}
		for pos, rec := range recs {
			idx := s.base + pos
			if !rec.Intact() {
				r.TornIndex = idx
				r.cut(s.name, pos)
				stopped = true
				break
			}
			if idx <= r.Last {
				continue // covered by the snapshot
			}
			if idx > limit {
				break
			}
			e, _ := rec.Data.(Entry)
			if r.First == 0 {
				r.First = idx
			}
			r.apply(e)
		}
	}
	return r
}

func (r *Recovered) cut(file string, pos int) {
	if pos == 0 {
		r.remove = append(r.remove, file)
	} else {
		r.truncate[file] = pos
	}
}

// apply replays one entry: a put, unless its request was applied already
// (a retry that reached the log twice).
func (r *Recovered) apply(e Entry) {
	r.Last = e.Index
	if _, dup := r.Applied[e.ReqID]; dup {
		return
	}
	r.Applied[e.ReqID] = e.Index
	r.KV[e.Key] = e.Value
}

// Repair cuts what recovery found unusable: a torn tail, segments after a
// gap, an unfinished snapshot or rewrite, empty segments.
func (r Recovered) Repair(d *engine.Disk) {
	for _, name := range d.Files() {
		if n, ok := r.truncate[name]; ok {
			d.Truncate(name, n)
		}
	}
	for _, name := range r.remove {
		d.Delete(name)
	}
}

// Story is what recovery did, in the event log's words.
func (r Recovered) Story() []string {
	var out []string
	if r.Snapshot > 0 {
		out = append(out, fmt.Sprintf("loaded the snapshot through index %d (%d keys)", r.Snapshot, r.SnapKeys))
	}
	for _, name := range r.Rewrites {
		out = append(out, fmt.Sprintf("deleted %s, the copy of an unfinished cleaning (the old file is still the log)", name))
	}
	if r.TornIndex > 0 {
		out = append(out, fmt.Sprintf("truncated torn record at index %d (its checksum does not match)", r.TornIndex))
	}
	if r.Gap > 0 {
		out = append(out, fmt.Sprintf("index %d is missing: replay stops there and drops the entries after it", r.Gap))
	}
	switch {
	case r.First > 0:
		out = append(out, fmt.Sprintf("replayed %d..%d", r.First, r.Last))
	case r.Snapshot == 0:
		out = append(out, "the log is empty: nothing to replay")
	}
	return out
}
