package lessons

import (
	"embed"
	"io/fs"
	"sync"

	"clusterscope/patterns"
)

// bundledFS holds our lessons: <pattern-id>/lesson.md and its scenarios.
//
//go:embed */lesson.md */*.yaml
var bundledFS embed.FS

//go:embed scenario.schema.json
var schema []byte

var bundled = sync.OnceValues(func() (*Library, error) {
	return load(bundledFS, "bundled", patterns.ByID)
})

// Bundled is the library shipped in the binary, loaded once. An error means
// a bundled file is broken (the tests keep that from shipping); the library
// then holds everything that did load.
func Bundled() (*Library, error) { return bundled() }

// BundledFS is the bundled lesson folder, for tools that list raw files.
func BundledFS() fs.FS { return bundledFS }

// Schema is the JSON Schema of the scenario format, served at
// /schema/scenario.json so editors can validate scenario files.
func Schema() []byte { return schema }

// ParseScenarioIn reads a scenario that lies in the folder of a pattern: the
// pattern header may then be left out, and must match when given.
func ParseScenarioIn(file string, src []byte, pattern string) (*Scenario, error) {
	return parseScenario(file, src, pattern, patterns.ByID)
}
