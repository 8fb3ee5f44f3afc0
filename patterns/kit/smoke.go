package kit

import "clusterscope/engine"

// Smoke is what the generic browser smoke test does with a page (one test
// for every live pattern, in web/): it runs the pattern's default setup on the
// server until Ready holds, sends Commands, runs on a little, and checks at
// each point that the page draws what the simulation holds. A page declares
// it so that the test needs no knowledge of the mechanism.
type Smoke struct {
	// Ready is a scenario condition over the pattern's declared facts (the
	// language scenarios' run-until and expect use), e.g. `leader != ""`.
	// The default setup must reach it within a few virtual seconds.
	Ready string
	// Commands are sent once Ready holds, e.g. a client's write. A client
	// request among them must show in the page's history.
	Commands []engine.Command
}
