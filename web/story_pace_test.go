package web

import (
	"strings"
	"testing"
)

// "next" with pace plays its part over several frames (the learner sees the
// election happen) and ends where an instant "next" ends; "next" again
// while it plays skips to the part's end.
func TestScenarioNextPlaysAtAWatchablePace(t *testing.T) {
	_, ts := newLessonServer(t, nil)
	open := func() *client {
		c := dial(t, ts, "pattern=leader-and-followers")
		c.sread()
		c.send(map[string]any{"type": "scenario", "name": "1-election"})
		c.suntil("the story", hasStory)
		c.send(map[string]any{"type": "scenario-next"})
		c.suntil("part 2", func(f sframe) bool { return hasStory(f) && f.Story.Chunk == 2 })
		return c
	}
	instant := open()
	instant.send(map[string]any{"type": "scenario-next"})
	want3 := instant.suntil("part 3", func(f sframe) bool { return hasStory(f) && f.Story.Chunk == 3 })
	instant.send(map[string]any{"type": "scenario-next"})
	want4 := instant.suntil("part 4", func(f sframe) bool { return hasStory(f) && f.Story.Chunk == 4 })

	// Skip: part 3 at the slowest pace, and "next" again at once.
	c := open()
	c.send(map[string]any{"type": "scenario-next", "pace": true, "speed": 0.05})
	c.suntil("part 3 playing", func(f sframe) bool { return hasStory(f) && f.Story.Playing })
	c.send(map[string]any{"type": "scenario-next", "pace": true})
	f := c.suntil("part 3 skipped", func(f sframe) bool { return hasStory(f) && !f.Story.Playing })
	if f.Step != want3.Step || f.Story.Chunk != 3 {
		t.Fatalf("the skipped part ended at step %d, part %d; at once: step %d", f.Step, f.Story.Chunk, want3.Step)
	}
	for _, it := range f.Story.Items {
		if it.Kind == "command" && (it.Plain == "" || strings.Contains(it.Plain, "force-election")) {
			t.Errorf("the command reads %q to a learner", it.Plain)
		}
	}

	// Part 4 (a second of heartbeats) plays over many frames.
	c.send(map[string]any{"type": "scenario-next", "pace": true, "speed": 5})
	f = c.suntil("part 4 playing", func(f sframe) bool { return hasStory(f) && f.Story.Playing })
	between := map[int]bool{}
	for f.Story == nil || f.Story.Playing {
		if f.Step > want3.Step && f.Step < want4.Step {
			between[f.Step] = true
		}
		f = c.sread()
	}
	if f.Step != want4.Step || f.Story.Chunk != 4 || !f.Story.Waiting {
		t.Fatalf("the paced part ended at step %d, part %d (waiting %v); at once it ends at step %d", f.Step, f.Story.Chunk, f.Story.Waiting, want4.Step)
	}
	if len(between) < 5 {
		t.Fatalf("the part showed %d steps on its way to step %d: it was not played at a pace", len(between), want4.Step)
	}
}

// A learner who acts while a part plays finds the part played to its end,
// and coming back to the story finds it there.
func TestScenarioTakeOverWhileAPartPlays(t *testing.T) {
	_, ts := newLessonServer(t, nil)
	open := func() *client {
		c := dial(t, ts, "pattern=leader-and-followers")
		c.sread()
		c.send(map[string]any{"type": "scenario", "name": "1-election"})
		c.suntil("the story", hasStory)
		for chunk := 2; chunk <= 3; chunk++ {
			c.send(map[string]any{"type": "scenario-next"})
			c.suntil("the next part", func(f sframe) bool { return hasStory(f) && f.Story.Chunk == chunk })
		}
		return c
	}
	instant := open()
	instant.send(map[string]any{"type": "scenario-next"})
	want := instant.suntil("part 4", func(f sframe) bool { return hasStory(f) && f.Story.Chunk == 4 })

	c := open()
	c.send(map[string]any{"type": "scenario-next", "pace": true, "speed": 0.05})
	c.suntil("part 4 playing", func(f sframe) bool { return hasStory(f) && f.Story.Playing })
	c.send(map[string]any{"type": "cmd", "cmd": map[string]any{"kind": "crash", "node": "athens"}})
	f := c.suntil("the take-over", func(f sframe) bool { return hasStory(f) && !f.Story.Following })
	if f.Story.Playing || f.Story.Chunk != 4 || !f.Story.Waiting {
		t.Fatalf("taken over while part 4 played: playing %v, part %d, waiting %v", f.Story.Playing, f.Story.Chunk, f.Story.Waiting)
	}
	c.send(map[string]any{"type": "scenario-resume"})
	f = c.suntil("the story again", func(f sframe) bool { return hasStory(f) && f.Story.Following })
	if f.Step != want.Step || f.Story.Chunk != 4 {
		t.Fatalf("back in the story at step %d, part %d; part 4 ends at step %d", f.Step, f.Story.Chunk, want.Step)
	}
}

// While a part plays, the speed menu (a "play" with a speed) and Play after
// Pause set its pace: the learner stays in the story.
func TestScenarioSpeedWhileAPartPlays(t *testing.T) {
	_, ts := newLessonServer(t, nil)
	c := dial(t, ts, "pattern=leader-and-followers")
	c.sread()
	c.send(map[string]any{"type": "scenario", "name": "1-election"})
	c.suntil("the story", hasStory)
	for chunk := 2; chunk <= 3; chunk++ {
		c.send(map[string]any{"type": "scenario-next"})
		c.suntil("the next part", func(f sframe) bool { return hasStory(f) && f.Story.Chunk == chunk })
	}
	c.send(map[string]any{"type": "scenario-next", "pace": true, "speed": 0.05})
	c.suntil("part 4 playing", func(f sframe) bool { return hasStory(f) && f.Story.Playing })
	c.send(map[string]any{"type": "pause"})
	c.send(map[string]any{"type": "play", "speed": 20})
	f := c.suntil("part 4 played", func(f sframe) bool { return hasStory(f) && !f.Story.Playing })
	if !f.Story.Following || f.Story.Chunk != 4 || !f.Story.Waiting {
		t.Fatalf("after a speed change: following %v, part %d, waiting %v", f.Story.Following, f.Story.Chunk, f.Story.Waiting)
	}
}
