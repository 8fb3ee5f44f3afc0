package lessons

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"path"
	"sort"
	"strings"

	"clusterscope/patterns"
)

// MaxLessonBytes bounds a lesson.md.
const MaxLessonBytes = 512 << 10

// Library is a set of lessons, one per pattern, each with its scenarios.
// A Library is read-only once loaded, so the web layer may share one
// between goroutines and swap in a fresh one after a reload.
type Library struct {
	lessons map[string]*Lesson
}

// Lesson is what a pattern page shows beside the cluster.
type Lesson struct {
	Pattern  string        `json:"pattern"`
	Title    string        `json:"title"`              // the first # heading, else the pattern's title
	Markdown string        `json:"markdown,omitempty"` // as written; empty when the folder has scenarios only
	HTML     template.HTML `json:"html,omitempty"`     // rendered with raw HTML off
	// Scenarios in file-name order.
	Scenarios []*Scenario `json:"scenarios,omitempty"`
	// Source is where it came from: "bundled" or an instructor's folder.
	Source string `json:"source"`
}

// ScenarioInfo is a scenario as a pattern page lists it.
type ScenarioInfo struct {
	Name  string `json:"name"`
	Title string `json:"title"`
	Path  string `json:"path"` // <pattern-id>/<name>.yaml
}

// Infos lists the lesson's scenarios for a page.
func (l *Lesson) Infos() []ScenarioInfo {
	out := make([]ScenarioInfo, len(l.Scenarios))
	for i, s := range l.Scenarios {
		out[i] = ScenarioInfo{Name: s.Name, Title: s.Title, Path: l.Pattern + "/" + s.Name + ".yaml"}
	}
	return out
}

// Lesson returns the lesson of a pattern.
func (lib *Library) Lesson(pattern string) (*Lesson, bool) {
	if lib == nil {
		return nil, false
	}
	l, ok := lib.lessons[pattern]
	return l, ok
}

// Scenario finds a scenario by pattern and name (file name without .yaml).
func (lib *Library) Scenario(pattern, name string) (*Scenario, bool) {
	l, ok := lib.Lesson(pattern)
	if !ok {
		return nil, false
	}
	for _, s := range l.Scenarios {
		if s.Name == name {
			return s, true
		}
	}
	return nil, false
}

// Patterns lists the pattern ids that have a lesson or a scenario, sorted.
func (lib *Library) Patterns() []string {
	if lib == nil {
		return nil
	}
	out := make([]string, 0, len(lib.lessons))
	for id := range lib.lessons {
		out = append(out, id)
	}
	sort.Strings(out)
	return out
}

// Load reads a folder of lessons: one sub-folder per pattern id, holding
// lesson.md and any number of scenario files (*.yaml). Other files are
// ignored. Load returns every lesson and scenario that is sound, and an
// ErrorList (file:line:col) of every problem: the web layer can serve what
// loaded and show the rest as errors.
func Load(fsys fs.FS) (*Library, error) {
	return load(fsys, "", patterns.ByID)
}

func load(fsys fs.FS, source string, lookup lookupFunc) (*Library, error) {
	if source == "" {
		source = "folder"
	}
	lib := &Library{lessons: map[string]*Lesson{}}
	var errs ErrorList
	dirs, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return lib, ErrorList{{File: ".", Msg: err.Error()}}
	}
	for _, d := range dirs {
		if !d.IsDir() || strings.HasPrefix(d.Name(), ".") || strings.HasPrefix(d.Name(), "_") {
			continue
		}
		id := d.Name()
		files, err := fs.ReadDir(fsys, id)
		if err != nil {
			errs = append(errs, &Error{File: id, Msg: err.Error()})
			continue
		}
		var relevant []fs.DirEntry
		for _, f := range files {
			if !f.IsDir() && (f.Name() == "lesson.md" || isScenarioFile(f.Name())) {
				relevant = append(relevant, f)
			}
		}
		if len(relevant) == 0 {
			continue
		}
		pat, ok := lookup(id)
		if !ok {
			errs = append(errs, &Error{File: path.Join(id, relevant[0].Name()), Msg: fmt.Sprintf("folder %q is not a pattern id (clusterscope patterns lists them)", id)})
			continue
		}
		l := &Lesson{Pattern: id, Title: pat.Title, Source: source}
		for _, f := range relevant {
			name := path.Join(id, f.Name())
			src, err := ReadFile(fsys, name)
			if err != nil {
				errs = append(errs, &Error{File: name, Msg: err.Error()})
				continue
			}
			if f.Name() == "lesson.md" {
				l.Markdown = string(src)
				l.HTML = renderMarkdown(l.Markdown)
				if t := firstHeading(src); t != "" {
					l.Title = t
				}
				continue
			}
			sc, err := parseScenario(name, src, id, lookup)
			if err != nil {
				errs = append(errs, Errors(err)...)
				continue
			}
			l.Scenarios = append(l.Scenarios, sc)
		}
		sort.Slice(l.Scenarios, func(i, j int) bool { return l.Scenarios[i].Name < l.Scenarios[j].Name })
		lib.lessons[id] = l
	}
	if len(errs) > 0 {
		errs.sort()
		return lib, errs
	}
	return lib, nil
}

func isScenarioFile(name string) bool {
	return strings.HasSuffix(name, ".yaml") || strings.HasSuffix(name, ".yml")
}

// ReadFile reads a lesson or scenario file from a folder: a regular file
// only, read through its size limit. A symbolic link is refused, even to a
// regular file: one to /dev/zero reports size 0 and never ends.
func ReadFile(fsys fs.FS, name string) ([]byte, error) {
	limit := int64(MaxLessonBytes)
	if isScenarioFile(name) {
		limit = MaxScenarioBytes
	}
	info, err := fs.Lstat(fsys, name)
	if err != nil {
		return nil, err
	}
	if !info.Mode().IsRegular() {
		return nil, notRegular(info)
	}
	f, err := fsys.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	// The file may have been swapped for something else since Lstat.
	if info, err = f.Stat(); err != nil {
		return nil, err
	}
	if !info.Mode().IsRegular() {
		return nil, notRegular(info)
	}
	if info.Size() > limit {
		return nil, fmt.Errorf("file is %d bytes; at most %d", info.Size(), limit)
	}
	src, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(src)) > limit {
		return nil, fmt.Errorf("file is more than %d bytes; at most %d", limit, limit)
	}
	return src, nil
}

func notRegular(info fs.FileInfo) error {
	what := "not a regular file"
	if info.Mode()&fs.ModeSymlink != 0 {
		what = "a symbolic link"
	}
	return fmt.Errorf("%s (%v); only regular files are read: copy the file into the folder", what, info.Mode().Type())
}

// Merge lays an instructor's library over a base one: their lesson text
// replaces ours when they wrote one, and their scenarios join ours, theirs
// winning when two have the same name. Neither input changes.
func Merge(base, over *Library) *Library {
	out := &Library{lessons: map[string]*Lesson{}}
	if base != nil {
		for id, l := range base.lessons {
			cp := *l
			cp.Scenarios = append([]*Scenario(nil), l.Scenarios...)
			out.lessons[id] = &cp
		}
	}
	if over == nil {
		return out
	}
	for id, theirs := range over.lessons {
		ours, ok := out.lessons[id]
		if !ok {
			cp := *theirs
			cp.Scenarios = append([]*Scenario(nil), theirs.Scenarios...)
			out.lessons[id] = &cp
			continue
		}
		if theirs.Markdown != "" {
			ours.Markdown, ours.HTML, ours.Title, ours.Source = theirs.Markdown, theirs.HTML, theirs.Title, theirs.Source
		}
		byName := map[string]int{}
		for i, s := range ours.Scenarios {
			byName[s.Name] = i
		}
		for _, s := range theirs.Scenarios {
			if i, clash := byName[s.Name]; clash {
				ours.Scenarios[i] = s
			} else {
				ours.Scenarios = append(ours.Scenarios, s)
			}
		}
		sort.Slice(ours.Scenarios, func(i, j int) bool { return ours.Scenarios[i].Name < ours.Scenarios[j].Name })
	}
	return out
}

// Fingerprint summarises the names, sizes and modification times of the
// lesson files in a folder. It is cheap, so the web layer can poll it and
// call Load again only when it changes (live reload without a watcher).
func Fingerprint(fsys fs.FS) (string, error) {
	h := sha256.New()
	dirs, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return "", err
	}
	for _, d := range dirs {
		if !d.IsDir() {
			continue
		}
		files, err := fs.ReadDir(fsys, d.Name())
		if err != nil {
			return "", err
		}
		for _, f := range files {
			if f.IsDir() || (f.Name() != "lesson.md" && !isScenarioFile(f.Name())) {
				continue
			}
			info, err := f.Info()
			if err != nil {
				return "", err
			}
			fmt.Fprintf(h, "%s/%s %d %d\n", d.Name(), f.Name(), info.Size(), info.ModTime().UnixNano())
		}
	}
	return hex.EncodeToString(h.Sum(nil)[:12]), nil
}
