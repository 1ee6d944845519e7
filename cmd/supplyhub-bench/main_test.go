package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/supplyhub/supplyhub/internal/bench"
)

// TestBadFlags: every bad option is named, with exit code 2.
func TestBadFlags(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no limit", []string{"--channels", "webhook"}, "give --orders or --duration"},
		{"unknown channel", []string{"--orders", "1", "--channels", "webhook,fax"}, `unknown channel "fax"`},
		{"unknown db", []string{"--orders", "1", "--db", "mysql"}, "--db must be sqlite or postgres"},
		{"postgres without url", []string{"--orders", "1", "--db", "postgres", "--pg-url", ""}, "--pg-url is required"},
		{"no senders", []string{"--orders", "1", "--senders", "0"}, "--senders must be at least 1"},
		{"url without key", []string{"--orders", "1", "--url", "http://127.0.0.1:1", "--retailer-key", "", "--suppliers", "31"}, "--retailer-key is required"},
		{"url without suppliers", []string{"--orders", "1", "--url", "http://127.0.0.1:1", "--retailer-key", "k"}, "--suppliers"},
		{"stray argument", []string{"--orders", "1", "extra"}, "unexpected arguments"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			if code := run(tc.args, &out, &errb); code != 2 {
				t.Fatalf("exit %d, want 2; stderr: %s", code, errb.String())
			}
			if !strings.Contains(errb.String(), tc.want) {
				t.Errorf("stderr %q does not say %q", errb.String(), tc.want)
			}
		})
	}
}

// TestSmoke runs the tool for a few seconds against a real daemon on
// every channel and checks the report is whole: every order delivered
// once on each channel, and every figure present. It asserts no timing.
func TestSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a daemon")
	}
	bin := buildSupplyhub(t)
	dbs := []struct{ db, url string }{{"sqlite", ""}}
	if u := os.Getenv("SUPPLYHUB_TEST_POSTGRES_URL"); u != "" {
		dbs = append(dbs, struct{ db, url string }{"postgres", u})
	} else {
		t.Log("SUPPLYHUB_TEST_POSTGRES_URL not set: PostgreSQL smoke run skipped")
	}
	for _, d := range dbs {
		t.Run(d.db, func(t *testing.T) {
			var out, errb bytes.Buffer
			timeline := filepath.Join(t.TempDir(), "timeline.csv")
			args := []string{"--binary", bin, "--db", d.db, "--pg-url", d.url, "--orders", "200", "--senders", "4",
				"--channels", "webhook,sftp,email,api", "--stored", "300", "--pages", "10", "--drain", "60s", "--json", "--quiet",
				"--timeline-out", timeline, "--disk-probe"}
			code := run(args, &out, &errb)
			if code != 0 {
				t.Fatalf("exit %d\nstderr: %s\nstdout: %s", code, errb.String(), out.String())
			}
			var r bench.Report
			if err := json.Unmarshal(out.Bytes(), &r); err != nil {
				t.Fatalf("report is not JSON: %v\n%s", err, out.String())
			}
			var bad []string
			check := func(ok bool, format string, args ...any) {
				if !ok {
					bad = append(bad, fmt.Sprintf(format, args...))
				}
			}
			check(r.Accepted == 200, "accepted %d, want 200", r.Accepted)
			check(r.Lost == 0 && r.Duplicates == 0 && r.Strays == 0, "lost %d, duplicates %d, strays %d", r.Lost, r.Duplicates, r.Strays)
			check(r.Expected == 800 && r.Delivered == 800, "delivered %d of %d, want 800 of 800", r.Delivered, r.Expected)
			check(r.OrdersPerS > 0 && r.APILatency.N == 200, "orders/s %v, api latency n %d", r.OrdersPerS, r.APILatency.N)
			check(len(r.Channel) == 4, "%d channels in the report, want 4", len(r.Channel))
			for _, c := range r.Channel {
				check(c.Delivered == 200 && c.Lost == 0 && c.Duplicates == 0, "%s: delivered %d, lost %d, dup %d", c.Channel, c.Delivered, c.Lost, c.Duplicates)
				check(c.Latency.N == 200 && c.Latency.P50 > 0 && c.Latency.Max >= c.Latency.P50, "%s latency %+v", c.Channel, c.Latency)
			}
			check(r.StoredOrders == 500 && r.PageLatency.N == 10 && r.PageErr == "", "pages: stored %d, n %d, error %q", r.StoredOrders, r.PageLatency.N, r.PageErr)
			check(r.DaemonPeakRSSMiB > 1 && r.DaemonCPUSecs > 0, "daemon rss %v MiB, cpu %v s", r.DaemonPeakRSSMiB, r.DaemonCPUSecs)
			check(len(r.Baselines) == 4, "%d baselines, want 4 (webhook, email, sftp, store)", len(r.Baselines))
			for _, b := range r.Baselines {
				check(b.Err == "" && b.N > 0 && b.PerSecond > 0, "baseline %q: n %d, %v/s, error %q", b.What, b.N, b.PerSecond, b.Err)
			}
			check(len(r.Ratios) >= 6, "%d ratios: %v", len(r.Ratios), r.Ratios)
			check(r.DiskFsync != nil && r.DiskFsync.N > 0 && r.DiskFsync.Max > 0 && r.DiskProbeErr == "", "disk probe %+v, error %q", r.DiskFsync, r.DiskProbeErr)
			if err := checkTimeline(timeline, r.Delivered); err != nil {
				bad = append(bad, err.Error())
			}
			if len(bad) > 0 {
				t.Errorf("report:\n  %s\n%s", strings.Join(bad, "\n  "), out.String())
			}
		})
	}
}

// checkTimeline reads a --timeline-out file: a header, then one row per
// delivery, in POST order, on every channel, each latency positive.
func checkTimeline(path string, delivered int) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		return fmt.Errorf("timeline: %w", err)
	}
	if len(rows) == 0 || strings.Join(rows[0], ",") != "posted_ms,latency_ms,channel,supplier_order" {
		return fmt.Errorf("timeline header %v", rows[:min(1, len(rows))])
	}
	rows = rows[1:]
	if len(rows) != delivered {
		return fmt.Errorf("timeline has %d rows, want %d", len(rows), delivered)
	}
	channels := map[string]int{}
	last := -1.0
	for _, row := range rows {
		posted, err1 := strconv.ParseFloat(row[0], 64)
		latency, err2 := strconv.ParseFloat(row[1], 64)
		if err1 != nil || err2 != nil || posted < last || latency <= 0 || !strings.Contains(row[3], "-") {
			return fmt.Errorf("timeline row %v (after posted %v)", row, last)
		}
		last = posted
		channels[row[2]]++
	}
	if len(channels) != 4 {
		return fmt.Errorf("timeline channels %v, want 4", channels)
	}
	return nil
}

func buildSupplyhub(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "supplyhub")
	if out, err := exec.Command("go", "build", "-o", bin, "../supplyhub").CombinedOutput(); err != nil {
		t.Fatalf("build supplyhub: %v\n%s", err, out)
	}
	return bin
}

// TestTargetMode loads a daemon this test started itself, as an operator
// would load one already running: --url, keys, supplier codes and --pid.
func TestTargetMode(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a daemon")
	}
	bin := buildSupplyhub(t)
	dir := t.TempDir()
	cfg := filepath.Join(dir, "supplyhub.yaml")
	if err := os.WriteFile(cfg, []byte("data_dir: "+dir+`
log: {level: warn, format: text}
demo: {write_keys: true}
retailers: [{code: acme, name: Acme}]
suppliers: [{code: "31", name: Tools, channels: [{type: api}]}, {code: "40", name: Paint, channels: [{type: api}]}]
`), 0o600); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.Command(bin, "serve")
	cmd.Env = append(os.Environ(), "SUPPLYHUB_CONFIG="+cfg, "SUPPLYHUB_HTTP_ADDR="+addr, "SUPPLYHUB_SFTP_ADDR=",
		"SUPPLYHUB_HTTP_RATE_LIMIT=0")
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	url := "http://" + addr
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(url + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve not ready after 30s:\n%s", logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	key := func(name string) string {
		b, err := os.ReadFile(filepath.Join(dir, "demo-keys", name))
		if err != nil {
			t.Fatal(err)
		}
		return strings.TrimSpace(string(b))
	}
	var out, errb bytes.Buffer
	code := run([]string{"--url", url, "--retailer-key", key("retailer-acme.key"), "--supplier-key", key("supplier-31.key"),
		"--suppliers", "31,40", "--pid", fmt.Sprint(cmd.Process.Pid), "--orders", "100", "--senders", "4", "--pages", "5",
		"--json", "--quiet"}, &out, &errb)
	if code != 0 {
		t.Fatalf("exit %d\nstderr: %s\nstdout: %s", code, errb.String(), out.String())
	}
	var r bench.Report
	if err := json.Unmarshal(out.Bytes(), &r); err != nil {
		t.Fatalf("report is not JSON: %v\n%s", err, out.String())
	}
	if r.Target != url || r.Accepted != 100 || r.Failed != 0 || r.APILatency.N != 100 || r.PageLatency.N != 5 ||
		r.PageRows == 0 || r.PageErr != "" || r.DaemonCPUSecs <= 0 || r.DaemonPeakRSSMiB <= 1 {
		t.Errorf("report:\n%s", out.String())
	}
}
