package main

import (
	"fmt"
	"io"
)

// cmdRun is not built yet; its owner replaces this file.
func cmdRun(args []string, stdout, stderr io.Writer) int {
	fmt.Fprintln(stderr, "clusterscope run: not built yet")
	return 1
}
