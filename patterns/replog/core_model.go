package replog

import (
	"strconv"

	"github.com/anishathalye/porcupine"
)

// CoreInput is an operation on the core as the history records it: a
// client's or a data node's request, or the leader's expiry of a lease
// (recorded by the leader that proposes it, completed by the leader that
// applies it).
type CoreInput struct {
	Op       string `json:"op"`
	Key      string `json:"key,omitempty"`
	Value    string `json:"value,omitempty"`
	Expected string `json:"expected,omitempty"`
	Lease    int    `json:"lease,omitempty"`
	TTL      int    `json:"ttl,omitempty"` // a grant's time to live (ms)
}

func (in CoreInput) String() string {
	switch in.Op {
	case coreGet:
		return "get " + in.Key
	case corePrefix:
		return "get " + in.Key + "*"
	case coreGrant:
		return "lease for " + in.Key
	case coreExpire:
		return "expire lease " + strconv.Itoa(in.Lease)
	case coreDelete:
		return "delete " + in.Key
	case coreCAS:
		s := "cas " + in.Key + " " + quoteEmpty(in.Expected) + "→" + in.Value
		if in.Lease > 0 {
			s += " lease " + strconv.Itoa(in.Lease)
		}
		return s
	}
	s := "set " + in.Key + "=" + in.Value
	if in.Lease > 0 {
		s += " lease " + strconv.Itoa(in.Lease)
	}
	return s
}

// CoreOutput is a completed operation's result.
type CoreOutput struct {
	OK    bool   `json:"ok"`
	Value string `json:"value,omitempty"`
	Lease int    `json:"lease,omitempty"`
	Err   string `json:"err,omitempty"`
}

func (out CoreOutput) String() string {
	switch {
	case out.Err != "":
		return "refused: " + out.Err
	case !out.OK:
		return "failed, holds " + quoteEmpty(out.Value)
	case out.Lease > 0:
		return strconv.Quote(out.Value) + " lease " + strconv.Itoa(out.Lease)
	}
	return strconv.Quote(out.Value)
}

// replyText is an outcome as a client's panel and porcupine's page word
// it: a grant's lease, a write's ok, a read's value.
func replyText(in CoreInput, out CoreOutput) string {
	switch {
	case out.Err != "" || !out.OK:
		return out.String()
	case in.Op == coreGrant:
		return "lease " + strconv.Itoa(out.Lease)
	case in.Op == coreSet || in.Op == coreCAS || in.Op == coreExpire || in.Op == coreDelete:
		if out.Value != "" {
			return "ok, deleted " + out.Value
		}
		return "ok"
	}
	return out.String()
}

// coreKeyState is what the model knows of one key: its value and the
// lease it is attached to.
type coreKeyState struct {
	value string
	lease int
}

// CoreModel is the porcupine model of the core's tree, split by key: get,
// set and compare-and-set of that key, and the expiry of every lease the
// key was ever attached to (an expiry deletes the key only if it is still
// attached to that lease). Prefix reads span keys and lease grants touch
// none, so the model leaves them out. A write refused for a missing lease
// changed nothing. Reads that never got an answer are left out.
var CoreModel = porcupine.Model{
	Partition: func(history []porcupine.Operation) [][]porcupine.Operation {
		leaseKeys := map[int][]string{}
		for _, op := range history {
			in := op.Input.(CoreInput)
			if (in.Op == coreSet || in.Op == coreCAS) && in.Lease > 0 {
				leaseKeys[in.Lease] = append(leaseKeys[in.Lease], in.Key)
			}
		}
		byKey := map[string][]porcupine.Operation{}
		var keys []string
		add := func(k string, op porcupine.Operation) {
			if _, ok := byKey[k]; !ok {
				keys = append(keys, k)
			}
			byKey[k] = append(byKey[k], op)
		}
		for _, op := range history {
			in := op.Input.(CoreInput)
			switch in.Op {
			case coreGet:
				// A read with no answer matches any state and constrains
				// nothing, but each one multiplies the orders porcupine
				// tries: with two dozen data nodes cut off, that stalled it.
				if op.Output != nil {
					add(in.Key, op)
				}
			case coreSet, coreCAS:
				add(in.Key, op)
			case coreExpire:
				seen := map[string]bool{}
				for _, k := range leaseKeys[in.Lease] {
					if !seen[k] {
						seen[k] = true
						add(k, op)
					}
				}
			}
		}
		out := make([][]porcupine.Operation, 0, len(keys))
		for _, k := range keys {
			out = append(out, byKey[k])
		}
		return out
	},
	Init: func() any { return coreKeyState{} },
	Step: func(state, input, output any) (bool, any) {
		st, in := state.(coreKeyState), input.(CoreInput)
		out, known := output.(CoreOutput)
		switch in.Op {
		case coreGet:
			return !known || out.Value == st.value, st
		case coreSet:
			if known && !out.OK {
				return true, st
			}
			return true, coreKeyState{in.Value, in.Lease}
		case coreCAS:
			match := st.value == in.Expected
			next := st
			if match {
				next = coreKeyState{in.Value, in.Lease}
			}
			switch {
			case !known:
				return true, next
			case out.Err != "":
				return true, st
			case out.OK:
				return match, next
			}
			return !match && out.Value == st.value, st
		case coreExpire:
			if st.lease == in.Lease {
				return true, coreKeyState{}
			}
			return true, st
		}
		return true, st
	},
	DescribeOperation: func(input, output any) string {
		if out, ok := output.(CoreOutput); ok {
			return input.(CoreInput).String() + " → " + replyText(input.(CoreInput), out)
		}
		return input.(CoreInput).String() + " → ?"
	},
	DescribeState: func(state any) string {
		st := state.(coreKeyState)
		if st.lease > 0 {
			return strconv.Quote(st.value) + " lease " + strconv.Itoa(st.lease)
		}
		return strconv.Quote(st.value)
	},
}
