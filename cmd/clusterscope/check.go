package main

import (
	"fmt"
	"io"
)

// cmdCheck is not built yet; its owner replaces this file.
func cmdCheck(args []string, stdout, stderr io.Writer) int {
	fmt.Fprintln(stderr, "clusterscope check: not built yet")
	return 1
}
