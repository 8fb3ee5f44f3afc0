package leaderless

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	"clusterscope/engine"
)

// noteEnv keeps the text of the last note (Notef hands an Env that is not
// the engine's to its Note).
type noteEnv struct {
	engine.Env
	text string
}

func (e *noteEnv) Note(format string, args ...any) { e.text = fmt.Sprintf(format, args...) }

// The count note lists the responders as strings.Join would, however many.
func TestCountNoteListsEveryResponder(t *testing.T) {
	r := &request{ID: 7, Quorum: 2}
	for n := range 6 {
		env := &noteEnv{}
		noteCount(env, "athens", r, n)
		if want := "athens: r7 has " + strconv.Itoa(n) + "/2 (" + strings.Join(r.From, ", ") + ")"; env.text != want {
			t.Errorf("%d responders: %q, want %q", n, env.text, want)
		}
		r.From = append(r.From, "s"+strconv.Itoa(n))
	}
}
