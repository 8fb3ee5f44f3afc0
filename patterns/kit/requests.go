package kit

import (
	"fmt"
	"slices"
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
