package engine

import (
	"maps"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"
)

// Storage against a plain model of a disk: what a crash leaves is exactly
// what the last Sync saw, what the process reads is every write so far,
// and a log slice read earlier never changes under its reader.
func TestStorageCrashKeepsWhatWasSynced(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	for run := 0; run < 200; run++ {
		st := NewStorage()
		kv, log := map[string]any{}, []any{}             // what the process should read
		syncedKV, syncedLog := map[string]any{}, []any{} // what a crash should leave
		unsynced := 0
		type read struct{ got, want []any }
		var reads []read
		for step := 0; step < 60; step++ {
			key := "k" + strconv.Itoa(r.IntN(4))
			switch op := r.IntN(10); {
			case op < 2:
				st.Put(key, step)
				kv[key] = step
				unsynced++
			case op < 3:
				st.Delete(key)
				delete(kv, key)
				unsynced++
			case op < 6:
				st.Append(step)
				log = append(log, step)
				unsynced++
			case op < 7:
				n := r.IntN(len(log) + 2)
				st.Truncate(n)
				if n < len(log) {
					log = log[:n]
					unsynced++
				}
			case op < 8:
				n := r.IntN(3)
				st.TruncateFront(n)
				if n > 0 {
					log = log[min(n, len(log)):]
					unsynced++
				}
			case op < 9:
				st.Sync()
				syncedKV, syncedLog = maps.Clone(kv), slices.Clone(log)
				unsynced = 0
			default:
				if st.Unsynced() != unsynced {
					t.Fatalf("run %d step %d: %d unsynced writes, want %d", run, step, st.Unsynced(), unsynced)
				}
				st.crash()
				kv, log = maps.Clone(syncedKV), slices.Clone(syncedLog)
				unsynced = 0
			}
			if !maps.Equal(st.kv, kv) || !slices.Equal(st.Log(), log) || st.Unsynced() != unsynced {
				t.Fatalf("run %d step %d: storage reads %v %v (%d unsynced), want %v %v (%d)", run, step, st.kv, st.Log(), st.Unsynced(), kv, log, unsynced)
			}
			reads = append(reads, read{st.Log(), slices.Clone(log)})
			for _, rd := range reads {
				if !slices.Equal(rd.got, rd.want) {
					t.Fatalf("run %d step %d: a log read earlier changed from %v to %v", run, step, rd.want, rd.got)
				}
			}
		}
	}
}
