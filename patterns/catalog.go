package patterns

// Tracks are the seven learning tracks, in order.
var Tracks = []Track{
	{ID: "T1", Title: "A durable node", Theme: "survive a crash on one machine"},
	{ID: "T2", Title: "Who is in charge", Theme: "quorums, failure detection, leadership"},
	{ID: "T3", Title: "Agreeing on a log", Theme: "commit, replication, retries, consensus"},
	{ID: "T4", Title: "Fast paths", Theme: "throughput and latency between nodes"},
	{ID: "T5", Title: "Time and versions", Theme: "ordering without a global clock"},
	{ID: "T6", Title: "Partitions and transactions", Theme: "scale out and stay atomic"},
	{ID: "T7", Title: "Cluster management", Theme: "metadata, membership, coordination"},
}

// Track is one learning track.
type Track struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	Theme string `json:"theme"`
}

// catalog lists all 30 patterns in learning order. The intents are our own
// one-line summaries. Live patterns get their Cluster from live().
var catalog = []Pattern{
	{ID: "write-ahead-log", Title: "Write-Ahead Log", Track: "T1", Intent: "Write every change to an append-only log on disk before applying it, so a restart can rebuild the state by replaying the log."},
	{ID: "segmented-log", Title: "Segmented Log", Track: "T1", Intent: "Cut the log into bounded files so recovery, lookups and cleanup deal with small pieces."},
	{ID: "low-water-mark", Title: "Low-Water Mark", Track: "T1", Intent: "Track the index below which the log is no longer needed, because a snapshot covers it, and discard it safely."},
	{ID: "singular-update-queue", Title: "Singular Update Queue", Track: "T1", Intent: "Let one thread own the state and feed it through a queue, so updates keep their order without locks."},
	{ID: "majority-quorum", Title: "Majority Quorum", Track: "T2", Intent: "Count a decision only when more than half the cluster agrees, so two separated groups can never both decide."},
	{ID: "heartbeat", Title: "HeartBeat", Track: "T2", Intent: "Send regular 'still alive' messages and suspect a server whose messages stop arriving for longer than a timeout."},
	{ID: "generation-clock", Title: "Generation Clock", Track: "T2", Intent: "Number each leadership period with a persisted, ever-growing generation so messages from a deposed leader can be recognised and refused."},
	{ID: "leader-and-followers", Title: "Leader and Followers", Track: "T2", Intent: "Elect one server to order the work and have the others follow it, forwarding what they receive."},
	{ID: "high-water-mark", Title: "High-Water Mark", Track: "T3", Intent: "Mark the last log entry known to be on a majority; only what lies below the mark is shown to clients."},
	{ID: "replicated-log", Title: "Replicated Log", Track: "T3", Intent: "Copy one log to every server and agree on each entry, so all servers run the same commands in the same order."},
	{ID: "request-waiting-list", Title: "Request Waiting List", Track: "T3", Intent: "Park a request under its correlation id until enough replies have come back, and expire it when they do not."},
	{ID: "idempotent-receiver", Title: "Idempotent Receiver", Track: "T3", Intent: "Tag each request with client id and number and remember the answer, so a retry is answered instead of run twice."},
	{ID: "paxos", Title: "Paxos", Track: "T3", Intent: "Reach one safe decision through a prepare phase and an accept phase, even when proposers fail half way."},
	{ID: "single-socket-channel", Title: "Single-Socket Channel", Track: "T4", Intent: "Keep one long-lived ordered connection per pair of servers, so requests arrive in the order they were sent."},
	{ID: "request-pipeline", Title: "Request Pipeline", Track: "T4", Intent: "Send several requests without waiting for each reply, with a cap on how many may be outstanding."},
	{ID: "request-batch", Title: "Request Batch", Track: "T4", Intent: "Pack several small requests into one network message to spread the fixed cost of sending."},
	{ID: "follower-reads", Title: "Follower Reads", Track: "T4", Intent: "Let followers answer reads to spare the leader, while guarding against serving data that is too old."},
	{ID: "versioned-value", Title: "Versioned Value", Track: "T5", Intent: "Keep every version of a value instead of overwriting it, so readers can ask for the value as of a version."},
	{ID: "lamport-clock", Title: "Lamport Clock", Track: "T5", Intent: "Tick a counter on every event and take the maximum on every receive, so timestamps respect cause and effect."},
	{ID: "hybrid-clock", Title: "Hybrid Clock", Track: "T5", Intent: "Pair wall-clock time with a logical counter, so timestamps stay monotonic and causal while staying close to real time."},
	{ID: "clock-bound-wait", Title: "Clock-Bound Wait", Track: "T5", Intent: "Wait out the worst clock error before making a timestamped write visible, so timestamp order matches real-time order."},
	{ID: "version-vector", Title: "Version Vector", Track: "T5", Intent: "Keep a counter per server with each value, so replicas can tell ordered updates from concurrent ones."},
	{ID: "fixed-partitions", Title: "Fixed Partitions", Track: "T6", Intent: "Hash keys into a fixed number of partitions and move whole partitions between servers as the cluster grows."},
	{ID: "key-range-partitions", Title: "Key-Range Partitions", Track: "T6", Intent: "Split the sorted key space into ranges, so a range query touches only the partitions that cover it."},
	{ID: "two-phase-commit", Title: "Two-Phase Commit", Track: "T6", Intent: "Update several servers atomically: first every participant promises, then the coordinator decides for all."},
	{ID: "consistent-core", Title: "Consistent Core", Track: "T7", Intent: "Run a small strongly consistent cluster for metadata, so a large cluster can coordinate without running consensus itself."},
	{ID: "lease", Title: "Lease", Track: "T7", Intent: "Grant ownership for a bounded time that ends unless the holder keeps renewing it."},
	{ID: "state-watch", Title: "State Watch", Track: "T7", Intent: "Let clients register interest in keys and push each change to them, resumable without gaps after a reconnect."},
	{ID: "gossip-dissemination", Title: "Gossip Dissemination", Track: "T7", Intent: "Exchange state with a few random peers each round, so news reaches everyone in about log N rounds."},
	{ID: "emergent-leader", Title: "Emergent Leader", Track: "T7", Intent: "Order members by when they joined and let the oldest live one coordinate, without an election."},
}

var all = func() []*Pattern {
	clusters := live()
	out := make([]*Pattern, len(catalog))
	for i := range catalog {
		p := catalog[i]
		p.Cluster = clusters[p.ID]
		out[i] = &p
	}
	return out
}()

// All returns the 30 patterns in learning order. Live ones carry a Cluster.
func All() []*Pattern { return all }

// Live returns the patterns that have a simulation.
func Live() []*Pattern {
	var out []*Pattern
	for _, p := range All() {
		if p.Live() {
			out = append(out, p)
		}
	}
	return out
}
