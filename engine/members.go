package engine

import (
	"fmt"
	"slices"
	"sort"
)

// Role is what a process is for in its pattern: a pattern declares its own
// ("coordinator", "participant", "core", "data"); these two are the
// defaults of a config that names none.
type Role string

const (
	RoleNode   Role = "node"
	RoleClient Role = "client"
)

// members rebuilds the sorted list of server members that Env.Peers hands
// out: it changes only on join and leave, and processes read it often.
func (s *Sim) members() {
	s.peers = s.peers[:0]
	for _, id := range s.nodeIDs {
		if s.byID[id].status.member() {
			s.peers = append(s.peers, id)
		}
	}
}

// membersOf lists the members (server or client) with the given role,
// sorted by name. Invariants ask after every step, so each role's list is
// kept until a process boots or stops (roles never change); the slice is
// shared and clipped, so a caller's append copies it.
func (s *Sim) membersOf(role Role) []string {
	for _, m := range s.roleMembers {
		if m.role == role {
			return m.ids
		}
	}
	var out []string
	for _, p := range s.procs {
		if p.role == role && p.status.member() {
			out = append(out, p.id)
		}
	}
	sort.Strings(out)
	out = out[:len(out):len(out)]
	s.roleMembers = append(s.roleMembers, roleList{role, out})
	return out
}

// roleList is the members of one role, as membersOf found them.
type roleList struct {
	role Role
	ids  []string
}

// membershipChanged forgets the role lists: a process booted or stopped.
func (s *Sim) membershipChanged() { s.roleMembers = s.roleMembers[:0] }

// join boots a standby process, or one that left, into the cluster.
func (s *Sim) join(p *proc) error {
	if p.client {
		return fmt.Errorf("join: %s is a client; clients are always there", p.id)
	}
	if p.status.member() {
		return fmt.Errorf("join: %s is already in the cluster (%s)", p.id, p.status)
	}
	s.emit(TraceEvent{Kind: TrCommand, Node: p.id, Text: Command{Kind: CmdJoin, Node: p.id}.String()})
	s.boot(p)
	s.members()
	return nil
}

// leave takes a member out of the cluster: its process stops (volatile
// state, timers and inbound messages go, as in a crash) but its disk stays,
// so a later join boots it from there. Messages sent to it are lost until
// then.
func (s *Sim) leave(p *proc) error {
	if p.client {
		return fmt.Errorf("leave: %s is a client; clients cannot leave", p.id)
	}
	if !p.status.member() {
		return fmt.Errorf("leave: %s is not in the cluster (%s)", p.id, p.status)
	}
	s.emit(TraceEvent{Kind: TrCommand, Node: p.id, Text: Command{Kind: CmdLeave, Node: p.id}.String()})
	s.stop(p, StatusLeft)
	for _, m := range s.messagesTo(p) {
		s.lose(m, p.id+" left")
	}
	s.members()
	return nil
}

// stop discards a process's volatile life: its object, timers and what
// waited for it while paused.
func (s *Sim) stop(p *proc, to Status) {
	p.status = to
	s.membershipChanged()
	for _, t := range p.timers.all() {
		t.armed, t.held, t.evSeq = false, false, 0
		if t.fsync != nil || t.work {
			s.cancelTimer(p, t.name) // an fsync in flight dies with the process
		}
	}
	p.held = nil
	p.busy = ""
	p.p = nil
	s.dropConns(p)
}

// checkParam refuses a setting the model does not declare, or a value out
// of its range, when the model declares its settings.
func (s *Sim) checkParam(name string, v int) error {
	if s.model.Params == nil {
		return nil
	}
	i := slices.IndexFunc(s.model.Params, func(r ParamRange) bool { return r.Name == name })
	if i < 0 {
		names := make([]string, len(s.model.Params))
		for j, r := range s.model.Params {
			names[j] = r.Name
		}
		sort.Strings(names)
		return fmt.Errorf("param: no setting %q (there are: %v)", name, names)
	}
	if r := s.model.Params[i]; v < r.Min || v > r.Max {
		return fmt.Errorf("param: %s must be %d..%d, not %d", name, r.Min, r.Max, v)
	}
	return nil
}

// checkCombination asks the model whether the settings, with name set to v
// (none when name is ""), fit together.
func (s *Sim) checkCombination(name string, v int) error {
	if s.model.CheckParams == nil {
		return nil
	}
	params := make(map[string]int, len(s.params)+1)
	for k, x := range s.params {
		params[k] = x
	}
	if name != "" {
		params[name] = v
	}
	if err := s.model.CheckParams(params); err != nil {
		return fmt.Errorf("param: %w", err)
	}
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
