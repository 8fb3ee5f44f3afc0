package leaderless

import (
	"strconv"
	"strings"
	"testing"

	"clusterscope/patterns/kit/kittest"
)

// The count note lists the responders as strings.Join would, however many.
func TestCountNoteListsEveryResponder(t *testing.T) {
	r := &request{ID: 7, Quorum: 2}
	for n := range 6 {
		env := &kittest.NoteEnv{}
		noteCount(env, "athens", r, n)
		if want := "athens: r7 has " + strconv.Itoa(n) + "/2 (" + strings.Join(r.From, ", ") + ")"; env.Text != want {
			t.Errorf("%d responders: %q, want %q", n, env.Text, want)
		}
		r.From = append(r.From, "s"+strconv.Itoa(n))
	}
}
