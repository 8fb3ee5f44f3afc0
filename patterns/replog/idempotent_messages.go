package replog

// The Idempotent Receiver page's messages, named as in the book.

// RegisterClient asks the leader to open a session; ID is the client's
// correlation id.
type RegisterClient struct{ ID int }

func (RegisterClient) Kind() string      { return "RegisterClient" }
func (m RegisterClient) Summary() string { return summary(m) }
func (m RegisterClient) AppendSummary(b []byte) []byte {
	return appendInt(append(b, '#'), m.ID)
}

// RegisterClientResponse gives the client its session id: the log index
// of its registration.
type RegisterClientResponse struct{ ID, Session int }

func (RegisterClientResponse) Kind() string      { return "RegisterClientResponse" }
func (m RegisterClientResponse) Summary() string { return summary(m) }
func (m RegisterClientResponse) AppendSummary(b []byte) []byte {
	b = appendInt(append(b, '#'), m.ID)
	return appendInt(append(b, " session "...), m.Session)
}

// SessionRequest is a client's command tagged for deduplication:
// (Session, ReqNo) names it, and AckedUpTo tells the server which saved
// responses the client no longer needs.
type SessionRequest struct {
	Session, ReqNo, AckedUpTo int
	Counter                   string // increment this counter
}

func (SessionRequest) Kind() string      { return "ClientRequest" }
func (m SessionRequest) Summary() string { return summary(m) }
func (m SessionRequest) AppendSummary(b []byte) []byte {
	b = appendInt(append(b, 's'), m.Session)
	b = appendInt(append(b, " #"...), m.ReqNo)
	b = append(append(append(b, ' '), m.Counter...), "++ acked "...)
	return appendInt(b, m.AckedUpTo)
}

// ClientResponse answers a RegisterClient (refused only) or a
// SessionRequest: the counter's new value, NotLeader with a hint, or
// Expired (the session is gone: the request was not run now).
type ClientResponse struct {
	ReqNo     int
	Value     string
	NotLeader bool
	Hint      string
	Expired   bool
}

func (ClientResponse) Kind() string      { return "ClientResponse" }
func (m ClientResponse) Summary() string { return summary(m) }
func (m ClientResponse) AppendSummary(b []byte) []byte {
	b = appendInt(append(b, '#'), m.ReqNo)
	switch {
	case m.NotLeader:
		return appendNotLeader(b, m.Hint)
	case m.Expired:
		return append(b, " SessionExpired"...)
	}
	return append(append(b, " ok "...), m.Value...)
}

// ClientHeartbeat keeps a session alive.
type ClientHeartbeat struct{ Session int }

func (ClientHeartbeat) Kind() string      { return "ClientHeartbeat" }
func (m ClientHeartbeat) Summary() string { return summary(m) }
func (m ClientHeartbeat) AppendSummary(b []byte) []byte {
	return appendInt(append(b, 's'), m.Session)
}

// HeartbeatAck: the leader heard the heartbeat (the client then knows
// where to send the next one).
type HeartbeatAck struct{ Session int }

func (HeartbeatAck) Kind() string      { return "HeartbeatAck" }
func (m HeartbeatAck) Summary() string { return summary(m) }
func (m HeartbeatAck) AppendSummary(b []byte) []byte {
	return appendInt(append(b, 's'), m.Session)
}
