package durable

import (
	"strconv"
	"testing"
	"time"

	"clusterscope/engine"
	"clusterscope/patterns/kit/kittest"
)

// BenchmarkWAL: athens with a modelled fsync, a client put every 1 ms
// (alternating alice and bob). One op is one engine event.
func BenchmarkWAL(b *testing.B) {
	c := WriteAheadLog()
	kittest.ClientLoad(b, c, 1, nil, func(i int, _ engine.Config) engine.Command {
		return engine.Command{Kind: engine.CmdClient, Node: c.Clients[i%2], Name: "write", Args: map[string]string{"key": "k" + strconv.Itoa(i%8), "value": strconv.Itoa(i)}}
	})
}

// BenchmarkPowerCutExplorer: the explorer's view over a 1,000-entry
// durable log with six puts written and not yet durable (the disk's fsync
// now takes a minute).
func BenchmarkPowerCutExplorer(b *testing.B) {
	c := WriteAheadLog()
	s := kittest.Sim(b, c, 1, 1, nil)
	put := func(i int) {
		if err := s.Apply(engine.Command{Kind: engine.CmdClient, Node: c.Clients[i%2], Name: "write", Args: map[string]string{"key": "k" + strconv.Itoa(i%50), "value": strconv.Itoa(i)}}); err != nil {
			b.Fatal(err)
		}
		s.RunFor(5*time.Millisecond, 10_000)
	}
	for i := 0; i < 1000; i++ {
		put(i)
	}
	if err := s.Apply(engine.Command{Kind: engine.CmdDisk, Node: "athens", Name: engine.DiskFsyncLatency, Dur: engine.Duration(time.Minute)}); err != nil {
		b.Fatal(err)
	}
	for i := 1000; i < 1006; i++ {
		put(i)
	}
	d := s.World().Disk("athens")
	if f := d.File(segmentName(1)); f.Len() < 1006 || f.Durable() < 990 || d.Unsynced() < 5 {
		b.Fatalf("want 1,000 durable entries and several unsynced, have %d durable, %d unsynced", f.Durable(), d.Unsynced())
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if len(PowerCutView(s.World())) != 1 {
			b.Fatal("no explorer table")
		}
	}
}
