package bench

import (
	"fmt"
	"strings"
	"time"
)

// Options is one bench run.
type Options struct {
	// DB is "sqlite" (a fresh file in a temp folder) or "postgres" (a
	// fresh database on PGURL's server, dropped afterwards).
	DB    string
	PGURL string
	// Binary is the supplyhub binary to run; empty builds ./cmd/supplyhub
	// (run from the repository root).
	Binary string
	// Channels has one entry per supplier: webhook, sftp (the built-in
	// server), email (SMTP to an in-process sink) or api (pulled).
	Channels []string
	// Orders stops posting after this many; Duration after this long
	// (whichever comes first; 0 is no limit, but one must be set).
	Orders   int
	Duration time.Duration
	// Rate is orders per second across all senders; 0 is as fast as
	// the senders go.
	Rate    float64
	Senders int
	// Drain bounds the wait for deliveries after the last POST.
	Drain time.Duration
	// Stored orders are bulk-inserted before the page-of-100 latency is
	// measured (0: only the run's own orders).
	Stored int
	// Pages is how many page-of-100 requests to time.
	Pages int
	// Baselines turns the bare baselines on.
	Baselines bool
	// Pprof turns http.pprof on, on an ops listener it prints.
	Pprof bool
	// CPUProfile, when set, is a file where a CPU profile of the daemon
	// taken over the first CPUProfileFor of the load is saved (implies Pprof).
	CPUProfile    string
	CPUProfileFor time.Duration
	// DiskProbe times a 4 KiB write and fsync in the daemon's data folder
	// every 20 ms through the load and the drain (diskprobe.go).
	DiskProbe bool
	// TimelineOut, when set, is a CSV file that gets one row per first
	// arrival: when its order was posted and how long it took (see
	// timeline.go).
	TimelineOut string
	// Target, when set, is the URL of a running daemon to load instead of
	// starting one: only intake, the page of 100 (with SupplierKey) and,
	// with PID, the daemon's CPU and RSS are measured, since its suppliers
	// do not deliver to this tool.
	Target          string
	RetailerKey     string
	SupplierKey     string
	TargetSuppliers []string
	PID             int
	// Progress gets a progress line now and then; nil for none.
	Progress func(line string)
	// Logf gets the run's steps; nil for none.
	Logf func(format string, args ...any)
}

// Check reports every bad option.
func (o *Options) Check() error {
	var probs []string
	if o.Target != "" {
		if o.RetailerKey == "" {
			probs = append(probs, "--retailer-key is required with --url")
		}
		if len(o.TargetSuppliers) == 0 {
			probs = append(probs, "--suppliers (codes known to the running daemon) is required with --url")
		}
		if o.Stored > 0 {
			probs = append(probs, "--stored cannot be used with --url: it writes straight into the database")
		}
	}
	switch o.DB {
	case "sqlite":
	case "postgres":
		if o.PGURL == "" {
			probs = append(probs, "--pg-url is required with --db postgres")
		}
	default:
		probs = append(probs, fmt.Sprintf("--db must be sqlite or postgres, not %q", o.DB))
	}
	if len(o.Channels) == 0 && o.Target == "" {
		probs = append(probs, "--channels needs at least one of webhook, sftp, email, api")
	}
	for _, c := range o.Channels {
		switch c {
		case "webhook", "sftp", "email", "api":
		default:
			probs = append(probs, fmt.Sprintf("--channels: unknown channel %q (webhook, sftp, email, api)", c))
		}
	}
	if o.Orders <= 0 && o.Duration <= 0 {
		probs = append(probs, "give --orders or --duration (or both)")
	}
	if o.Orders < 0 || o.Duration < 0 || o.Rate < 0 || o.Stored < 0 || o.Pages < 0 {
		probs = append(probs, "--orders, --duration, --rate, --stored and --pages must not be negative")
	}
	if o.Senders < 1 {
		probs = append(probs, "--senders must be at least 1")
	}
	if len(probs) > 0 {
		return fmt.Errorf("bad options:\n  %s", strings.Join(probs, "\n  "))
	}
	return nil
}

func (o *Options) logf(format string, args ...any) {
	if o.Logf != nil {
		o.Logf(format, args...)
	}
}

// supplier is one supplier of the run: its code and channel.
type supplier struct {
	Code    string
	Channel string
}

// suppliers names one supplier per channel entry: webhook1, sftp2, ….
func (o *Options) suppliers() []supplier {
	out := make([]supplier, len(o.Channels))
	for i, c := range o.Channels {
		out[i] = supplier{Code: fmt.Sprintf("%s%d", c, i+1), Channel: c}
	}
	return out
}
