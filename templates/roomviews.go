package templates

// JoinPage is /join: a form for a room's code, with the reason the last
// code did not work.
type JoinPage struct {
	Code  string
	Error string
}

// FollowPage is /join/{code}: a presenter's run, watched live and read-only.
type FollowPage struct {
	Code      string // as the server keeps it, "K7M3QX"
	Formatted string // as people read it aloud, "K7M-3QX"
	Pattern   PatternPage
}

// EmbedPage is /embed/{pattern}: the cluster and a choice of controls, for
// a frame in someone else's page.
type EmbedPage struct {
	ID       string
	Title    string
	Controls string // "full" or "minimal"
	Autoplay bool
	// Compare opens compare mode (the twin run beside the cluster) at once.
	Compare  bool
	Scenario string
	// Link is the pattern's own page on this server, for "open in clusterscope".
	Link string
}
