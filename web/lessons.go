package web

import (
	"context"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"clusterscope/lessons"
	"clusterscope/patterns"
	"clusterscope/templates"

	"github.com/go-chi/chi/v5"
)

// Lessons is the lesson library a server shows: ours (bundled in the
// binary), with an instructor's folder laid over it when one is given
// (clusterscope serve --lessons DIR). Their lesson.md replaces ours and
// their scenarios join ours, theirs winning on a clash of names.
//
// The folder is polled (Watch): when its fingerprint changes the folder is
// loaded again and the new library swapped in atomically. Requests and
// sessions read whichever library is current; a session keeps the scenario
// it loaded. A file that does not load is reported (file:line:col) on the
// pattern page, and the last good version of it keeps serving.
type Lessons struct {
	bundled *lessons.Library
	dir     string // the instructor's folder as given; "" for none
	fsys    fs.FS
	log     *slog.Logger

	mu  sync.Mutex // one reload at a time
	cur atomic.Pointer[lessonState]
}

// lessonState is one loaded version of the library; never changed once stored.
type lessonState struct {
	lib    *lessons.Library  // what is served: bundled merged with theirs
	theirs *lessons.Library  // the instructor's part alone (nil without a folder)
	errs   lessons.ErrorList // problems in the instructor's folder (and in ours, which tests prevent)
	print  string            // the folder's fingerprint when it was loaded
	loads  int               // how many times the folder was loaded
}

// NewLessons loads the bundled lessons and, when dir is not empty, the
// instructor's folder. A folder that cannot be read is an error; problems
// inside its files are not: they are shown on the pages (Problems).
func NewLessons(dir string, log *slog.Logger) (*Lessons, error) {
	if log == nil {
		log = slog.Default()
	}
	l := &Lessons{dir: dir, log: log}
	var bundledErrs lessons.ErrorList
	l.bundled, bundledErrs = loadBundled()
	if dir != "" {
		info, err := os.Stat(dir)
		if err != nil {
			return nil, fmt.Errorf("lessons folder: %w", err)
		}
		if !info.IsDir() {
			return nil, fmt.Errorf("lessons folder: %s is not a folder", dir)
		}
		l.fsys = os.DirFS(dir)
	}
	l.cur.Store(&lessonState{lib: l.bundled, errs: bundledErrs})
	if l.fsys != nil {
		l.Reload()
	}
	return l, nil
}

var bundledLessons = sync.OnceValue(func() *Lessons {
	l, _ := NewLessons("", nil)
	return l
})

// BundledLessons serves only the lessons shipped in the binary.
func BundledLessons() *Lessons { return bundledLessons() }

func loadBundled() (*lessons.Library, lessons.ErrorList) {
	lib, err := lessons.Bundled()
	return lib, lessons.Errors(err)
}

// Library is the library being served now.
func (l *Lessons) Library() *lessons.Library { return l.cur.Load().lib }

// Problems lists what did not load in the instructor's folder, as
// file:line:col messages (the file relative to the folder).
func (l *Lessons) Problems() lessons.ErrorList { return l.cur.Load().errs }

// Reload loads the instructor's folder again when it changed since the last
// load, and reports whether it did.
func (l *Lessons) Reload() bool {
	if l.fsys == nil {
		return false
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	prev := l.cur.Load()
	print, err := lessons.Fingerprint(l.fsys)
	if err != nil {
		// The folder went away or became unreadable: keep serving what
		// we have, and say why on the pages.
		if prev.print != "unreadable" {
			l.log.Warn("lessons folder unreadable; serving the last version", "dir", l.dir, "err", err)
			next := *prev
			next.print = "unreadable"
			next.errs = lessons.ErrorList{{File: ".", Msg: "cannot read the folder: " + err.Error()}}
			l.cur.Store(&next)
			return true
		}
		return false
	}
	if prev.loads > 0 && print == prev.print {
		return false
	}
	theirs, err := lessons.Load(l.fsys)
	errs := lessons.Errors(err)
	if len(errs) > 0 && prev.theirs != nil {
		// Files that failed are missing from theirs: lay it over the last
		// version, so what broke keeps its last good version. (Files
		// deleted meanwhile linger until the errors are fixed.)
		theirs = lessons.Merge(prev.theirs, theirs)
	}
	next := &lessonState{lib: lessons.Merge(l.bundled, theirs), theirs: theirs, errs: errs, print: print, loads: prev.loads + 1}
	l.cur.Store(next)
	if len(errs) > 0 {
		l.log.Warn("lessons folder has problems; the last good version of each broken file is served", "dir", l.dir, "problems", len(errs), "first", errs[0].Error())
	} else if prev.loads > 0 {
		l.log.Info("lessons reloaded", "dir", l.dir)
	}
	return true
}

// Watch polls the instructor's folder every interval until ctx ends, and
// reloads it when it changed. It returns at once without a folder.
func (l *Lessons) Watch(ctx context.Context, every time.Duration) {
	if l.fsys == nil {
		return
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			l.Reload()
		}
	}
}

// scenario finds a scenario of a pattern in the current library, and says
// where it comes from ("bundled" or the instructor's folder).
func (l *Lessons) scenario(pattern, name string) (*lessons.Scenario, string, bool) {
	sc, ok := l.Library().Scenario(pattern, name)
	if !ok {
		return nil, "", false
	}
	if b, ok := l.bundled.Scenario(pattern, name); ok && b == sc {
		return sc, "bundled", true
	}
	return sc, "folder", true
}

// view is what the lesson area of a pattern page shows.
func (l *Lessons) view(patternID string) (templates.LessonView, bool) {
	st := l.cur.Load()
	v := templates.LessonView{Pattern: patternID, Folder: l.dir}
	lesson, ok := st.lib.Lesson(patternID)
	if ok {
		v.Title, v.HTML, v.Source = lesson.Title, string(lesson.HTML), lesson.Source
		for _, s := range lesson.Infos() {
			v.Scenarios = append(v.Scenarios, templates.ScenarioLink{Name: s.Name, Title: s.Title, Source: "/lessons/" + s.Path})
		}
	}
	for _, e := range st.errs {
		// This pattern's files, and files in no pattern's folder (a
		// misspelt folder would otherwise go unseen).
		folder, _, _ := strings.Cut(e.File, "/")
		if _, known := patterns.ByID(folder); folder == patternID || !known {
			v.Problems = append(v.Problems, e.Error())
		}
	}
	return v, ok || len(v.Problems) > 0
}

// lessonRoutes serves the scenario schema, scenario files as written, and
// a live session's run as a scenario file.
func (s *Server) lessonRoutes(r chi.Router) {
	r.Get("/schema/scenario.json", serveScenarioSchema)
	r.Get("/lessons/{pattern}/{file}", s.lessons.serveSource)
	r.Get("/session/{id}/scenario.yaml", s.handleScenarioExport)
}

// handleScenarioExport downloads the run a session shows now as a scenario
// file (?title= names it). The session id is the capability.
func (s *Server) handleScenarioExport(w http.ResponseWriter, r *http.Request) {
	sess := s.exportSession(w, r)
	if sess == nil {
		return
	}
	var f exportFrame
	var err error
	if qerr := sess.query(r.Context(), func() { f, err = sess.scenarioExport(r.URL.Query().Get("title")) }); qerr != nil {
		jsonError(w, http.StatusGone, qerr)
		return
	}
	if err != nil {
		jsonError(w, http.StatusConflict, err)
		return
	}
	w.Header().Set("Content-Type", "text/yaml; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+f.File+`"`)
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Trace-Hash", f.TraceHash)
	w.Write([]byte(f.YAML))
}

// serveSchema serves the JSON Schema of scenario files, so editors can
// validate them ($schema or yaml-language-server: $schema=...).
func serveScenarioSchema(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/schema+json")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	w.Write(lessons.Schema())
}

// serveSource serves a scenario file as written, from the folder that won:
// /lessons/{pattern}/{name}.yaml. Pages offer it as a download, and the
// player can open it by URL.
func (l *Lessons) serveSource(w http.ResponseWriter, r *http.Request) {
	pattern, file := chi.URLParam(r, "pattern"), chi.URLParam(r, "file")
	name, ok := strings.CutSuffix(file, ".yaml")
	if !ok || strings.ContainsAny(name, `/\`) || strings.HasPrefix(name, ".") {
		http.Error(w, "no such scenario", http.StatusNotFound)
		return
	}
	sc, source, ok := l.scenario(pattern, name)
	if !ok {
		http.Error(w, "no scenario "+quote(pattern+"/"+name), http.StatusNotFound)
		return
	}
	fsys := lessons.BundledFS()
	if source != "bundled" {
		fsys = l.fsys
	}
	src, err := lessons.ReadFile(fsys, path.Clean(sc.File))
	if err != nil {
		http.Error(w, "the scenario file cannot be read now: "+err.Error(), http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "text/yaml; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	w.Write(src)
}
