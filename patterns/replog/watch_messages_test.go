package replog

import "testing"

// Each watch message reads as the event log and the space-time diagram
// show it.
func TestWatchMessageSummaries(t *testing.T) {
	for _, tc := range []struct {
		got, want string
	}{
		{ReadPrefix{Prefix: "/servers/"}.Summary(), "/servers/"},
		{PrefixState{Prefix: "/servers/", Index: 12, Pairs: []string{"/servers/a=up", "/servers/b=up"}}.Summary(), "/servers/ at index 12: 2"},
		{Watch{Prefix: "/servers/", FromIndex: 13}.Summary(), "/servers/ from 13"},
		{Watch{Prefix: "/servers/", Once: true}.Summary(), "/servers/ from now once"},
		{WatchAck{Prefix: "/servers/", From: 13}.Summary(), "/servers/ from 13"},
		{WatchEvent{Index: 27, Changes: []KeyChange{{Key: "/servers/funchal", Type: changeDelete}, {Key: "/servers/gades", Type: changeSet, Value: "up"}}}.Summary(), "#27 DELETE /servers/funchal, SET /servers/gades=up"},
		{HistoryCompacted{Prefix: "/servers/", Oldest: 30}.Summary(), "/servers/ oldest 30"},
		{WatchPong{Seq: 4, Applied: 31}.Summary(), "#4 applied 31"},
		{CoreRequest{ID: 3, Op: coreDelete, Key: "/servers/gades"}.Summary(), "#3 delete /servers/gades"},
	} {
		if tc.got != tc.want {
			t.Errorf("summary %q, want %q", tc.got, tc.want)
		}
	}
}
