package clockbound

import (
	"slices"
	"time"
)

// version is one stamped value of a key. An uncommitted version is held
// (a read at or above its stamp waits for it) but never returned.
type version struct {
	Value     string
	TS        time.Duration
	Writer    string
	Committed bool
}

// versions are a key's versions, in stamp order.
type versions []version

// put adds v or, for a stamp already held, marks it committed when v is.
func (vs versions) put(v version) versions {
	i, found := slices.BinarySearchFunc(vs, v.TS, func(x version, ts time.Duration) int { return cmpDur(x.TS, ts) })
	if found {
		vs[i].Committed = vs[i].Committed || v.Committed
		return vs
	}
	return slices.Insert(vs, i, v)
}

func cmpDur(a, b time.Duration) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// latestTS is the highest stamp held (committed or not), 0 for none.
func (vs versions) latestTS() time.Duration {
	if len(vs) == 0 {
		return 0
	}
	return vs[len(vs)-1].TS
}

// in is the highest stamp in (from, to], any state; ok false for none.
func (vs versions) in(from, to time.Duration) (time.Duration, bool) {
	for i := len(vs) - 1; i >= 0; i-- {
		if ts := vs[i].TS; ts > from && ts <= to {
			return ts, true
		}
	}
	return 0, false
}

// at is what a read at readTS sees: the latest version at or below it;
// blocked is an uncommitted version at or below it that the read must
// wait for (its stamp), if any.
func (vs versions) at(readTS time.Duration) (v version, blocked *version) {
	for i := len(vs) - 1; i >= 0; i-- {
		if vs[i].TS > readTS {
			continue
		}
		if !vs[i].Committed {
			return version{}, &vs[i]
		}
		return vs[i], nil
	}
	return version{}, nil
}
