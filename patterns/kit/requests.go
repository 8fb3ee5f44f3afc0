package kit

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Checks a client's ValidateRequest shares: what a visitor types into a
// request reaches the cluster only within bounds, and a request sent to a
// node that does not exist is refused with the names that do.

// CheckKey refuses an empty key or one longer than max.
func CheckKey(key string, max int) error {
	if key == "" || len(key) > max {
		return fmt.Errorf("key must be 1..%d characters, not %q", max, key)
	}
	return nil
}

// CheckTarget refuses node (when set) unless it is one of the nodes a
// client may send to; what names them in the message ("server",
// "proposer"). Before the client has started, nodes is nil and anything
// passes: the engine refuses unknown processes itself.
func CheckTarget(node string, nodes []string, what string) error {
	if node == "" || nodes == nil || slices.Contains(nodes, node) {
		return nil
	}
	return fmt.Errorf("no %s called %q (%ss: %s)", what, node, what, strings.Join(nodes, ", "))
}

// IntArg reads a whole-number argument of a request within lo..hi; a
// missing one is an error (a caller with a default checks for it first).
func IntArg(args map[string]string, name string, lo, hi int) (int, error) {
	s := args[name]
	if s == "" {
		return 0, fmt.Errorf("%s is missing", name)
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		return 0, fmt.Errorf("%s must be a whole number within %d..%d, not %q", name, lo, hi, s)
	}
	return n, nil
}
