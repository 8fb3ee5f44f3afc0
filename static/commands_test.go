package static

import (
	"regexp"
	"strings"
	"testing"

	"clusterscope/engine"
)

// The page's menus and the engine's command table agree: every command the
// table says the page offers is sent by the menus, and they send no kind
// the table lacks.
func TestControlsSendEveryPageCommand(t *testing.T) {
	// The menus: controls.js and the network menu it opens.
	js := ""
	for _, name := range []string{"controls.js", "network.js"} {
		src, err := FS.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		js += string(src)
	}
	for _, c := range engine.Commands {
		if c.Page && !strings.Contains(js, "'"+c.Kind+"'") {
			t.Errorf("the table offers %s on the page, but the menus never send it", c.Kind)
		}
	}
	for _, m := range regexp.MustCompile(`kind: '([a-z-]+)'`).FindAllStringSubmatch(js, -1) {
		if _, ok := engine.CommandByKind(m[1]); !ok {
			t.Errorf("the menus send %q, which the command table lacks", m[1])
		}
	}
}
