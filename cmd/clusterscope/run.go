package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"clusterscope/lessons"
	"clusterscope/patterns"
)

// cmdRun plays one scenario headless and prints its transcript. Exit code 0
// when every step held, 1 when an expectation failed or the file is not a
// valid scenario, 2 on a usage mistake.
func cmdRun(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	verbose := fs.Bool("v", false, "print every trace event, not only notes, violations and client results")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: clusterscope run [-v] FILE.yaml | PATTERN/NAME")
		fmt.Fprintln(stderr, "\nPlays a scenario headless and prints its transcript. PATTERN/NAME runs a bundled")
		fmt.Fprintln(stderr, "scenario (e.g. heartbeat/1-silence-means-trouble). Exits 1 if an expect fails or the file is invalid.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return 2
	}
	sc, err := loadScenario(fs.Arg(0))
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	if _, err := lessons.RunWith(sc, stdout, lessons.RunOptions{Verbose: *verbose}); err != nil {
		fmt.Fprintf(stderr, "FAIL %v\n", err)
		return 1
	}
	return 0
}

// loadScenario reads a scenario file, or a bundled one named PATTERN/NAME.
// A file in a folder named after a pattern may leave out its pattern line.
func loadScenario(arg string) (*lessons.Scenario, error) {
	src, err := readScenarioFile(arg)
	if err != nil {
		if pat, name, ok := strings.Cut(strings.TrimSuffix(arg, ".yaml"), "/"); ok && errors.Is(err, os.ErrNotExist) {
			lib, _ := lessons.Bundled()
			if sc, found := lib.Scenario(pat, name); found {
				return sc, nil
			}
		}
		return nil, err
	}
	folder := filepath.Base(filepath.Dir(arg))
	if _, ok := patterns.ByID(folder); ok {
		return lessons.ParseScenarioIn(arg, src, folder)
	}
	return lessons.ParseScenario(arg, src)
}

// readScenarioFile reads a file named on the command line through the size
// limit of a scenario, so /dev/zero or a huge file given by mistake ends with an
// error instead of filling the memory.
func readScenarioFile(name string) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	src, err := io.ReadAll(io.LimitReader(f, lessons.MaxScenarioBytes+1))
	if err != nil {
		return nil, err
	}
	if len(src) > lessons.MaxScenarioBytes {
		return nil, fmt.Errorf("%s: more than %d bytes; a scenario may have at most %d", name, lessons.MaxScenarioBytes, lessons.MaxScenarioBytes)
	}
	return src, nil
}
