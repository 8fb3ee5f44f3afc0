// Package sweeptest sizes the seed sweeps of tests, so that every pattern's
// sweep costs the same in `make test` and all of them run long under
// `make sweep`.
package sweeptest

import (
	"os"
	"strconv"
	"testing"
)

// SeedsEnv names the environment variable that sets how many seeds a test's
// sweep runs (`make sweep` sets it to the full count).
const SeedsEnv = "CLUSTERSCOPE_SEEDS"

// Default is the seeds of a sweep in `make test`, and Short under -short
// (`make race`): a few seconds per pattern on two busy cores.
const (
	Default = 200
	Short   = 50
)

// Seeds is how many seeds a test's sweep runs: $CLUSTERSCOPE_SEEDS when set,
// else Short under -short, else Default. A value that is not a positive
// integer fails the test rather than silently sweeping the default.
func Seeds(tb testing.TB) int {
	tb.Helper()
	if s := os.Getenv(SeedsEnv); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			tb.Fatalf("%s=%q: want a positive number of seeds", SeedsEnv, s)
		}
		return n
	}
	if testing.Short() {
		return Short
	}
	return Default
}
