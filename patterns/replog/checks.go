package replog

import "clusterscope/patterns/kit"

// The cluster's client history, as the kit's key-value checks read it.

func (in KVInput) KVKey() string { return in.Key }

func (in KVInput) KVWrite() (string, bool) { return in.Value, in.Op == opPut }

func (out KVOutput) KVRead() string { return out.Value }

// historyChecks are judged on every page beside linearizability: both follow
// from it, but each names a promise a learner can check by eye, and a
// broken variant that breaks one shows which.
var historyChecks = []kit.HistoryCheck{kit.ReadYourWrites, kit.MonotonicReads}
