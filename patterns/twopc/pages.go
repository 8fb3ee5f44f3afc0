// Package twopc is Two-Phase Commit on a small bank: a coordinator
// (athens) and two to four participants (byzantium, cyrene, delphi,
// ephesus), each owning two accounts (byzantium B1 and B2, cyrene C1 and
// C2...), all starting at 100. Clients (alice, bob) ask the coordinator to
// transfer money from an account on one participant to an account on
// another. The coordinator logs the transaction, asks both participants to
// prepare; each takes the write locks of its account (no-wait: a lock held
// by another transaction is a no vote, not a wait), checks the funds, logs
// its pending update and a PREPARED marker durably, and votes. The
// coordinator logs its decision (commit only if every vote is yes) before
// it sends it, and resends it until every participant acknowledges. A
// prepared participant may not decide alone: crashed and restarted, it
// reloads its PREPARED transactions with their locks and waits, blocked,
// for the coordinator. The broken variant keeps the vote only in memory.
package twopc

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"clusterscope/engine"
	"clusterscope/patterns/kit"
)

// Roles of the processes.
const (
	RoleCoordinator engine.Role = "coordinator"
	RoleParticipant engine.Role = "participant"
)

// VarPreparedNotPersisted is the broken variant.
const VarPreparedNotPersisted = "prepared-not-persisted"

// Actions.
const (
	opTransfer = "transfer"
	actVoteNo  = "vote-no"
	actStopAt  = "stop-at"
)

// Crash points the coordinator can stop at (actStopAt).
const (
	stopAfterVotes    = "after-votes"
	stopAfterDecision = "after-decision"
	stopOff           = "off"
)

// Settings.
const (
	ParamVoteTimeout = "vote-timeout-ms"
	ParamRetry       = "retry-ms"
	ParamHold        = "hold-ms"
	defVoteTimeout   = 300
	defRetry         = 50
	defHold          = 5000
)

// Accounts: each participant owns accountsPer accounts, named by the
// first letter of its name and a number (byzantium: B1, B2), each
// starting with startBalance.
const (
	accountsPer  = 2
	startBalance = 100
	maxAmount    = 1_000_000
)

// Widget titles.
const (
	WLocks  = "locks and balances"
	WTxns   = "transactions"
	WLog    = "transaction log"
	WCoord  = "coordinator"
	WTable  = "transaction table"
	WTotals = "money"
)

var variants = []kit.Variant{
	{Name: VarPreparedNotPersisted, Label: "PREPARED kept only in memory",
		Description: "A participant votes yes without writing its pending updates and the PREPARED marker to disk. Crashed and restarted, it has forgotten the transaction and its locks; when the coordinator's Commit arrives it finds no trace of it, presumes it aborted, and answers so, while the other participant commits: one side of the transfer happens, the other does not."},
}

var settings = []kit.Param{
	{Name: ParamVoteTimeout, Label: "vote timeout (ms): the coordinator aborts a transaction whose votes are not all in by then", Type: kit.ParamInt, Default: strconv.Itoa(defVoteTimeout), Min: 10, Max: 60_000},
	{Name: ParamRetry, Label: "retry interval (ms): the coordinator resends Prepare, Commit or Abort that are not answered", Type: kit.ParamInt, Default: strconv.Itoa(defRetry), Min: 5, Max: 10_000},
	{Name: ParamHold, Label: "hold (ms): how long the coordinator stays stopped at a crash point before it goes on by itself", Type: kit.ParamInt, Default: strconv.Itoa(defHold), Min: 100, Max: 600_000},
}

var actions = []kit.Action{
	{Name: opTransfer, Label: "transfer", Target: kit.TargetClient, Params: []kit.Param{
		{Name: "from", Label: "from account", Type: kit.ParamString, Default: "B1"},
		{Name: "to", Label: "to account", Type: kit.ParamString, Default: "C1"},
		{Name: "amount", Label: "amount", Type: kit.ParamString, Default: "30"},
	}},
	{Name: actVoteNo, Label: "vote no next time", Target: kit.TargetNode},
	{Name: actStopAt, Label: "stop at a crash point (then crash it)", Target: kit.TargetNode, Params: []kit.Param{
		{Name: "point", Label: "stop", Type: kit.ParamChoice, Choices: []string{stopAfterDecision, stopAfterVotes, stopOff}, Default: stopAfterDecision},
	}},
}

// TwoPhaseCommit is the page: a coordinator, two participants by default
// (two to four), two clients.
func TwoPhaseCommit() *kit.Cluster {
	c := &kit.Cluster{
		Roles: []kit.Role{
			{Name: RoleCoordinator, Count: kit.Fixed(1)},
			{Name: RoleParticipant, Names: func(i int) string { return kit.ServerName(i + 1) }},
			{Name: engine.RoleClient, Client: true, Count: kit.Fixed(2)},
		},
		Size: 2, MinNodes: 2, MaxNodes: 4,
		Params:    map[string]int{ParamVoteTimeout: defVoteTimeout, ParamRetry: defRetry, ParamHold: defHold},
		Settings:  settings,
		ParamDocs: settings,
		Variants:  variants,
		Actions:   actions,
		Build: func(cfg engine.Config) engine.Model {
			return engine.Model{NewProcess: newProcess, Invariants: invariants, View: clusterView}
		},
		Emphasis: []string{WTable, WLocks},
		Workload: Workload,
		Settled:  Settled,
		Faults:   faults,

		NodeFacts: nodeFactSource, ClientFacts: clientFactSource, ClusterFacts: clusterFactSource,
		Smoke: kit.Smoke{Ready: `nodes.athens.status == "up"`, Commands: []engine.Command{
			{Kind: engine.CmdClient, Node: "alice", Name: opTransfer, Args: map[string]string{"from": "B1", "to": "C1", "amount": "30"}},
		}},
	}
	c.MustLayout(c.Size)
	return c
}

func newProcess(id string, role engine.Role) engine.Process {
	switch role {
	case engine.RoleClient:
		return newClient(id)
	case RoleCoordinator:
		return newCoordinator(id)
	}
	return newParticipant(id)
}

// accountsOf names participant id's accounts: B1, B2 for byzantium.
func accountsOf(id string) []string {
	out := make([]string, accountsPer)
	for i := range out {
		out[i] = accountName(id, i)
	}
	return out
}

func accountName(id string, i int) string {
	return strings.ToUpper(id[:1]) + strconv.Itoa(i+1)
}

// ownerOf is the participant among parts that owns account ("" none).
func ownerOf(account string, parts []string) string {
	if len(account) < 2 {
		return ""
	}
	n, err := strconv.Atoi(account[1:])
	if err != nil || n < 1 || n > accountsPer {
		return ""
	}
	for _, p := range parts {
		if p == "" {
			continue
		}
		if b, ok := upperInitial(p); ok && b == account[0] {
			return p
		}
	}
	return ""
}

// upperInitial is the first byte of a participant's name, a letter in
// capitals; ok is false when it is not ASCII (strings.ToUpper would make
// it a three-byte replacement character, which no account begins with).
func upperInitial(name string) (b byte, ok bool) {
	b = name[0]
	if 'a' <= b && b <= 'z' {
		b -= 'a' - 'A'
	}
	return b, b < utf8.RuneSelf
}

// allAccounts lists every account of parts, in order.
func allAccounts(parts []string) []string {
	var out []string
	for _, p := range parts {
		out = append(out, accountsOf(p)...)
	}
	return out
}

// checkTransfer reads a transfer's arguments and refuses a bad one: an
// unknown account, two accounts on one participant (a transfer here
// crosses partitions), the same account twice, an amount that is not a
// whole number above zero.
func checkTransfer(args map[string]string, parts []string) (Transfer, error) {
	t := Transfer{From: strings.TrimSpace(args["from"]), To: strings.TrimSpace(args["to"])}
	known := func() string { return strings.Join(allAccounts(parts), ", ") }
	for _, a := range [2]string{t.From, t.To} {
		if a == "" {
			return t, fmt.Errorf("a transfer needs a from and a to account (accounts: %s)", known())
		}
		if parts != nil && ownerOf(a, parts) == "" {
			return t, fmt.Errorf("no account called %q (accounts: %s)", a, known())
		}
	}
	if t.From == t.To {
		return t, fmt.Errorf("from and to are both %s: a transfer moves money between two accounts", t.From)
	}
	if parts != nil && ownerOf(t.From, parts) == ownerOf(t.To, parts) {
		return t, fmt.Errorf("%s and %s are both on %s: a transfer here goes from one participant to another", t.From, t.To, ownerOf(t.From, parts))
	}
	s := strings.TrimSpace(args["amount"])
	n, err := strconv.Atoi(s)
	if err != nil || n <= 0 || n > maxAmount {
		return t, fmt.Errorf("amount must be a whole number from 1 to %d, not %q", maxAmount, s)
	}
	t.Amount = n
	return t, nil
}

// Workload is one random transfer for sweeps: between two random accounts
// on different participants, up to 60, so funds sometimes run short.
func Workload(r *rand.Rand, nodes, clients []string) engine.Command {
	parts := nodes[1:] // the coordinator comes first in the layout
	from := r.IntN(len(parts))
	to := (from + 1 + r.IntN(len(parts)-1)) % len(parts)
	return engine.Command{Kind: engine.CmdClient, Node: clients[r.IntN(len(clients))], Name: opTransfer,
		Args: map[string]string{
			"from":   accountName(parts[from], r.IntN(accountsPer)),
			"to":     accountName(parts[to], r.IntN(accountsPer)),
			"amount": strconv.Itoa(1 + r.IntN(60)),
		}}
}

func ms(n int) time.Duration { return time.Duration(n) * time.Millisecond }
