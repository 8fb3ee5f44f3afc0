package keyrange

import "strconv"

// Op is a put or a get as the history records it (a kit.KVInput, checked
// by porcupine key by key).
type Op struct {
	Kind  string `json:"kind"` // opPut or opGet
	Key   string `json:"key"`
	Value string `json:"value,omitempty"`
}

func (o Op) String() string { return string(o.AppendString(nil)) }

// AppendString appends String's text (engine.StringAppender).
func (o Op) AppendString(b []byte) []byte {
	if o.Kind == opPut {
		return append(append(append(append(b, "put "...), o.Key...), '='), o.Value...)
	}
	return append(append(b, "get "...), o.Key...)
}

func (o Op) KVKey() string           { return o.Key }
func (o Op) KVWrite() (string, bool) { return o.Value, o.Kind == opPut }

// Result is a put's or a get's answer.
type Result struct {
	Value string `json:"value,omitempty"`
	Found bool   `json:"found,omitempty"`
	Read  bool   `json:"read,omitempty"`
}

func (r Result) KVRead() string { return r.Value }
func (r Result) String() string { return string(r.AppendString(nil)) }
func (r Result) AppendString(b []byte) []byte {
	switch {
	case !r.Read:
		return append(b, "ok"...)
	case !r.Found:
		return append(b, "not found"...)
	}
	return strconv.AppendQuote(b, r.Value)
}

// ScanOp is a range scan of [Start, End) ("" End: to the end). It is not
// a kit.KVInput: porcupine checks puts and gets, and the scan check
// (scansSeeEveryKeyOnce) judges scans.
type ScanOp struct {
	Start string `json:"start"`
	End   string `json:"end"`
}

func (s ScanOp) String() string { return string(s.AppendString(nil)) }

// AppendString appends String's text.
func (s ScanOp) AppendString(b []byte) []byte {
	return appendBounds(append(b, "scan "...), s.Start, s.End)
}

// ScanResult is a scan's keys in order, merged from every range asked.
type ScanResult struct {
	Pairs  []KV `json:"pairs"`
	Ranges int  `json:"ranges"` // how many range requests answered it
}

func (r ScanResult) String() string { return string(r.AppendString(nil)) }

// AppendString appends String's text: the keys found, and the ranges asked.
func (r ScanResult) AppendString(b []byte) []byte {
	for i, p := range r.Pairs {
		if i > 0 {
			b = append(b, ' ')
		}
		b = append(b, p.Key...)
	}
	if len(r.Pairs) == 0 {
		b = append(b, "nothing"...)
	}
	b = strconv.AppendInt(append(b, " ("...), int64(r.Ranges), 10)
	if r.Ranges == 1 {
		return append(b, " range)"...)
	}
	return append(b, " ranges)"...)
}
