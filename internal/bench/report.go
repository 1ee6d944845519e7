package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// Report is a run's figures. JSON field names are stable: tests and
// scripts read them.
type Report struct {
	DB        string   `json:"db"`
	Target    string   `json:"target,omitempty"`
	Channels  []string `json:"channels"`
	Senders   int      `json:"senders"`
	Rate      float64  `json:"rate"`
	LoadSecs  float64  `json:"load_seconds"`
	TotalSecs float64  `json:"total_seconds"`

	Posted      int      `json:"posted"`
	Accepted    int      `json:"accepted"`
	Failed      int      `json:"failed"`
	FirstError  string   `json:"first_error,omitempty"`
	OrdersPerS  float64  `json:"orders_per_second"`
	APILatency  Dist     `json:"api_latency"`
	Expected    int      `json:"deliveries_expected"`
	Delivered   int      `json:"deliveries_delivered"`
	DeliveriesS float64  `json:"deliveries_per_second"`
	Lost        int      `json:"lost"`
	Duplicates  int      `json:"duplicates"`
	Strays      int      `json:"strays"`
	Refused     []string `json:"refused,omitempty"`

	Channel []ChannelFigures `json:"per_channel"`

	StoredOrders int    `json:"page_stored_orders"`
	PageRows     int    `json:"page_rows_read"`
	PageLatency  Dist   `json:"page_of_100_latency"`
	PageErr      string `json:"page_error,omitempty"`

	DaemonPeakRSSMiB  float64 `json:"daemon_peak_rss_mib"`
	DaemonCPUSecs     float64 `json:"daemon_cpu_seconds"`
	DaemonCPUPer1000  float64 `json:"daemon_cpu_seconds_per_1000_orders"`
	PGBackendCPUSecs  float64 `json:"postgres_backend_cpu_seconds,omitempty"`
	PGBackendPer1000  float64 `json:"postgres_backend_cpu_seconds_per_1000_orders,omitempty"`
	PGBackendsSampled int     `json:"postgres_backends_sampled,omitempty"`

	// DiskFsync is the disk probe's flush times (--disk-probe), and
	// DiskStalls how many took over 15 ms.
	DiskFsync    *Dist  `json:"disk_fsync,omitempty"`
	DiskStalls   int    `json:"disk_fsync_stalls,omitempty"`
	DiskProbeErr string `json:"disk_probe_error,omitempty"`

	Baselines []Baseline         `json:"baselines,omitempty"`
	Ratios    map[string]float64 `json:"ratios,omitempty"`
	PprofURL  string             `json:"pprof_url,omitempty"`

	// timeline is each first arrival, for TimelineOut.
	timeline []timelineRow
}

// ChannelFigures are one channel's deliveries (all suppliers on it).
type ChannelFigures struct {
	Channel    string  `json:"channel"`
	Expected   int     `json:"expected"`
	Delivered  int     `json:"delivered"`
	Lost       int     `json:"lost"`
	Duplicates int     `json:"duplicates"`
	PerSecond  float64 `json:"per_second"`
	Latency    Dist    `json:"post_to_delivered"`
}

// WriteJSON writes r as indented JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// WriteTable writes r for people.
func (r *Report) WriteTable(w io.Writer) error {
	// Only the first column is aligned: the lines differ too much in
	// shape for a grid.
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	p := func(format string, args ...any) {
		line := fmt.Sprintf(format, args...)
		first, rest, _ := strings.Cut(line, "\t")
		fmt.Fprintf(tw, "%s\t%s\n", first, strings.ReplaceAll(rest, "\t", "  "))
	}
	dist := func(d Dist) string {
		return fmt.Sprintf("p50 %.1f / p95 %.1f / p99 %.1f / max %.1f ms (n=%d)", d.P50, d.P95, d.P99, d.Max, d.N)
	}
	if r.Target != "" {
		p("target\t%s (running daemon: deliveries not checked)", r.Target)
	}
	p("db\t%s\tchannels %s\tsenders %d\trate %s", r.DB, strings.Join(r.Channels, ","), r.Senders, rateText(r.Rate))
	p("orders\t%d posted\t%d accepted\t%d failed\tin %.1f s", r.Posted, r.Accepted, r.Failed, r.LoadSecs)
	if r.FirstError != "" {
		p("first error\t%s", r.FirstError)
	}
	p("orders/s accepted\t%.1f", r.OrdersPerS)
	p("API POST latency\t%s", dist(r.APILatency))
	p("deliveries\t%d of %d\tlost %d\tduplicates %d\tstrays %d\t%.1f/s", r.Delivered, r.Expected, r.Lost, r.Duplicates, r.Strays, r.DeliveriesS)
	for _, c := range r.Channel {
		p("  %s\t%d of %d\tlost %d\tdup %d\t%.1f/s\tPOST→delivered %s", c.Channel, c.Delivered, c.Expected, c.Lost, c.Duplicates, c.PerSecond, dist(c.Latency))
	}
	p("supplier page of 100\t%d orders stored\t%s", r.StoredOrders, dist(r.PageLatency))
	if r.PageErr != "" {
		p("page error\t%s", r.PageErr)
	}
	p("daemon\tpeak RSS %.1f MiB\tCPU %.2f s\t%.2f CPU s per 1000 orders", r.DaemonPeakRSSMiB, r.DaemonCPUSecs, r.DaemonCPUPer1000)
	if r.PGBackendsSampled > 0 {
		p("postgres backends\t%d sampled\tCPU %.2f s\t%.2f CPU s per 1000 orders", r.PGBackendsSampled, r.PGBackendCPUSecs, r.PGBackendPer1000)
	}
	if r.DiskFsync != nil {
		line := fmt.Sprintf("disk fsync\t4 KiB every 20 ms in the data folder\t%s\t%d over 15 ms", dist(*r.DiskFsync), r.DiskStalls)
		if r.DiskProbeErr != "" {
			line += "\terror: " + r.DiskProbeErr
		}
		p("%s", line)
	}
	for _, b := range r.Baselines {
		line := fmt.Sprintf("baseline\t%s\t%d in\t%.1f/s\t%s", b.What, b.N, b.PerSecond, dist(b.Latency))
		if b.Err != "" {
			line += "\terror: " + b.Err
		}
		p("%s", line)
	}
	for _, k := range sortedKeys(r.Ratios) {
		p("ratio\t%s = %g", k, r.Ratios[k])
	}
	for _, s := range r.Refused {
		p("refused\t%s", s)
	}
	if r.PprofURL != "" {
		p("pprof\t%s (while the run lasts)", r.PprofURL)
	}
	return tw.Flush()
}

func rateText(r float64) string {
	if r == 0 {
		return "max"
	}
	return fmt.Sprintf("%.0f/s", r)
}
