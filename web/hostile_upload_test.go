package web

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"clusterscope/web/testlog"
)

// The uploads that took the whole server down (issue 21) get an error frame
// over /ws and /embed/ws, and the session goes on working: a condition that
// allocates gigabytes, and YAML nested 32,000 deep (64 KB).
func TestHostileUploadsGetAnErrorAndTheSessionLives(t *testing.T) {
	_, ts := newLessonServer(t, nil)
	attacks := []struct{ src, want string }{
		{"title: t\nsteps:\n  - expect: 'len(repeat(repeat(\"ab\", 100000), 999999)) > 0'\n", "repeat is not allowed"},
		{"title: t\nsteps:\n  - say: " + strings.Repeat("[", 32000) + strings.Repeat("]", 32000) + "\n", "nested more than"},
	}
	good := "title: Mine\nnodes: 3\nsteps:\n  - say: hello\n  - run: 1s\n  - expect: violations == 0\n"
	for _, path := range []string{"/ws", "/embed/ws"} {
		c, err := dialPath(t, ts, path+"?pattern=heartbeat", nil)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		c.sread()
		for _, a := range attacks {
			c.send(map[string]any{"type": "scenario", "name": "bomb.yaml", "yaml": a.src})
			e := c.suntil("an error", func(f sframe) bool { return f.Type == "error" })
			if !strings.Contains(e.Error, a.want) {
				t.Errorf("%s: error %q should contain %q", path, e.Error, a.want)
			}
		}
		c.send(map[string]any{"type": "scenario", "name": "mine.yaml", "yaml": good})
		if f := c.suntil("the story", hasStory); f.Story.Title != "Mine" {
			t.Errorf("%s: after the attacks: %+v", path, f.Story)
		}
	}
}

// A --lessons folder: a 240 KB file nested 120,000 deep dropped in on a
// hot reload is refused at its line and column, the last good version
// still served; a lesson.md linked to /dev/zero is refused, not read.
func TestHostileLessonFilesOnReload(t *testing.T) {
	dir := t.TempDir()
	laf := filepath.Join(dir, "leader-and-followers")
	writeFile(t, filepath.Join(laf, "9-mine.yaml"), mineV1)
	ls, err := NewLessons(dir, testlog.New(t))
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(laf, "9-mine.yaml"), "title: t\nsteps:\n  - say: "+strings.Repeat("[", 120_000)+strings.Repeat("]", 120_000)+"\n")
	if err := os.Symlink("/dev/zero", filepath.Join(laf, "lesson.md")); err != nil {
		t.Fatal(err)
	}
	if !ls.Reload() {
		t.Fatal("the change was not picked up")
	}
	var msgs []string
	for _, p := range ls.Problems() {
		msgs = append(msgs, p.Error())
	}
	all := strings.Join(msgs, "\n")
	if !strings.Contains(all, "9-mine.yaml:3:") || !strings.Contains(all, "nested more than") || !strings.Contains(all, "lesson.md: a symbolic link") {
		t.Errorf("problems:\n%s", all)
	}
	if sc, ok := ls.Library().Scenario("leader-and-followers", "9-mine"); !ok || sc.Title != "Mine, first draft" {
		t.Errorf("the last good version is not served: %v", sc)
	}
}
