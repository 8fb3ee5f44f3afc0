package web

import (
	"context"
	"log/slog"
	"sort"
	"sync"
)

// refusals counts what the server turned away, by reason, and logs each
// refusal as one structured line: an operator sees who was refused and why,
// and the admin listener reports the counts.
type refusals struct {
	log *slog.Logger

	mu     sync.Mutex
	counts map[string]int64
}

func newRefusals(log *slog.Logger) *refusals {
	return &refusals{log: log, counts: map[string]int64{}}
}

// note records one refusal. reason is a short stable slug ("sessions-per-ip",
// "rate", "join-code-throttle"...); ip is the client's address; attrs add
// context (pattern, room, limit).
func (r *refusals) note(ctx context.Context, reason, ip string, attrs ...slog.Attr) {
	r.mu.Lock()
	r.counts[reason]++
	r.mu.Unlock()
	all := append([]slog.Attr{slog.String("reason", reason), slog.String("ip", ip)}, attrs...)
	r.log.LogAttrs(ctx, slog.LevelInfo, "refused", all...)
}

// RefusalCount is one reason and how many times it was refused.
type RefusalCount struct {
	Reason string `json:"reason"`
	Count  int64  `json:"count"`
}

// snapshot lists the counts by reason, in name order.
func (r *refusals) snapshot() []RefusalCount {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]RefusalCount, 0, len(r.counts))
	for k, v := range r.counts {
		out = append(out, RefusalCount{k, v})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Reason < out[j].Reason })
	return out
}

// count is how many refusals there were for reason (tests).
func (r *refusals) count(reason string) int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.counts[reason]
}
