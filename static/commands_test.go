package static

import (
	"regexp"
	"strings"
	"testing"

	"clusterscope/engine"
)

// The page's menus and the engine's command table agree: every command the
// table says the page offers is sent by controls.js, and controls.js sends
// no kind the table lacks.
func TestControlsSendEveryPageCommand(t *testing.T) {
	src, err := FS.ReadFile("controls.js")
	if err != nil {
		t.Fatal(err)
	}
	js := string(src)
	for _, c := range engine.Commands {
		if c.Page && !strings.Contains(js, "'"+c.Kind+"'") {
			t.Errorf("the table offers %s on the page, but controls.js never sends it", c.Kind)
		}
	}
	for _, m := range regexp.MustCompile(`kind: '([a-z-]+)'`).FindAllStringSubmatch(js, -1) {
		if _, ok := engine.CommandByKind(m[1]); !ok {
			t.Errorf("controls.js sends %q, which the command table lacks", m[1])
		}
	}
}
