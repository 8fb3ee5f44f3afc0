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

// A list written through listVerbs reads as strings.Join writes it, for
// lists shorter and longer than its slots.
func TestListVerbsWriteTheJoinedList(t *testing.T) {
	for n := range 2*listSlots + 2 {
		var list []string
		for i := range n {
			list = append(list, "s"+strconv.Itoa(i))
		}
		args := appendList([]engine.Arg{engine.D(n)}, list)
		if len(args) != 1+listArgs {
			t.Fatalf("%d names: %d arguments, want %d", n, len(args), 1+listArgs)
		}
		env := &noteEnv{}
		engine.Notef(env, "%d ("+listVerbs+") end", args...)
		if want := strconv.Itoa(n) + " (" + strings.Join(list, ", ") + ") end"; env.text != want {
			t.Errorf("%d names: %q, want %q", n, env.text, want)
		}
	}
}
