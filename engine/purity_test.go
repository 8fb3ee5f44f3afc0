package engine

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// The simulator must be deterministic: nothing under engine/ or patterns/
// may start a goroutine, read the wall clock, sleep, or draw from a global
// random source. This test parses every non-test file there and fails on the
// first such use; comments and strings cannot trip it.

// wallClock are the time functions that read or wait on the real clock.
var wallClock = map[string]bool{
	"Now": true, "Since": true, "Until": true, "Sleep": true, "After": true,
	"Tick": true, "NewTimer": true, "NewTicker": true, "AfterFunc": true,
}

// seededRand are the math/rand names that do not touch the global source:
// constructors of seeded generators and their types.
var seededRand = map[string]bool{
	"New": true, "NewPCG": true, "NewChaCha8": true, "NewSource": true, "NewZipf": true,
	"Rand": true, "Source": true, "Source64": true, "PCG": true, "ChaCha8": true, "Zipf": true,
}

// impurities lists every forbidden use in one Go source file.
func impurities(fset *token.FileSet, file *ast.File) []string {
	var bad []string
	report := func(n ast.Node, format string, args ...any) {
		bad = append(bad, fmt.Sprintf("%s: %s", fset.Position(n.Pos()), fmt.Sprintf(format, args...)))
	}
	pkgs := map[string]string{} // local name -> import path
	for _, imp := range file.Imports {
		path, _ := strconv.Unquote(imp.Path.Value)
		name := path[strings.LastIndex(path, "/")+1:]
		if path == "math/rand/v2" {
			name = "rand"
		}
		if imp.Name != nil {
			name = imp.Name.Name
		}
		switch {
		case path == "crypto/rand":
			report(imp, "imports crypto/rand (global randomness)")
		case name == "." && (path == "time" || path == "math/rand" || path == "math/rand/v2"):
			report(imp, "dot-imports %s", path)
		}
		pkgs[name] = path
	}
	ast.Inspect(file, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.GoStmt:
			report(n, "starts a goroutine")
		case *ast.SelectorExpr:
			id, ok := n.X.(*ast.Ident)
			if !ok || id.Obj != nil { // a local variable, not a package
				return true
			}
			switch pkgs[id.Name] {
			case "time":
				if wallClock[n.Sel.Name] {
					report(n, "uses the wall clock (time.%s)", n.Sel.Name)
				}
			case "math/rand", "math/rand/v2":
				if !seededRand[n.Sel.Name] {
					report(n, "uses the global random source (%s.%s)", id.Name, n.Sel.Name)
				}
			}
		}
		return true
	})
	return bad
}

func scanSource(t *testing.T, src string) []string {
	t.Helper()
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "planted.go", src, 0)
	if err != nil {
		t.Fatal(err)
	}
	return impurities(fset, f)
}

func TestSimulatorCodeIsPure(t *testing.T) {
	files := 0
	for _, root := range []string{".", "../patterns"} {
		err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() && d.Name() == "testdata" {
				return filepath.SkipDir
			}
			if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return nil
			}
			fset := token.NewFileSet()
			f, err := parser.ParseFile(fset, path, nil, 0)
			if err != nil {
				return err
			}
			files++
			for _, b := range impurities(fset, f) {
				t.Error(b)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if files < 10 {
		t.Fatalf("scanned only %d files: is the test running in engine/?", files)
	}
}

func TestPurityScannerCatchesPlantedViolations(t *testing.T) {
	planted := map[string]string{
		"goroutine":      `package p; func f() { go func() {}() }`,
		"time.Now":       `package p; import "time"; func f() { _ = time.Now() }`,
		"time.Since":     `package p; import "time"; var t time.Time; func f() { _ = time.Since(t) }`,
		"sleep":          `package p; import "time"; func f() { time.Sleep(1) }`,
		"after":          `package p; import "time"; func f() { <-time.After(1) }`,
		"ticker":         `package p; import "time"; func f() { time.NewTicker(1) }`,
		"timer":          `package p; import "time"; func f() { time.AfterFunc(1, nil) }`,
		"aliased time":   `package p; import clock "time"; func f() { _ = clock.Now() }`,
		"time as value":  `package p; import "time"; var now = time.Now`,
		"rand.Intn":      `package p; import "math/rand"; func f() int { return rand.Intn(3) }`,
		"rand.Float64":   `package p; import "math/rand"; func f() float64 { return rand.Float64() }`,
		"rand/v2 N":      `package p; import "math/rand/v2"; func f() int { return rand.N(3) }`,
		"rand/v2 IntN":   `package p; import "math/rand/v2"; func f() int { return rand.IntN(3) }`,
		"rand Shuffle":   `package p; import "math/rand/v2"; func f() { rand.Shuffle(0, nil) }`,
		"aliased rand":   `package p; import r "math/rand/v2"; func f() uint64 { return r.Uint64() }`,
		"dot time":       `package p; import . "time"; func f() { _ = Now() }`,
		"crypto/rand":    `package p; import "crypto/rand"; func f() { rand.Read(nil) }`,
		"nested closure": `package p; func f() { g := func() { go f() }; g() }`,
	}
	for name, src := range planted {
		if bad := scanSource(t, src); len(bad) == 0 {
			t.Errorf("%s: not caught", name)
		}
	}
}

func TestPurityScannerAllowsWhatIsPure(t *testing.T) {
	clean := `package p

import (
	"math/rand/v2"
	"time"
)

// time.Now() and go func() in a comment are fine, as is "time.Sleep" in text.
const doc = "go time.Now() rand.Intn"

type clock struct{}

func (clock) Now() time.Duration { return 0 }

func f(env interface{ Rand() *rand.Rand }) time.Duration {
	var c clock
	r := rand.New(rand.NewPCG(1, 2))
	_ = r.IntN(3) + env.Rand().IntN(4)
	d := 5 * time.Millisecond
	time := c // a local named time is not the package
	return time.Now() + d
}
`
	if bad := scanSource(t, clean); len(bad) != 0 {
		t.Fatalf("pure code flagged: %v", bad)
	}
}
