package bench

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"strings"
	"sync/atomic"
	"time"
)

// runTarget loads a daemon that is already running. Its suppliers deliver
// wherever they are configured, not to this tool, so only intake, the
// page of 100 and (given its pid) the daemon's CPU and RSS are measured.
func runTarget(ctx context.Context, o *Options) (*Report, error) {
	began := time.Now()
	base := strings.TrimRight(o.Target, "/")
	sups := make([]supplier, len(o.TargetSuppliers))
	for i, c := range o.TargetSuppliers {
		sups[i] = supplier{Code: c}
	}
	r := &Report{DB: "unknown", Target: base, Channels: []string{}, Senders: o.Senders, Rate: o.Rate}
	hc := &http.Client{Timeout: 60 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: o.Senders + 8}}
	var cpu0 float64
	if o.PID > 0 {
		var err error
		if cpu0, err = cpuSeconds(o.PID); err != nil {
			return nil, err
		}
	}
	var posted atomic.Int64
	done := make(chan struct{})
	stopProgress := o.progressLoop(done, func() (int, int) { return int(posted.Load()), 0 }, 0)
	loadStart := time.Now()
	sents := load(ctx, o, hc, base, o.RetailerKey, fmt.Sprintf("T%d", time.Now().Unix()), sups, func(n int) { posted.Store(int64(n)) })
	loadEnd := time.Now()
	close(done)
	stopProgress()
	figures(r, sents, newTracker(), nil, loadStart, loadEnd)
	if o.PID > 0 {
		cpu1, err := cpuSeconds(o.PID)
		if err != nil {
			return nil, err
		}
		rss, err := peakRSSMiB(o.PID)
		if err != nil {
			return nil, err
		}
		r.DaemonCPUSecs = math.Round((cpu1-cpu0)*100) / 100
		r.DaemonPeakRSSMiB = math.Round(rss*10) / 10
		if r.Accepted > 0 {
			r.DaemonCPUPer1000 = math.Round(r.DaemonCPUSecs/float64(r.Accepted)*1000*100) / 100
		}
	}
	if o.SupplierKey != "" && o.Pages > 0 {
		ds, rows, err := pageLatency(ctx, hc, base, o.SupplierKey, time.Now().Add(-30*24*time.Hour), o.Pages)
		r.PageLatency, r.PageRows = summarise(ds), rows
		if err != nil {
			r.PageErr = err.Error()
		}
	}
	r.TotalSecs = math.Round(time.Since(began).Seconds()*10) / 10
	return r, ctx.Err()
}
