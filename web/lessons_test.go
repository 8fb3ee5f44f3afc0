package web

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"clusterscope/web/testlog"
)

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

const mineV1 = "title: Mine, first draft\nnodes: 3\nsteps:\n  - say: one\n  - run: 1s\n"

// An instructor's folder is served beside ours, theirs winning on a clash;
// edits show without a restart; a broken file shows its file:line:col on
// the page while its last good version keeps serving.
func TestInstructorLessonsReload(t *testing.T) {
	dir := t.TempDir()
	laf := filepath.Join(dir, "leader-and-followers")
	writeFile(t, filepath.Join(laf, "lesson.md"), "# Our own lesson, v1\n\nHello <script>alert(1)</script> [x](javascript:alert(2)).\n")
	writeFile(t, filepath.Join(laf, "9-mine.yaml"), mineV1)
	writeFile(t, filepath.Join(laf, "1-election.yaml"), "title: Their election\nnodes: 3\nsteps:\n  - say: theirs\n")
	ls, err := NewLessons(dir, testlog.New(t))
	if err != nil {
		t.Fatal(err)
	}
	_, ts := newLessonServer(t, ls)
	page := httpGet(t, ts.URL+"/patterns/leader-and-followers")
	for _, want := range []string{"Our own lesson, v1", `data-scenario="9-mine"`, "Mine, first draft", "Their election", `data-scenario="2-forgotten-vote"`} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	for _, bad := range []string{"<script>alert", "javascript:", "An election, a crash"} {
		if strings.Contains(page, bad) {
			t.Errorf("page has %q", bad)
		}
	}
	if src := httpGet(t, ts.URL+"/lessons/leader-and-followers/1-election.yaml"); !strings.Contains(src, "Their election") {
		t.Errorf("the clashing scenario's source should be theirs: %s", src)
	}
	if ls.Reload() {
		t.Error("nothing changed, yet Reload loaded the folder again")
	}

	// An edit, picked up by the watcher.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go ls.Watch(ctx, 10*time.Millisecond)
	writeFile(t, filepath.Join(laf, "lesson.md"), "# Our own lesson, v2\n")
	waitFor(t, "the edit to be served", func() bool {
		return strings.Contains(httpGet(t, ts.URL+"/patterns/leader-and-followers"), "Our own lesson, v2")
	})

	// A broken scenario: its problem is shown, its last good version served.
	writeFile(t, filepath.Join(laf, "9-mine.yaml"), "title: Mine, second draft\nnodes: 3\nsteps:\n  - say: one\n  - crash: atlantis\n")
	waitFor(t, "the problem to be shown", func() bool {
		return strings.Contains(httpGet(t, ts.URL+"/patterns/leader-and-followers"), "9-mine.yaml:5:")
	})
	page = httpGet(t, ts.URL+"/patterns/leader-and-followers")
	if !strings.Contains(page, "Mine, first draft") || !strings.Contains(page, `data-view="lesson-problems"`) {
		t.Error("the last good version of the broken file should still be offered")
	}
	if p := ls.Problems(); len(p) != 1 || p[0].Line != 5 || p[0].Col == 0 {
		t.Errorf("problems: %v", p)
	}
	// A session opens the last good version by name.
	c := dial(t, ts, "pattern=leader-and-followers")
	c.sread()
	c.send(map[string]any{"type": "scenario", "name": "9-mine"})
	if f := c.suntil("the story", hasStory); f.Story.Title != "Mine, first draft" || f.Story.Source != "folder" {
		t.Errorf("story: %q from %s", f.Story.Title, f.Story.Source)
	}

	// Fixed: the problem goes, the new version serves.
	writeFile(t, filepath.Join(laf, "9-mine.yaml"), strings.Replace(mineV1, "first", "third and last", 1))
	waitFor(t, "the fix to be served", func() bool {
		p := httpGet(t, ts.URL+"/patterns/leader-and-followers")
		return strings.Contains(p, "Mine, third and last draft") && !strings.Contains(p, "lesson-problems")
	})
	// A misspelt folder is reported on the pages too.
	writeFile(t, filepath.Join(dir, "leader-and-folowers", "lesson.md"), "# typo\n")
	waitFor(t, "the misspelt folder to be reported", func() bool {
		return strings.Contains(httpGet(t, ts.URL+"/patterns/heartbeat"), "leader-and-folowers")
	})
}

func TestNewLessonsRejectsAMissingFolder(t *testing.T) {
	if _, err := NewLessons(filepath.Join(t.TempDir(), "nope"), testlog.New(t)); err == nil {
		t.Fatal("a folder that does not exist should be an error")
	}
	f := filepath.Join(t.TempDir(), "file")
	writeFile(t, f, "x")
	if _, err := NewLessons(f, testlog.New(t)); err == nil || !strings.Contains(err.Error(), "not a folder") {
		t.Fatalf("a file instead of a folder: %v", err)
	}
}

func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if ok() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}
