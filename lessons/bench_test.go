package lessons

import (
	"io"
	"testing"

	"clusterscope/patterns"
)

// Loading is what a live reload of an instructor's folder costs: parsing,
// sampling each pattern's facts and compiling every condition.
func BenchmarkLoadBundled(b *testing.B) {
	for i := 0; i < b.N; i++ {
		if _, err := load(bundledFS, "bundled", patterns.ByID); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRunAllBundled(b *testing.B) {
	lib, err := Bundled()
	if err != nil {
		b.Fatal(err)
	}
	for i := 0; i < b.N; i++ {
		for _, id := range lib.Patterns() {
			l, _ := lib.Lesson(id)
			for _, sc := range l.Scenarios {
				if _, err := Run(sc, io.Discard); err != nil {
					b.Fatal(err)
				}
			}
		}
	}
}
