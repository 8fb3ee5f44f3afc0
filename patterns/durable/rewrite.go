package durable

import (
	"clusterscope/engine"
)

// The cleaner of a one-file log (segment-entries = 0). A file cannot lose
// its beginning in place, so cleaning copies the entries above the mark
// into a new file, fsyncs the copy, and only then renames it in and
// deletes the old file. Until the rename the old file is the log: a crash
// leaves it whole, and recovery deletes the half-made copy.

// maxCatchUps bounds the rounds a rewrite spends copying entries appended
// while its copy was being fsynced: under steady writes it could chase the
// tail for ever, so it gives up and the next cleaner run starts afresh.
const maxCatchUps = 8

// rewrite is a one-file cleaning in progress.
type rewrite struct {
	from     string // the file being replaced
	tmp      string // the copy, named after its first index
	base     int
	copied   int // records of from copied so far, from its front
	job      int // the copy's fsync in flight
	catchUps int
}

// cleaning counts what the cleaner did since the server started, in bytes
// as the disk counts them: the comparison the Segmented Log page is about.
type cleaning struct {
	logged    int // bytes appended to the log by puts
	deleted   int // bytes of log files deleted
	rewritten int // bytes copied into a new file to keep them
}

// startRewrite copies the entries above the low-water mark of the one
// file into a new file and fsyncs it. It does nothing while a rewrite runs,
// when the log is not one file, or when the file starts above the mark.
func (n *Node) startRewrite(env engine.Env) {
	if n.rw != nil || len(n.log.segs) != 1 {
		return
	}
	s := n.log.segs[0]
	f := env.Disk().File(s.name)
	if s.base > n.lwm || f == nil {
		return
	}
	skip := min(n.lwm+1-s.base, f.Len())
	rw := &rewrite{from: s.name, base: s.base + skip, copied: skip}
	rw.tmp = rewriteName(rw.base)
	env.Disk().Create(rw.tmp)
	n.rw = rw
	env.Note("cleaner: %s starts at %d, below the mark %d; copying the entries above it into %s", s.name, s.base, n.lwm, rw.tmp)
	n.copyAndSync(env)
}

// copyAndSync copies what the old file holds beyond what was copied, and
// fsyncs the copy. Entries not yet durable in the old file are copied too:
// the copy's fsync makes them durable.
func (n *Node) copyAndSync(env engine.Env) {
	rw, d := n.rw, env.Disk()
	recs := d.File(rw.from).Records()
	for ; rw.copied < len(recs); rw.copied++ {
		if _, err := d.Append(rw.tmp, recs[rw.copied]); err != nil {
			n.abandonRewrite(env, err.Error())
			return
		}
		n.cleaned.rewritten += recs[rw.copied].Size
	}
	job, err := env.Fsync(rw.tmp)
	if err != nil {
		n.abandonRewrite(env, err.Error())
		return
	}
	rw.job = job
}

// rewriteSynced is the copy's fsync done: copy what was appended
// meanwhile and sync again, or, when nothing was, swap the copy in.
func (n *Node) rewriteSynced(env engine.Env, done engine.DiskDone) {
	rw, d := n.rw, env.Disk()
	if done.Err != "" {
		n.abandonRewrite(env, done.Err)
		return
	}
	if d.File(rw.from).Len() > rw.copied {
		if rw.catchUps++; rw.catchUps > maxCatchUps {
			n.abandonRewrite(env, "writes kept coming while it copied")
			return
		}
		n.copyAndSync(env)
		return
	}
	name := segmentName(rw.base)
	if err := d.Rename(rw.tmp, name); err != nil {
		n.abandonRewrite(env, err.Error())
		return
	}
	old := d.File(rw.from).Bytes()
	kept := d.File(name)
	d.Delete(rw.from)
	n.cleaned.deleted += old
	n.log.segs = []segment{{base: rw.base, name: name}}
	n.rw = nil
	env.Note("cleaner rewrote the log: copied %d entries (%d bytes) above the mark into %s, deleted %s (%d bytes)", kept.Len(), kept.Bytes(), name, rw.from, old)
	n.applyDurable(env) // the copy's fsync may have made waiting writes durable
}

// abandonRewrite deletes the copy; the old file stays the log.
func (n *Node) abandonRewrite(env engine.Env, why string) {
	env.Disk().Delete(n.rw.tmp)
	env.Note("cleaner gave up rewriting %s: %s; the old file stays the log", n.rw.from, why)
	n.rw = nil
}
