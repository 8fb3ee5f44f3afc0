package durable

import (
	"sort"

	"clusterscope/engine"
)

// segment is one file of the log: its entries start at base.
type segment struct {
	base int
	name string
}

// segmentsOn lists a disk's log segments in index order (read from the file
// names, so it works on any disk: the node's, or one a power cut could
// leave).
func segmentsOn(d *engine.Disk) []segment {
	var segs []segment
	for _, name := range d.Files() {
		if base, ok := segmentBase(name); ok {
			segs = append(segs, segment{base: base, name: name})
		}
	}
	sort.Slice(segs, func(i, j int) bool { return segs[i].base < segs[j].base })
	return segs
}

// logStore is the log on a disk: segments named by base index, the last of
// them active (the only one appended to). maxEntries rolls to a new segment
// when the active one holds that many entries (0: one file, never roll).
type logStore struct {
	disk       *engine.Disk
	segs       []segment
	maxEntries int
}

func openLog(d *engine.Disk, maxEntries int) *logStore {
	return &logStore{disk: d, segs: segmentsOn(d), maxEntries: maxEntries}
}

// active is the segment being written, or nil before the first append.
func (l *logStore) active() *segment {
	if len(l.segs) == 0 {
		return nil
	}
	return &l.segs[len(l.segs)-1]
}

// lastIndex is the index of the last entry written (0 when the log is
// empty).
func (l *logStore) lastIndex() int {
	a := l.active()
	if a == nil {
		return 0
	}
	return a.base + l.disk.File(a.name).Len() - 1
}

// durableIndex is the last index of the durable prefix of the log: every
// entry up to it survives a crash.
func (l *logStore) durableIndex() int {
	return durablePrefix(l.disk, l.segs)
}

// durablePrefix walks the segments in order and stops at the first entry a
// crash would lose.
func durablePrefix(d *engine.Disk, segs []segment) int {
	last := 0
	for i, s := range segs {
		f := d.File(s.name)
		if f == nil {
			return last
		}
		if i > 0 && s.base != last+1 {
			return last
		}
		last = s.base + f.Durable() - 1
		if f.Durable() < f.Len() {
			return last
		}
	}
	return last
}

// needsRoll reports whether the next append starts a new segment.
func (l *logStore) needsRoll() bool {
	a := l.active()
	return a == nil || (l.maxEntries > 0 && l.disk.File(a.name).Len() >= l.maxEntries)
}

// append writes e at the end of the log, rolling first when the active
// segment is full. It returns the file written and, when it rolled, the
// segment it sealed ("" if none).
func (l *logStore) append(e Entry) (file, sealed string, err error) {
	if l.needsRoll() {
		if a := l.active(); a != nil {
			sealed = a.name
		}
		s := segment{base: e.Index, name: segmentName(e.Index)}
		if _, err := l.disk.Append(s.name, engine.Record{Data: e, Size: e.size()}); err != nil {
			return "", "", err
		}
		l.segs = append(l.segs, s)
		return s.name, sealed, nil
	}
	a := l.active()
	_, err = l.disk.Append(a.name, engine.Record{Data: e, Size: e.size()})
	return a.name, "", err
}

// find is the segment that would hold index: the one with the greatest base
// ≤ index (the floor of the bases), or -1.
func (l *logStore) find(index int) int {
	i := sort.Search(len(l.segs), func(i int) bool { return l.segs[i].base > index })
	return i - 1
}

// read returns the entry at index, when the log holds it intact.
func (l *logStore) read(index int) (Entry, bool) {
	i := l.find(index)
	if i < 0 {
		return Entry{}, false
	}
	s := l.segs[i]
	recs := l.disk.File(s.name).Records()
	pos := index - s.base
	if pos >= len(recs) || !recs[pos].Intact() {
		return Entry{}, false
	}
	e, ok := recs[pos].Data.(Entry)
	return e, ok && e.Index == index
}

// durableAt reports whether the entry at index is durable.
func (l *logStore) durableAt(index int) bool {
	i := l.find(index)
	if i < 0 {
		return false
	}
	s := l.segs[i]
	return index-s.base < l.disk.File(s.name).Durable()
}

// clean deletes the sealed segments the cleaner may drop at low-water mark
// lwm: those whose every entry is ≤ lwm (byBase: the broken rule, whose
// first entry is). The active segment is never deleted. It returns the
// segments deleted and their bytes.
func (l *logStore) clean(lwm int, byBase bool) (gone []segment, freed int) {
	keep := l.segs[:0]
	for i, s := range l.segs {
		drop := false
		if i < len(l.segs)-1 {
			last := l.segs[i+1].base - 1
			if byBase {
				drop = s.base <= lwm
			} else {
				drop = last <= lwm
			}
		}
		if drop {
			freed += l.disk.File(s.name).Bytes()
			l.disk.Delete(s.name)
			gone = append(gone, s)
			continue
		}
		keep = append(keep, s)
	}
	l.segs = keep
	return gone, freed
}
