package bench

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/supplyhub/supplyhub/connectors/webhook"
	"github.com/supplyhub/supplyhub/internal/store"
	"github.com/supplyhub/supplyhub/internal/store/storetest"
)

// baselineCap bounds each baseline's operation count: a baseline needs a
// steady rate, not the whole run again.
const baselineCap = 2000

// Run starts a daemon, loads it as o says, and measures it.
func Run(ctx context.Context, o *Options) (*Report, error) {
	if err := o.Check(); err != nil {
		return nil, err
	}
	if o.Target != "" {
		return runTarget(ctx, o)
	}
	began := time.Now()
	tmp, err := os.MkdirTemp("", "supplyhub-bench-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	bin := o.Binary
	if bin == "" {
		o.logf("building ./cmd/supplyhub")
		if bin, err = buildBinary(ctx, tmp); err != nil {
			return nil, err
		}
	}
	sups := o.suppliers()
	tr := newTracker()
	secrets := map[string]string{}
	var hooks *hookServer
	var sink *mailSink
	for _, s := range sups {
		if s.Channel == "webhook" {
			secrets[s.Code] = webhook.NewSecret()
		}
	}
	if len(secrets) > 0 {
		if hooks, err = newHookServer(tr, secrets); err != nil {
			return nil, err
		}
		defer hooks.close()
	}
	if o.has("email") {
		if sink, err = newMailSink(tr); err != nil {
			return nil, err
		}
		defer sink.close()
	}
	dataDir := filepath.Join(tmp, "data")
	if err := os.Mkdir(dataDir, 0o700); err != nil {
		return nil, err
	}
	dbURL, dbName := "sqlite:"+filepath.Join(dataDir, "supplyhub.db"), ""
	if o.DB == "postgres" {
		var drop func()
		if dbURL, drop, err = pgDatabase(ctx, o.PGURL); err != nil {
			return nil, err
		}
		defer drop()
		u, _ := url.Parse(dbURL)
		dbName = strings.TrimPrefix(u.Path, "/")
	}
	cfgPath, err := writeConfig(dataDir, sups, hooks, secrets, sink)
	if err != nil {
		return nil, err
	}
	o.logf("starting %s serve on %s", bin, o.DB)
	d, err := startDaemon(ctx, bin, cfgPath, dataDir, dbURL, o.Pprof || o.CPUProfile != "")
	if err != nil {
		return nil, err
	}
	stopped := false
	defer func() {
		if !stopped {
			_ = d.stop()
		}
	}()
	r := &Report{DB: o.DB, Channels: o.Channels, Senders: o.Senders, Rate: o.Rate}
	if o.Pprof {
		r.PprofURL = "http://" + d.opsAddr + "/debug/pprof/"
		o.logf("pprof at %s", r.PprofURL)
	}
	retailerKey, err := d.secret("retailer-bench.key")
	if err != nil {
		return nil, err
	}
	hc := &http.Client{Timeout: 60 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: o.Senders + 8}}

	// Suppliers that collect: SFTP and API pollers.
	pollCtx, stopPolls := context.WithCancel(ctx)
	defer stopPolls()
	var polls sync.WaitGroup
	pollErrs := make(chan error, len(sups))
	var sftpPollers []*sftpPoller
	var sftpUser, sftpPass string
	for _, s := range sups {
		switch s.Channel {
		case "sftp":
			pw, err := d.secret("sftp-" + s.Code + ".password")
			if err != nil {
				return nil, err
			}
			c, closeFn, err := dialSFTP(d.sftpAddr, s.Code, pw)
			if err != nil {
				return nil, err
			}
			defer closeFn()
			p := &sftpPoller{client: c, tr: tr, interval: 100 * time.Millisecond}
			sftpPollers = append(sftpPollers, p)
			sftpUser, sftpPass = s.Code, pw
			polls.Add(1)
			go func() { defer polls.Done(); pollErrs <- p.run(pollCtx) }()
		case "api":
			key, err := d.secret("supplier-" + s.Code + ".key")
			if err != nil {
				return nil, err
			}
			p := &apiPoller{hc: hc, base: d.url, key: key, tr: tr, interval: 250 * time.Millisecond, from: time.Now().Add(-time.Minute)}
			polls.Add(1)
			go func() { defer polls.Done(); pollErrs <- p.run(pollCtx) }()
		}
	}

	// Resources: the daemon's CPU from now on, and PostgreSQL's backends.
	cpu0, err := cpuSeconds(d.pid())
	if err != nil {
		return nil, err
	}
	var backends *backendSampler
	sampleCtx, stopSampling := context.WithCancel(ctx)
	defer stopSampling()
	if o.DB == "postgres" {
		if backends, err = newBackendSampler(ctx, dbURL, dbName); err != nil {
			o.logf("postgres backend CPU not measured: %v", err)
		} else {
			defer backends.close()
			go backends.run(sampleCtx, 200*time.Millisecond)
		}
	}

	// Load, with a progress line.
	run := fmt.Sprintf("B%d", time.Now().Unix())
	var posted sync.Mutex
	nPosted := 0
	progressDone := make(chan struct{})
	stopProgress := o.progressLoop(progressDone, func() (int, int) { posted.Lock(); defer posted.Unlock(); return nPosted, tr.count() }, len(sups))
	profiled := make(chan error, 1)
	if o.CPUProfile != "" {
		go func() { profiled <- saveCPUProfile(ctx, d.opsAddr, o.CPUProfile, o.CPUProfileFor) }()
	} else {
		profiled <- nil
	}
	var probe *diskProbe
	if o.DiskProbe {
		if probe, err = startDiskProbe(ctx, dataDir); err != nil {
			return nil, err
		}
	}
	loadStart := time.Now()
	sents := load(ctx, o, hc, d.url, retailerKey, run, sups, func(n int) { posted.Lock(); nPosted = n; posted.Unlock() })
	loadEnd := time.Now()
	accepted := 0
	for _, s := range sents {
		if s.err == nil {
			accepted++
		}
	}
	expected := accepted * len(sups)

	// Drain: wait for every delivery, then half a second for late
	// duplicates.
	deadline := time.After(o.Drain)
drain:
	for tr.count() < expected {
		select {
		case <-tr.notify:
		case err := <-pollErrs:
			if err != nil {
				o.logf("poller stopped: %v", err)
			}
		case <-deadline:
			o.logf("drain: %d of %d deliveries after %s", tr.count(), expected, o.Drain)
			break drain
		case <-ctx.Done():
			break drain
		}
	}
	select {
	case <-time.After(500 * time.Millisecond):
	case <-ctx.Done():
	}
	close(progressDone)
	stopProgress()
	if probe != nil {
		flushes, stalls, err := probe.finish()
		r.DiskFsync, r.DiskStalls = &flushes, stalls
		if err != nil {
			r.DiskProbeErr = err.Error()
		}
	}
	cpu1, err := cpuSeconds(d.pid())
	if err != nil {
		return nil, err
	}
	rss, err := peakRSSMiB(d.pid())
	if err != nil {
		return nil, err
	}
	stopSampling()
	stopPolls()
	polls.Wait()
	if err := <-profiled; err != nil {
		o.logf("cpu profile: %v", err)
	} else if o.CPUProfile != "" {
		o.logf("cpu profile of the daemon written to %s (go tool pprof -top %s)", o.CPUProfile, o.CPUProfile)
	}
	r.DaemonCPUSecs = math.Round((cpu1-cpu0)*100) / 100
	r.DaemonPeakRSSMiB = math.Round(rss*10) / 10
	if accepted > 0 {
		r.DaemonCPUPer1000 = math.Round(r.DaemonCPUSecs/float64(accepted)*1000*100) / 100
	}
	if backends != nil {
		sum, n, err := backends.total()
		r.PGBackendCPUSecs, r.PGBackendsSampled = math.Round(sum*100)/100, n
		if accepted > 0 {
			r.PGBackendPer1000 = math.Round(sum/float64(accepted)*1000*100) / 100
		}
		if err != nil {
			o.logf("postgres backend sampling: %v", err)
		}
	}
	figures(r, sents, tr, sups, loadStart, loadEnd)
	if o.TimelineOut != "" {
		if err := writeTimeline(o.TimelineOut, r.timeline); err != nil {
			return nil, err
		}
		o.logf("timeline of %d deliveries written to %s", len(r.timeline), o.TimelineOut)
	}

	if o.DB == "postgres" {
		o.logf("VACUUM (ANALYZE) river_job")
		if err := vacuumJobs(ctx, dbURL); err != nil {
			return nil, err
		}
	}
	o.pages(ctx, r, hc, d, dbURL, sups)

	if o.Baselines {
		o.baselines(ctx, r, d, sups, secrets, sftpPollers, sftpUser, sftpPass)
	}
	stopped = true
	if err := d.stop(); err != nil {
		o.logf("serve stop: %v", err)
	}
	if o.Baselines {
		n := min(max(accepted, 1), baselineCap)
		o.logf("baseline: %d raw store inserts", n)
		r.Baselines = append(r.Baselines, storeBaseline(ctx, dbURL, sups, n, o.Senders))
	}
	ratios(r)
	r.TotalSecs = math.Round(time.Since(began).Seconds()*10) / 10
	if ctx.Err() != nil {
		return r, ctx.Err()
	}
	return r, nil
}

func (o *Options) has(channel string) bool {
	for _, c := range o.Channels {
		if c == channel {
			return true
		}
	}
	return false
}

// progressLoop calls o.Progress every 250 ms until done closes; the
// returned function waits for it to finish.
func (o *Options) progressLoop(done chan struct{}, counts func() (posted, delivered int), perOrder int) func() {
	if o.Progress == nil {
		return func() {}
	}
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(250 * time.Millisecond)
		defer t.Stop()
		start := time.Now()
		for {
			p, dl := counts()
			o.Progress(progressLine(p, o.Orders, dl, p*perOrder, time.Since(start), o.Duration))
			select {
			case <-done:
				p, dl = counts()
				o.Progress(progressLine(p, o.Orders, dl, p*perOrder, time.Since(start), o.Duration))
				return
			case <-t.C:
			}
		}
	}()
	return func() { <-finished }
}

// progressLine draws a 30-wide bar of posted orders (or elapsed time when
// there is no order count) and the deliveries so far.
func progressLine(posted, orders, delivered, expected int, elapsed, duration time.Duration) string {
	frac := 0.0
	switch {
	case orders > 0:
		frac = float64(posted) / float64(orders)
	case duration > 0:
		frac = elapsed.Seconds() / duration.Seconds()
	}
	frac = math.Min(math.Max(frac, 0), 1)
	n := int(frac * 30)
	return fmt.Sprintf("[%s%s] %d posted, %d/%d delivered, %s", strings.Repeat("#", n), strings.Repeat(" ", 30-n),
		posted, delivered, expected, elapsed.Round(100*time.Millisecond))
}

// pages bulk-loads o.Stored synthetic orders for the first supplier, if
// asked, and times o.Pages pulls of 100 of its orders.
func (o *Options) pages(ctx context.Context, r *Report, hc *http.Client, d *daemon, dbURL string, sups []supplier) {
	if o.Pages == 0 {
		return
	}
	sup := sups[0]
	key, err := d.secret("supplier-" + sup.Code + ".key")
	if err != nil {
		r.PageErr = err.Error()
		return
	}
	now := time.Now()
	if o.Stored > 0 {
		o.logf("bulk-loading %d synthetic orders for supplier %s", o.Stored, sup.Code)
		if err := seed(ctx, dbURL, sup.Code, o.Stored, now.Add(-10*24*time.Hour), now.Add(-time.Minute), o.logf); err != nil {
			r.PageErr = err.Error()
			return
		}
	}
	r.StoredOrders = o.Stored + r.Accepted
	ds, rows, err := pageLatency(ctx, hc, d.url, key, now.Add(-20*24*time.Hour), o.Pages)
	r.PageLatency, r.PageRows = summarise(ds), rows
	if err != nil {
		r.PageErr = err.Error()
	}
}

// seed inserts n synthetic orders of retailer bench for supplier code,
// spread evenly over [from, to), with bulk SQL straight into the store
// (storetest.Seed): seconds for a million rows.
func seed(ctx context.Context, dbURL, code string, n int, from, to time.Time, logf func(string, ...any)) error {
	st, err := store.Open(ctx, dbURL)
	if err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	defer st.Close()
	rt, err := st.RetailerByCode(ctx, "bench")
	if err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	sp, err := st.SupplierByCode(ctx, code)
	if err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	step := to.Sub(from) / time.Duration(n)
	return storetest.Seed(ctx, st, storetest.Bulk{RetailerID: rt.ID, SupplierIDs: []int64{sp.ID}, Orders: n, Start: from, Step: step}, logf)
}

// baselines runs the bare baselines that need the daemon's servers.
func (o *Options) baselines(ctx context.Context, r *Report, d *daemon, sups []supplier, secrets map[string]string,
	sftpPollers []*sftpPoller, sftpUser, sftpPass string) {
	deliveredOn := func(ch string) int {
		for _, c := range r.Channel {
			if c.Channel == ch {
				return min(max(c.Delivered, 1), baselineCap)
			}
		}
		return 0
	}
	for _, s := range sups {
		if s.Channel == "webhook" {
			n := deliveredOn("webhook")
			o.logf("baseline: %d bare webhook posts", n)
			r.Baselines = append(r.Baselines, webhookBaseline(s.Code, secrets[s.Code], n, o.Senders))
			break
		}
	}
	if o.has("email") {
		n := deliveredOn("email")
		o.logf("baseline: %d bare SMTP sends", n)
		r.Baselines = append(r.Baselines, emailBaseline(n, o.Senders))
	}
	if o.has("sftp") {
		var sample []byte
		for _, p := range sftpPollers {
			if sample = p.sampleFile(); sample != nil {
				break
			}
		}
		if sample == nil {
			r.Baselines = append(r.Baselines, Baseline{What: "sftp: raw pkg/sftp writes", Err: "no file was delivered to copy"})
		} else {
			n := deliveredOn("sftp")
			o.logf("baseline: %d raw SFTP writes", n)
			r.Baselines = append(r.Baselines, sftpBaseline(d.sftpAddr, sftpUser, sftpPass, sample, n, 4))
		}
	}
	_ = ctx
}
