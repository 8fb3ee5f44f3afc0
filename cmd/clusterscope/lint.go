package main

import (
	"fmt"
	"io"
)

// cmdLint is not built yet; its owner replaces this file.
func cmdLint(args []string, stdout, stderr io.Writer) int {
	fmt.Fprintln(stderr, "clusterscope lint: not built yet")
	return 1
}
