package main

import (
	"fmt"
	"io"
)

// cmdServe is not built yet; its owner replaces this file.
func cmdServe(args []string, stdout, stderr io.Writer) int {
	fmt.Fprintln(stderr, "clusterscope serve: not built yet")
	return 1
}
