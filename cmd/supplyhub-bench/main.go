// Command supplyhub-bench starts a Supplyhub daemon as a subprocess on
// SQLite or PostgreSQL, loads it with orders delivered on mixed channels,
// and prints what it measured: intake, delivery latency per channel, lost
// and duplicate deliveries, the daemon's CPU and peak RSS, and bare
// baselines. See BENCHMARKS.md.
//
//	go run ./cmd/supplyhub-bench --db sqlite --orders 5000 --senders 16 --channels webhook,webhook
//	go run ./cmd/supplyhub-bench --rate 200 --duration 30s
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/supplyhub/supplyhub/internal/bench"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run is main without the exit: 0 all delivered exactly once, 1 lost or
// duplicate deliveries or a failed run, 2 bad flags.
func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("supplyhub-bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	o := &bench.Options{}
	var channels string
	var asJSON, quiet bool
	var jsonOut string
	fs.StringVar(&o.DB, "db", "sqlite", "sqlite or postgres")
	fs.StringVar(&o.PGURL, "pg-url", os.Getenv("SUPPLYHUB_BENCH_POSTGRES_URL"),
		"PostgreSQL server for --db postgres; a fresh database is made on it and dropped (env SUPPLYHUB_BENCH_POSTGRES_URL)")
	fs.StringVar(&o.Binary, "binary", "", "supplyhub binary to run (default: go build ./cmd/supplyhub)")
	fs.StringVar(&channels, "channels", "webhook,sftp,email,api", "one supplier per entry: webhook, sftp, email, api")
	fs.IntVar(&o.Orders, "orders", 0, "orders to post (0: no limit; give --orders or --duration)")
	fs.DurationVar(&o.Duration, "duration", 0, "how long to post (0: no limit)")
	fs.Float64Var(&o.Rate, "rate", 0, "orders per second in all (0: as fast as the senders go)")
	fs.IntVar(&o.Senders, "senders", 8, "concurrent order senders")
	fs.DurationVar(&o.Drain, "drain", 2*time.Minute, "longest wait for deliveries after the last order")
	fs.IntVar(&o.Stored, "stored", 0, "synthetic orders bulk-inserted before timing pages of 100")
	fs.IntVar(&o.Pages, "pages", 50, "page-of-100 requests to time")
	fs.BoolVar(&o.Baselines, "baselines", true, "run the bare baselines too")
	fs.BoolVar(&o.Pprof, "pprof", false, "serve /debug/pprof on the daemon's ops listener (URL printed)")
	fs.StringVar(&o.CPUProfile, "cpuprofile", "", "save a CPU profile of the daemon, taken from the start of the load, to this file")
	fs.DurationVar(&o.CPUProfileFor, "cpuprofile-for", 10*time.Second, "how long the --cpuprofile profile runs")
	fs.BoolVar(&o.DiskProbe, "disk-probe", false, "time a 4 KiB write and fsync in the daemon's data folder every 20 ms during the load")
	fs.StringVar(&o.TimelineOut, "timeline-out", "", "write each delivery's POST time (ms into the load) and latency to this CSV file")
	var targetSups string
	fs.StringVar(&o.Target, "url", "", "load this running daemon instead of starting one (intake and pages only)")
	fs.StringVar(&o.RetailerKey, "retailer-key", os.Getenv("SUPPLYHUB_BENCH_RETAILER_KEY"),
		"with --url: a retailer API key (env SUPPLYHUB_BENCH_RETAILER_KEY)")
	fs.StringVar(&o.SupplierKey, "supplier-key", os.Getenv("SUPPLYHUB_BENCH_SUPPLIER_KEY"),
		"with --url: a supplier API key for the page-of-100 test (env SUPPLYHUB_BENCH_SUPPLIER_KEY)")
	fs.StringVar(&targetSups, "suppliers", "", "with --url: supplier codes the orders' lines go to, e.g. 31,40")
	fs.IntVar(&o.PID, "pid", 0, "with --url: the daemon's pid on this machine, to read its CPU and RSS")
	fs.BoolVar(&asJSON, "json", false, "print the report as JSON")
	fs.StringVar(&jsonOut, "json-out", "", "also write the report as JSON to this file")
	fs.BoolVar(&quiet, "quiet", false, "no progress bar or step lines")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "supplyhub-bench: unexpected arguments %q\n", fs.Args())
		return 2
	}
	for _, c := range strings.Split(channels, ",") {
		if c = strings.TrimSpace(c); c != "" {
			o.Channels = append(o.Channels, c)
		}
	}
	for _, c := range strings.Split(targetSups, ",") {
		if c = strings.TrimSpace(c); c != "" {
			o.TargetSuppliers = append(o.TargetSuppliers, c)
		}
	}
	if err := o.Check(); err != nil {
		fmt.Fprintf(stderr, "supplyhub-bench: %v\n", err)
		return 2
	}
	if !quiet {
		o.Logf = func(format string, args ...any) { fmt.Fprintf(stderr, "\r\033[K"+format+"\n", args...) }
		if isTerminal(stderr) {
			o.Progress = func(line string) { fmt.Fprintf(stderr, "\r\033[K%s", line) }
		} else {
			o.Logf = func(format string, args ...any) { fmt.Fprintf(stderr, format+"\n", args...) }
		}
	}
	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer cancel()
	r, err := bench.Run(ctx, o)
	if o.Progress != nil {
		fmt.Fprintln(stderr)
	}
	if r != nil {
		var werr error
		if asJSON {
			werr = r.WriteJSON(stdout)
		} else {
			werr = r.WriteTable(stdout)
		}
		if werr == nil && jsonOut != "" {
			werr = writeJSONFile(jsonOut, r)
		}
		if werr != nil {
			fmt.Fprintf(stderr, "supplyhub-bench: write report: %v\n", werr)
			return 1
		}
	}
	if err != nil {
		fmt.Fprintf(stderr, "supplyhub-bench: %v\n", err)
		return 1
	}
	if err := r.Verdict(); err != nil {
		fmt.Fprintf(stderr, "supplyhub-bench: %v\n", err)
		return 1
	}
	return 0
}

// isTerminal says whether w is a terminal, where a progress bar redrawn
// with \r makes sense; in a log file it would be noise.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

func writeJSONFile(path string, r *bench.Report) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := r.WriteJSON(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
