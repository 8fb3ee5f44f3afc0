package web

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"time"

	"clusterscope/web/share"

	"golang.org/x/time/rate"
)

// capabilities bound what one session's client may make the server do,
// beyond the server-wide Limits. nil restricts nothing: the server's own
// pages, and scripts that send no Origin (they could use /ws all the same).
//
// An embed page framed by another site gets foreignEmbedCaps: that site can
// make every visitor's browser open /embed/ws, so what it can make the server
// do must be cheap. It can still play the pattern, step it, open the bundled
// scenarios by name and follow a short link; it cannot upload a scenario
// file, replay a long link or run a long history.
type capabilities struct {
	uploads        bool          // scenario files sent by the client (else bundled ones by name only)
	maxReplaySteps int           // steps a link in the socket URL may replay
	maxStepN       int           // events one step message may ask for
	maxRunDur      time.Duration // virtual time one run message may ask for
	maxSteps       int           // events the run may reach in all; then it stops
	maxSpeed       float64       // play speed
	rate           *rate.Limiter // messages for the whole session (never reattached)

	// note records a refusal (Server.refused, with the client's address).
	note      func(reason string)
	lastRated time.Time // rate refusals are noted at most once a second
}

// Bounds for an embed on another site. A lesson embedded in a workshop page
// plays for minutes at speeds near 1: tens of thousands of events at most.
func foreignEmbedCaps() *capabilities {
	return &capabilities{
		maxReplaySteps: 5_000,
		maxStepN:       1_000,
		maxRunDur:      10 * time.Second,
		maxSteps:       50_000,
		maxSpeed:       20,
		rate:           rate.NewLimiter(10, 20),
	}
}

const capsHint = "an embed on another site may do less than clusterscope's own page: open the pattern there to go further"

// checkLink refuses a socket URL whose replay is beyond the capabilities,
// before any work is done for it.
func (c *capabilities) checkLink(q url.Values) error {
	if c == nil {
		return nil
	}
	target := 0
	if v := q.Get("step"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return nil // parseParams explains a malformed step
		}
		target = n
	} else if log, err := share.DecodeLog(q.Get("log")); err == nil && len(log) > 0 {
		target = log[len(log)-1].Step
	}
	if target > c.maxReplaySteps {
		return fmt.Errorf("this link replays %d steps; %s allows %d (%s)", target, "an embed on another site", c.maxReplaySteps, capsHint)
	}
	return nil
}

// allow refuses a message beyond the capabilities; step is the run's
// current step. It runs on the session's goroutine.
func (c *capabilities) allow(m clientMsg, step int) error {
	if c == nil {
		return nil
	}
	if !c.rate.Allow() {
		if now := time.Now(); now.Sub(c.lastRated) >= time.Second {
			c.lastRated = now
			c.refuse("embed-rate")
		}
		return fmt.Errorf("too many messages (at most %g a second here): this one was ignored", float64(c.rate.Limit()))
	}
	switch m.Type {
	case "scenario":
		if m.YAML != "" && !c.uploads {
			return c.refused("embed-upload", "scenario: files cannot be opened here, only this pattern's own scenarios by name (%s)", capsHint)
		}
	case "step":
		if m.N > c.maxStepN {
			return c.refused("embed-step", "step: n may be at most %d here (%s)", c.maxStepN, capsHint)
		}
	case "run":
		if d, err := time.ParseDuration(m.Dur); err == nil && d > c.maxRunDur {
			return c.refused("embed-run", "run: dur may be at most %v here (%s)", c.maxRunDur, capsHint)
		}
	case "seek":
		if m.Step != nil && *m.Step > step+c.maxStepN {
			return c.refused("embed-seek", "seek: at most %d steps ahead here (%s)", c.maxStepN, capsHint)
		}
	case "play":
		if m.Speed > c.maxSpeed {
			return c.refused("embed-speed", "play: speed may be at most %g here (%s)", c.maxSpeed, capsHint)
		}
	}
	switch m.Type {
	case "step", "run", "seek", "play":
		return c.allowRun(step)
	}
	return nil
}

// allowRun refuses to run further once the run has reached maxSteps.
func (c *capabilities) allowRun(step int) error {
	if c == nil || step < c.maxSteps {
		return nil
	}
	return c.refused("embed-steps", "this run has reached %d events, the most %s may run (%s)", c.maxSteps, "an embed on another site", capsHint)
}

// refused notes a refusal and returns its error.
func (c *capabilities) refused(reason, format string, a ...any) error {
	c.refuse(reason)
	return fmt.Errorf(format, a...)
}

func (c *capabilities) refuse(reason string) {
	if c.note != nil {
		c.note(reason)
	}
}

type capsKey struct{}

// withCaps carries a connection's capabilities from its handler to the
// session it starts (ws.go).
func withCaps(ctx context.Context, c *capabilities) context.Context {
	return context.WithValue(ctx, capsKey{}, c)
}

func capsOf(ctx context.Context) *capabilities {
	c, _ := ctx.Value(capsKey{}).(*capabilities)
	return c
}
