package wire

import (
	"time"

	"clusterscope/engine"
)

// The offered load: a client's application makes requests at random
// moments, load-per-s of them a second on average, so a page opened and
// played shows the window or the batches at work without a click. Stories
// that drive the clients themselves set it to 0.
const loadTimer = "load"

// scheduleLoad sets the timer for the next offered request.
func scheduleLoad(env engine.Env) {
	rate := env.Param(ParamLoad, defLoad)
	if rate <= 0 {
		// Look again later: the learner may turn the load up.
		env.SetTimer(loadTimer, samplePeriod)
		return
	}
	gap := time.Duration(env.Rand().ExpFloat64() * float64(time.Second) / float64(rate))
	env.SetTimer(loadTimer, max(gap, time.Microsecond))
}

// offering says whether the load offers a request now (it may have been
// turned to 0 since the timer was set).
func offering(env engine.Env) bool { return env.Param(ParamLoad, defLoad) > 0 }
