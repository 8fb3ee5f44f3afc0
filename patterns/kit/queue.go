package kit

// PopFront removes q's first element (q is not empty) and returns it with
// the rest. q = q[1:] walks the slice off the end of its array, so a
// queue that keeps filling and draining makes append allocate and copy a
// new array again and again; PopFront moves a short rest down to the
// front instead (a few elements' copy), keeping the array, and re-slices
// only a long one. The vacated slot is zeroed so it holds nothing alive.
func PopFront[T any](q []T) (T, []T) {
	first := q[0]
	var zero T
	if len(q) <= shortQueue {
		n := copy(q, q[1:])
		q[n] = zero
		return first, q[:n]
	}
	q[0] = zero
	return first, q[1:]
}

// shortQueue is the longest queue PopFront moves down.
const shortQueue = 16
