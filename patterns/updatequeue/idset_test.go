package updatequeue

import "testing"

// The request-id set answers "seen before?" as the map it replaced did:
// first add true, every later add of the same id false, ids far apart
// and negative ones included.
func TestIDSetRemembersEveryID(t *testing.T) {
	var s idSet
	ids := []int{0, 1, 63, 64, 65, 1000, 7, -1, -64}
	for _, id := range ids {
		if !s.add(id) {
			t.Fatalf("id %d is new but add says it was seen", id)
		}
	}
	for _, id := range ids {
		if s.add(id) {
			t.Fatalf("id %d was added before but add says it is new", id)
		}
	}
	for _, id := range []int{2, 62, 66, 999, 1001, -2} {
		if !s.add(id) {
			t.Fatalf("id %d was never added but add says it was seen", id)
		}
	}
}
