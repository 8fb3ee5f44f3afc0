package wire

import (
	"fmt"

	"clusterscope/patterns/kit"
)

// intArg reads an integer argument within lo..hi, def when it is missing.
func intArg(args map[string]string, name string, def, lo, hi int) (int, error) {
	if args[name] == "" {
		return def, nil
	}
	return kit.IntArg(args, name, lo, hi)
}

// maxKey and maxValue bound what a visitor sends.
const maxKey, maxValue = 16, 32

// keyArg reads the key of a put or get (x when missing).
func keyArg(args map[string]string) (string, error) {
	k := args["key"]
	if k == "" {
		k = "x"
	}
	if len(k) > maxKey {
		return "", fmt.Errorf("key must be at most %d characters", maxKey)
	}
	if len(args["value"]) > maxValue {
		return "", fmt.Errorf("value must be at most %d characters", maxValue)
	}
	return k, nil
}
