package bench

import (
	"bufio"
	"cmp"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
)

// A run's percentiles say how long the tail is, not when it happened. The
// timeline places it: a stall (a slow disk flush, a pause) shows as a run
// of consecutive orders all late by about the same time, shrinking as the
// stall ends; a slow path shows as late orders spread over the whole load.

// timelineRow is one delivery's first arrival.
type timelineRow struct {
	posted  time.Duration // its order's POST start, from the load's start
	latency time.Duration // POST start → first arrival
	channel string
	number  string // supplier order number
}

// writeTimeline writes rows to path as CSV, by POST time: posted_ms,
// latency_ms, channel, supplier_order.
func writeTimeline(path string, rows []timelineRow) error {
	slices.SortFunc(rows, func(a, b timelineRow) int {
		return cmp.Or(cmp.Compare(a.posted, b.posted), strings.Compare(a.number, b.number))
	})
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("timeline: %w", err)
	}
	w := bufio.NewWriter(f)
	fmt.Fprintln(w, "posted_ms,latency_ms,channel,supplier_order")
	for _, r := range rows {
		fmt.Fprintf(w, "%s,%s,%s,%s\n", msText(r.posted), msText(r.latency), r.channel, r.number)
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return fmt.Errorf("timeline: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("timeline: %w", err)
	}
	return nil
}

// msText is d in milliseconds to the microsecond.
func msText(d time.Duration) string {
	return strconv.FormatFloat(float64(d.Microseconds())/1000, 'f', 3, 64)
}
