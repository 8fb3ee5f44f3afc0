package web

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"

	"clusterscope/engine"
)

// The command log travels in the page URL as base64url (no padding) of the
// compact JSON list of engine.LoggedCommand, so reloading or sharing a link
// replays the same run.

const (
	maxLogChars   = 48 << 10
	maxLogEntries = 5000
)

func encodeLog(log []engine.LoggedCommand) string {
	if len(log) == 0 {
		return ""
	}
	b, err := json.Marshal(log)
	if err != nil {
		return ""
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeLog(s string) ([]engine.LoggedCommand, error) {
	if s == "" {
		return nil, nil
	}
	if len(s) > maxLogChars {
		return nil, fmt.Errorf("the command log in the link is too long (%d characters, at most %d)", len(s), maxLogChars)
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, errors.New("the command log in the link is not valid base64url")
	}
	var log []engine.LoggedCommand
	if err := json.Unmarshal(b, &log); err != nil {
		return nil, fmt.Errorf("the command log in the link is not a list of commands: %v", err)
	}
	if len(log) > maxLogEntries {
		return nil, fmt.Errorf("the command log in the link has %d commands, at most %d", len(log), maxLogEntries)
	}
	for i := 1; i < len(log); i++ {
		if log[i].Step < log[i-1].Step {
			return nil, fmt.Errorf("the command log in the link goes back in time at command %d", i+1)
		}
	}
	return log, nil
}
