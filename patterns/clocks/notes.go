package clocks

import "clusterscope/engine"

// The server's notes write their stamps and versions with %d verbs, so a
// note costs no string per stamp. Each shape of stamp (Lamport's counter,
// the hybrid's pair) and of version (either, or none yet) has its own
// verbs, and every note its format for each combination, made once.
var (
	stampVerbs   = [2]string{"%d", "(%d,%d)"}
	versionVerbs = [3]string{"%d %s", "(%d,%d) %s", "—"}

	writeNotes   = stampNotes("%s stamps %s's %s=%s at ", " (%s had seen ", ")")
	keepNotes    = versionNotes("%s keeps %s=%s @", " over %s=%s @", " from %s: the higher stamp wins")
	replaceNotes = versionNotes("%s replaces %s=%s @", " with %s=%s @", " from %s: the higher stamp wins")
)

func stampNotes(a, b, c string) (out [2][2]string) {
	for i, x := range stampVerbs {
		for j, y := range stampVerbs {
			out[i][j] = a + x + b + y + c
		}
	}
	return out
}

func versionNotes(a, b, c string) (out [3][3]string) {
	for i, x := range versionVerbs {
		for j, y := range versionVerbs {
			out[i][j] = a + x + b + y + c
		}
	}
	return out
}

func stampShape(s Stamp) int {
	if s.Hybrid {
		return 1
	}
	return 0
}

func versionShape(v Version) int {
	if v.Node == "" {
		return 2
	}
	return stampShape(v.TS)
}

// stampArgs appends the arguments of s's verbs.
func stampArgs(a []engine.Arg, s Stamp) []engine.Arg {
	if s.Hybrid {
		return append(a, engine.D(int(s.Wall)), engine.D(int(s.N)))
	}
	return append(a, engine.D(int(s.N)))
}

// versionArgs appends the arguments of v's verbs.
func versionArgs(a []engine.Arg, v Version) []engine.Arg {
	if v.Node == "" {
		return a
	}
	return append(stampArgs(a, v.TS), engine.S(v.Node))
}

// noteWrite: the server stamped from's write key=value at ts; from had
// seen seen.
func noteWrite(env engine.Env, id, from, key, value string, ts, seen Stamp) {
	var buf [8]engine.Arg
	a := append(buf[:0], engine.S(id), engine.S(from), engine.S(key), engine.S(value))
	a = stampArgs(a, ts)
	a = stampArgs(append(a, engine.S(from)), seen)
	engine.Notef(env, writeNotes[stampShape(ts)][stampShape(seen)], a...)
}

// noteMerge: the server kept (or replaced) cur with in, from from.
func noteMerge(env engine.Env, notes *[3][3]string, id, key string, cur, in held, from string) {
	var buf [12]engine.Arg
	a := append(buf[:0], engine.S(id), engine.S(key), engine.S(cur.Value))
	a = versionArgs(a, cur.Version)
	a = versionArgs(append(a, engine.S(key), engine.S(in.Value)), in.Version)
	engine.Notef(env, notes[versionShape(cur.Version)][versionShape(in.Version)], append(a, engine.S(from))...)
}
