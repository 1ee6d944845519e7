// Package bench loads a Supplyhub daemon with orders and measures it:
// intake rate and latency, delivery latency per channel, lost and
// duplicate deliveries, the daemon's CPU and memory, and bare baselines
// for each figure. cmd/supplyhub-bench is its command line.
package bench

import (
	"math"
	"sort"
	"time"
)

// Dist summarises a set of durations in milliseconds. A sorted slice is
// exact and, at the sizes a bench run produces, cheap enough.
type Dist struct {
	N   int     `json:"n"`
	P50 float64 `json:"p50_ms"`
	P95 float64 `json:"p95_ms"`
	P99 float64 `json:"p99_ms"`
	Max float64 `json:"max_ms"`
}

// summarise sorts ds in place and returns its percentiles (nearest rank).
func summarise(ds []time.Duration) Dist {
	if len(ds) == 0 {
		return Dist{}
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	rank := func(p float64) float64 {
		i := int(math.Ceil(p*float64(len(ds)))) - 1
		if i < 0 {
			i = 0
		}
		return ms(ds[i])
	}
	return Dist{N: len(ds), P50: rank(0.50), P95: rank(0.95), P99: rank(0.99), Max: ms(ds[len(ds)-1])}
}

func ms(d time.Duration) float64 { return math.Round(float64(d)/1e3) / 1e3 }

// perSecond is n events over d, 0 when d is not positive.
func perSecond(n int, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return math.Round(float64(n)/d.Seconds()*10) / 10
}

// ratio is a/b to four significant digits, 0 when b is 0.
func ratio(a, b float64) float64 {
	if b == 0 || a == 0 {
		return 0
	}
	x := a / b
	scale := math.Pow(10, 3-math.Floor(math.Log10(math.Abs(x))))
	return math.Round(x*scale) / scale
}
