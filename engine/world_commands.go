package engine

// Commands is the command log so far, as World sees it: a checker can tell
// whether anything but client requests came from outside (a fault, a
// partition, a clock skew) before judging timing properties such as "no
// false suspicion while the network is within bounds". The slice must not be
// modified.
func (w *World) Commands() []LoggedCommand { return w.sim.log.all() }

// CommandCount is len(Commands()) without gathering the log into one
// slice: a checker that only asks whether a command came since it last
// looked reads this after every step.
func (w *World) CommandCount() int { return w.sim.log.n }
