// Package static is the browser side of clusterscope: plain ES modules, CSS
// and an icon, embedded into the binary so the tool works offline.
package static

import "embed"

// FS holds every asset the pages load.
//
//go:embed *.js *.css *.svg
var FS embed.FS
