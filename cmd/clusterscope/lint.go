package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"clusterscope/lessons"
)

// cmdLint checks every lesson and scenario in one or more folders of
// <pattern-id>/ sub-folders: each file must load (errors at file:line:col)
// and, unless -static, each scenario must play with its expectations held.
// Exit code 1 when anything is wrong.
func cmdLint(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("lint", flag.ContinueOnError)
	fs.SetOutput(stderr)
	static := fs.Bool("static", false, "only load and check the files; do not play the scenarios")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: clusterscope lint [-static] DIR...")
		fmt.Fprintln(stderr, "\nDIR holds one folder per pattern id, each with lesson.md and scenario files (*.yaml).")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return 2
	}
	bad := 0
	for _, dir := range fs.Args() {
		bad += lintDir(dir, *static, stdout, stderr)
	}
	if bad > 0 {
		fmt.Fprintf(stderr, "%d problem(s)\n", bad)
		return 1
	}
	return 0
}

func lintDir(dir string, static bool, stdout, stderr io.Writer) int {
	if info, err := os.Stat(dir); err != nil || !info.IsDir() {
		fmt.Fprintf(stderr, "%s: not a folder\n", dir)
		return 1
	}
	lib, err := lessons.Load(os.DirFS(dir))
	bad := 0
	for _, e := range lessons.Errors(err) {
		e.File = filepath.Join(dir, e.File)
		fmt.Fprintln(stderr, e)
		bad++
	}
	lessonsFound, scenarios := 0, 0
	for _, id := range lib.Patterns() {
		l, _ := lib.Lesson(id)
		if l.Markdown != "" {
			lessonsFound++
		}
		for _, sc := range l.Scenarios {
			scenarios++
			if static {
				continue
			}
			if _, err := lessons.Run(sc, io.Discard); err != nil {
				for _, e := range lessons.Errors(err) {
					if e.File != "" {
						e.File = filepath.Join(dir, e.File)
					}
					fmt.Fprintln(stderr, e)
					bad++
				}
			}
		}
	}
	if lessonsFound+scenarios == 0 && bad == 0 {
		fmt.Fprintf(stderr, "%s: no lessons found (expected %s/<pattern-id>/lesson.md or *.yaml)\n", dir, dir)
		return 1
	}
	fmt.Fprintf(stdout, "%s: %d lesson(s), %d scenario(s) checked\n", dir, lessonsFound, scenarios)
	return bad
}
