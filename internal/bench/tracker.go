package bench

import (
	"strings"
	"sync"
	"time"
)

// tracker records when each supplier order reached its supplier, by the
// supplier order number ("22-webhook1") every channel carries. Latency is
// worked out after the run, when every POST's order number is known: a
// delivery can arrive before its POST's answer does.
type tracker struct {
	mu       sync.Mutex
	got      map[string][]time.Time // supplier order number → arrivals
	bad      []string               // refused arrivals (bad signature, unparsable)
	arrivals int
	notify   chan struct{} // poked (non-blocking) on each arrival
}

func newTracker() *tracker {
	return &tracker{got: map[string][]time.Time{}, notify: make(chan struct{}, 1)}
}

// arrived records number as delivered at t.
func (tr *tracker) arrived(number string, t time.Time) {
	tr.mu.Lock()
	tr.got[number] = append(tr.got[number], t)
	tr.arrivals++
	tr.mu.Unlock()
	select {
	case tr.notify <- struct{}{}:
	default:
	}
}

// refused records an arrival that could not be accepted, with why.
func (tr *tracker) refused(why string) {
	tr.mu.Lock()
	if len(tr.bad) < 20 {
		tr.bad = append(tr.bad, why)
	}
	tr.mu.Unlock()
}

func (tr *tracker) count() int {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	return tr.arrivals
}

// snapshot copies the arrivals.
func (tr *tracker) snapshot() (map[string][]time.Time, []string) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	out := make(map[string][]time.Time, len(tr.got))
	for k, v := range tr.got {
		out[k] = append([]time.Time(nil), v...)
	}
	return out, append([]string(nil), tr.bad...)
}

// splitNumber cuts "22-webhook1" into order number "22" and supplier code
// "webhook1" (numbering {order}-{supplier}; order numbers are digits).
func splitNumber(n string) (order, supplier string, ok bool) {
	return strings.Cut(n, "-")
}
