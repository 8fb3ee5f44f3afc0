package web

import (
	"bufio"
	"bytes"
	"context"
	"crypto/subtle"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"log/slog"
	"net/http"
	"sort"
	"strconv"
	"time"

	"clusterscope/engine"
	"clusterscope/patterns"
	"clusterscope/patterns/kit"
	"clusterscope/web/lincheck"

	"github.com/go-chi/chi/v5"
)

// Exports of a run, for reading offline: the trace (documented in
// docs/trace-schema.md, JSON Schema at /schema/trace.json) and the client
// history in a form porcupine (or any checker) can read back.

//go:embed trace.schema.json
var traceSchema []byte

// TraceFormat names the export; the version changes when a field changes
// meaning (adding a field does not).
const (
	TraceFormat   = "clusterscope-trace"
	HistoryFormat = "clusterscope-history"
	ExportVersion = 1
	// maxExportEvents bounds one trace download; a longer run says where
	// its events start (eventsFrom) and how many there are (eventsTotal).
	maxExportEvents = 200_000
)

// traceDoc is the trace export.
type traceDoc struct {
	Format      string                 `json:"format"`
	Version     int                    `json:"version"`
	Pattern     string                 `json:"pattern"`
	Title       string                 `json:"title"`
	Seed        uint64                 `json:"seed"`
	Nodes       []string               `json:"nodes"`
	Clients     []string               `json:"clients"`
	Variants    []string               `json:"variants"`
	Step        int                    `json:"step"`
	Time        int64                  `json:"time"`
	Log         []engine.LoggedCommand `json:"log"`
	Invariants  []invariantMeta        `json:"invariants"`
	EventsFrom  int                    `json:"eventsFrom"`
	EventsTotal int                    `json:"eventsTotal"`
	Events      []engine.TraceEvent    `json:"events"`
	Violations  []engine.Violation     `json:"violations"`
	History     []engine.Operation     `json:"history"`
	Traffic     engine.TrafficView     `json:"traffic"`
}

// newTraceDoc reads a run for export: the events from seq since on (at most
// maxExportEvents of them, the latest when there are more). It only reads
// the Sim; call it from the session's goroutine.
func newTraceDoc(p *patterns.Pattern, sim *engine.Sim, since int) traceDoc {
	cfg := sim.Config()
	tr := sim.Trace()
	total := tr.Len()
	if since < 0 {
		since = 0
	}
	if total-since > maxExportEvents {
		since = total - maxExportEvents
	}
	d := traceDoc{
		Format: TraceFormat, Version: ExportVersion, Pattern: p.ID, Title: p.Title, Seed: cfg.Seed,
		Nodes: nonNil(cfg.Nodes), Clients: nonNil(cfg.Clients), Variants: nonNil(sortedTrue(cfg.Variants)),
		Step: sim.StepCount(), Time: sim.Now().Microseconds(),
		Log: append([]engine.LoggedCommand{}, sim.Log()...), EventsFrom: min(since, total), EventsTotal: total,
		Events:     tr.Since(since),
		Violations: append([]engine.Violation{}, sim.Violations()...),
		History:    append([]engine.Operation{}, sim.History()...),
		Traffic:    sim.World().Traffic(),
	}
	for _, inv := range sim.Invariants() {
		d.Invariants = append(d.Invariants, invariantMeta{Name: inv.Name, Description: inv.Description})
	}
	if d.Events == nil {
		d.Events = []engine.TraceEvent{}
	}
	if d.Invariants == nil {
		d.Invariants = []invariantMeta{}
	}
	return d
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// historyDoc is the client history for offline checking. Times are virtual
// µs; an operation whose outcome is unknown (timed out or still pending)
// has no return and no output: a checker must let it take effect at any
// point after its call, or never (porcupine: return = +∞, output nil).
type historyDoc struct {
	Format     string           `json:"format"`
	Version    int              `json:"version"`
	Pattern    string           `json:"pattern"`
	Seed       uint64           `json:"seed"`
	Step       int              `json:"step"`
	Clients    []string         `json:"clients"`
	Operations []historyOp      `json:"operations"`
	Verdict    lincheck.Verdict `json:"verdict"`
	// Checks are the pattern's named history checks (read-your-writes,
	// monotonic reads...), a verdict each, in the order it declares them.
	Checks []checkVerdict `json:"checks"`
}

type checkVerdict struct {
	kit.Verdict
	Doc string `json:"doc"` // the promise checked, for the page's tooltip
}

type historyOp struct {
	ID       int             `json:"id"`
	Client   string          `json:"client"`
	ClientID int             `json:"clientId"` // porcupine's ClientId: index of Client in clients
	Input    any             `json:"input"`
	Output   any             `json:"output,omitempty"`
	Call     int64           `json:"call"`
	Return   *int64          `json:"return,omitempty"`
	Status   engine.OpStatus `json:"status"`
}

// historyCopy is what the session goroutine hands out: the check itself
// runs outside it, so a long check never stalls the run.
type historyCopy struct {
	pattern *patterns.Pattern
	cluster *kit.Cluster // of the run's setup
	seed    uint64
	step    int
	ops     []engine.Operation
}

func copyHistory(p *patterns.Pattern, sim *engine.Sim) historyCopy {
	c, err := p.ClusterOf(sim.Config())
	if err != nil {
		c = p.Cluster
	}
	return historyCopy{pattern: p, cluster: c, seed: sim.Config().Seed, step: sim.StepCount(), ops: append([]engine.Operation(nil), sim.History()...)}
}

func (h historyCopy) check(timeout time.Duration) lincheck.Verdict {
	return lincheck.Check(h.cluster.Porcupine, h.ops, timeout)
}

func (h historyCopy) doc(v lincheck.Verdict) historyDoc {
	d := historyDoc{Format: HistoryFormat, Version: ExportVersion, Pattern: h.pattern.ID, Seed: h.seed, Step: h.step,
		Clients: []string{}, Operations: []historyOp{}, Verdict: v, Checks: []checkVerdict{}}
	for i, cv := range h.cluster.CheckHistory(h.ops) {
		d.Checks = append(d.Checks, checkVerdict{cv, h.cluster.HistoryChecks[i].Doc})
	}
	ids := map[string]int{}
	for _, op := range h.ops {
		if _, ok := ids[op.Client]; !ok {
			ids[op.Client] = 0
			d.Clients = append(d.Clients, op.Client)
		}
	}
	sort.Strings(d.Clients) // the numbering kit.PorcupineOps uses
	for i, c := range d.Clients {
		ids[c] = i
	}
	for _, op := range h.ops {
		o := historyOp{ID: op.ID, Client: op.Client, ClientID: ids[op.Client], Input: op.Input, Call: op.Call, Status: op.Status}
		if o.Status == engine.OpPending {
			o.Status = "pending"
		}
		if op.Status == engine.OpOK || op.Status == engine.OpFail {
			r := op.Return
			o.Return, o.Output = &r, op.Output
		}
		d.Operations = append(d.Operations, o)
	}
	return d
}

func marshalIndent(v any) []byte {
	b, err := json.MarshalIndent(v, "", " ")
	if err != nil {
		return mustJSON(map[string]string{"error": err.Error()})
	}
	return append(b, '\n')
}

// ---- HTTP ----

// exportRoutes serves a live session's exports and the trace schema. An
// export URL carries the session id and the export key that only the run's
// own page receives (in its snapshots): a follower or anyone who saw the id
// cannot download the run.
func (s *Server) exportRoutes(r chi.Router) {
	r.Get("/schema/trace.json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/schema+json")
		w.Header().Set("Cache-Control", "no-cache")
		w.Write(traceSchema)
	})
	r.Get("/session/{id}/trace.json", s.handleTraceExport)
	r.Get("/session/{id}/history.json", s.handleHistoryExport)
	r.Get("/session/{id}/history.html", s.handleHistoryHTML)
}

// errNoSession answers a request for a session that has ended.
var errNoSession = errors.New("no such run (it ended, or the link is old): reload the pattern page")

// query runs f on the session's goroutine, which owns the Sim.
func (sess *session) query(ctx context.Context, f func()) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	done := make(chan struct{})
	ran := false // f returned rather than panicked (the session then ends)
	select {
	case sess.queryC <- func() { defer close(done); f(); ran = true }:
	case <-sess.done:
		return errNoSession
	case <-ctx.Done():
		return errors.New("the run is busy; try again")
	}
	select {
	case <-done:
		if !ran {
			return errors.New("the simulation failed while answering; this run has ended")
		}
		return nil
	case <-sess.done:
		return errNoSession
	}
}

// exportSession finds the session of an export request, checks its export
// key, and takes one of the server's export slots until the request ends
// (a few at a time: a long run's trace is large to read and write).
func (s *Server) exportSession(w http.ResponseWriter, r *http.Request) *session {
	sess := s.hub.get(chi.URLParam(r, "id"))
	if sess == nil {
		jsonError(w, http.StatusNotFound, errNoSession)
		return nil
	}
	ip := clientIP(r)
	if key := r.URL.Query().Get("key"); subtle.ConstantTimeCompare([]byte(key), []byte(sess.exportKey)) != 1 {
		s.refused.note(r.Context(), "export-key", ip, slog.String("path", r.URL.Path))
		jsonError(w, http.StatusForbidden, errors.New("this export link lacks the run's key: use the export links on the run's own page"))
		return nil
	}
	if !s.hub.exports.try() {
		s.refused.note(r.Context(), "exports-busy", ip, slog.String("path", r.URL.Path))
		w.Header().Set("Retry-After", "5")
		jsonError(w, http.StatusTooManyRequests, errors.New("the server is writing other exports right now; try again in a few seconds"))
		return nil
	}
	// The request's context ends when its handler returns (or the client
	// leaves): the slot is held while the export is written.
	context.AfterFunc(r.Context(), s.hub.exports.release)
	return sess
}

func jsonError(w http.ResponseWriter, status int, err error) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(mustJSON(map[string]string{"error": err.Error()}))
}

func writeJSON(w http.ResponseWriter, body []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.Write(body)
}

func (s *Server) handleTraceExport(w http.ResponseWriter, r *http.Request) {
	sess := s.exportSession(w, r)
	if sess == nil {
		return
	}
	since := 0
	if v := r.URL.Query().Get("since"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			jsonError(w, http.StatusBadRequest, fmt.Errorf("since must be a whole number ≥ 0, not %s", quote(v)))
			return
		}
		since = n
	}
	var doc traceDoc
	if err := sess.query(r.Context(), func() { doc = newTraceDoc(sess.pat, sess.sim, since) }); err != nil {
		jsonError(w, http.StatusGone, err)
		return
	}
	// Encoding happens here, off the session's goroutine, one event at a
	// time straight to the client: a long run's trace is never held whole
	// as JSON.
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	bw := bufio.NewWriterSize(w, 32<<10)
	if err := writeTraceDoc(bw, doc); err == nil {
		bw.Flush()
	}
}

// eventsMarker is where the events go in the indented document.
const eventsMarker = "\n \"events\": null"

// writeTraceDoc writes d as marshalIndent would lay out its header, with
// the events one a line; it stops at the first write error (the client
// left).
func writeTraceDoc(w io.Writer, d traceDoc) error {
	events := d.Events
	d.Events = nil
	head := marshalIndent(d)
	before, after, ok := bytes.Cut(head, []byte(eventsMarker))
	if !ok { // cannot happen: the field is always there
		return errors.New("trace export: no events field")
	}
	if _, err := w.Write(append(before, "\n \"events\": ["...)); err != nil {
		return err
	}
	for i := range events {
		sep := ",\n  "
		if i == 0 {
			sep = "\n  "
		}
		if _, err := io.WriteString(w, sep); err != nil {
			return err
		}
		if _, err := w.Write(mustJSON(&events[i])); err != nil {
			return err
		}
	}
	if len(events) > 0 {
		if _, err := io.WriteString(w, "\n "); err != nil {
			return err
		}
	}
	_, err := w.Write(append([]byte("]"), after...))
	return err
}

// historyCheck copies the history on the session goroutine and checks it
// on this one, bounded by lincheck.DefaultTimeout.
func (s *Server) historyCheck(w http.ResponseWriter, r *http.Request) (historyCopy, lincheck.Verdict, bool) {
	sess := s.exportSession(w, r)
	if sess == nil {
		return historyCopy{}, lincheck.Verdict{}, false
	}
	var h historyCopy
	if err := sess.query(r.Context(), func() { h = copyHistory(sess.pat, sess.sim) }); err != nil {
		jsonError(w, http.StatusGone, err)
		return h, lincheck.Verdict{}, false
	}
	return h, h.check(lincheck.DefaultTimeout), true
}

func (s *Server) handleHistoryExport(w http.ResponseWriter, r *http.Request) {
	if h, v, ok := s.historyCheck(w, r); ok {
		writeJSON(w, marshalIndent(h.doc(v)))
	}
}

// handleHistoryHTML serves porcupine's own visualization. Its page runs
// inline scripts, so it gets a sandboxed policy of its own: it runs in an
// opaque origin and can reach nothing of ours.
func (s *Server) handleHistoryHTML(w http.ResponseWriter, r *http.Request) {
	_, v, ok := s.historyCheck(w, r)
	if !ok {
		return
	}
	page, err := v.HTML()
	if err != nil {
		jsonError(w, http.StatusInternalServerError, err)
		return
	}
	if page == nil {
		page = []byte("<!doctype html><meta charset=utf-8><title>No history</title><p>" + html.EscapeString(v.Text) + "</p>")
	}
	w.Header().Set("Content-Security-Policy", "sandbox allow-scripts; default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:")
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Write(page)
}
