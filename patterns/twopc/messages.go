package twopc

import (
	"strconv"
)

// Transfer moves Amount from the account From to the account To; the two
// accounts live on different participants.
type Transfer struct {
	From, To string
	Amount   int
}

func (t Transfer) String() string { return string(t.appendTo(nil)) }

// appendTo writes "B1→C1 30".
func (t Transfer) appendTo(b []byte) []byte {
	b = append(append(append(b, t.From...), "→"...), t.To...)
	return strconv.AppendInt(append(b, ' '), int64(t.Amount), 10)
}

// Update is one participant's share of a transfer: add Delta to Account
// (negative: the debit).
type Update struct {
	Account string
	Delta   int
}

// txnHue colours every message of one transaction alike: the number in
// its name ("T7" → 7).
func txnHue(txn string) int {
	n := 0
	for i := 1; i < len(txn); i++ {
		if c := txn[i]; c >= '0' && c <= '9' {
			n = 10*n + int(c-'0')
		}
	}
	return n
}

// Begin is a client asking the coordinator to run a transfer as
// transaction Txn. A client's retry sends the same Txn: the coordinator
// runs a transaction once and answers every copy.
type Begin struct {
	ID  int // the client's operation id, echoed
	Txn string
	Transfer
}

func (Begin) Kind() string      { return "Begin" }
func (m Begin) Summary() string { return string(m.AppendSummary(nil)) }
func (m Begin) AppendSummary(b []byte) []byte {
	return m.Transfer.appendTo(append(append(b, m.Txn...), ' '))
}
func (m Begin) Hue() int { return txnHue(m.Txn) }

// Outcome tells the client how its transaction ended.
type Outcome struct {
	ID        int
	Txn       string
	Committed bool
	Reason    string // why it aborted
}

func (Outcome) Kind() string      { return "Outcome" }
func (m Outcome) Summary() string { return string(m.AppendSummary(nil)) }
func (m Outcome) AppendSummary(b []byte) []byte {
	b = append(b, m.Txn...)
	if m.Committed {
		return append(b, " committed"...)
	}
	return append(append(b, " aborted: "...), m.Reason...)
}
func (m Outcome) Hue() int { return txnHue(m.Txn) }

// Prepare asks a participant to promise its share of transaction Txn:
// take the write locks of its accounts, log the pending updates and a
// PREPARED marker durably, and vote.
type Prepare struct {
	Txn string
	Transfer
	Updates []Update // this participant's share (never changed after sending)
}

func (Prepare) Kind() string      { return "Prepare" }
func (m Prepare) Summary() string { return string(m.AppendSummary(nil)) }
func (m Prepare) AppendSummary(b []byte) []byte {
	b = append(b, m.Txn...)
	for _, u := range m.Updates {
		b = appendUpdate(append(b, ' '), u)
	}
	return b
}
func (m Prepare) Hue() int { return txnHue(m.Txn) }

// appendUpdate writes "B1-30" or "C1+30".
func appendUpdate(b []byte, u Update) []byte {
	b = append(b, u.Account...)
	if u.Delta >= 0 {
		b = append(b, '+')
	}
	return strconv.AppendInt(b, int64(u.Delta), 10)
}

// Vote is a participant's answer to a Prepare: yes (prepared: it holds
// the locks and has the updates on disk) or no, with the reason.
type Vote struct {
	Txn    string
	Yes    bool
	Reason string
}

func (Vote) Kind() string      { return "Vote" }
func (m Vote) Summary() string { return string(m.AppendSummary(nil)) }
func (m Vote) AppendSummary(b []byte) []byte {
	b = append(b, m.Txn...)
	if m.Yes {
		return append(b, " yes"...)
	}
	return append(append(b, " no: "...), m.Reason...)
}
func (m Vote) Hue() int { return txnHue(m.Txn) }

// Commit is the coordinator's decision to commit Txn, sent to every
// participant (again and again until each acknowledges it).
type Commit struct{ Txn string }

func (Commit) Kind() string                    { return "Commit" }
func (m Commit) Summary() string               { return m.Txn }
func (m Commit) AppendSummary(b []byte) []byte { return append(b, m.Txn...) }
func (m Commit) Hue() int                      { return txnHue(m.Txn) }

// Abort is the decision to roll Txn back.
type Abort struct{ Txn string }

func (Abort) Kind() string                    { return "Abort" }
func (m Abort) Summary() string               { return m.Txn }
func (m Abort) AppendSummary(b []byte) []byte { return append(b, m.Txn...) }
func (m Abort) Hue() int                      { return txnHue(m.Txn) }

// Ack says a participant has the outcome of Txn on its disk: Committed
// (it applied the updates) or not (it rolled them back, or never had
// them). The coordinator stops resending the decision to it.
type Ack struct {
	Txn       string
	Committed bool
}

func (Ack) Kind() string      { return "Ack" }
func (m Ack) Summary() string { return string(m.AppendSummary(nil)) }
func (m Ack) AppendSummary(b []byte) []byte {
	b = append(b, m.Txn...)
	if m.Committed {
		return append(b, " committed"...)
	}
	return append(b, " aborted"...)
}
func (m Ack) Hue() int { return txnHue(m.Txn) }

// Op is a client's transfer as the history records it; Result its
// outcome.
type Op struct {
	Transfer
}

func (o Op) String() string { return string(o.AppendString(nil)) }

// AppendString is String appended to b.
func (o Op) AppendString(b []byte) []byte {
	return o.Transfer.appendTo(append(b, "transfer "...))
}

// Result is how a transfer ended, as the coordinator told the client.
type Result struct {
	Txn       string `json:"txn"`
	Committed bool   `json:"committed"`
	Reason    string `json:"reason,omitempty"`
}

func (r Result) String() string { return string(r.AppendString(nil)) }

// AppendString is String appended to b.
func (r Result) AppendString(b []byte) []byte {
	b = append(append(b, r.Txn...), ' ')
	if r.Committed {
		return append(b, "committed"...)
	}
	return append(append(b, "aborted: "...), r.Reason...)
}
