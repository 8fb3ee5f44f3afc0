package main

import (
	"fmt"
	"io"
)

// cmdPatterns is not built yet; its owner replaces this file.
func cmdPatterns(args []string, stdout, stderr io.Writer) int {
	fmt.Fprintln(stderr, "clusterscope patterns: not built yet")
	return 1
}
