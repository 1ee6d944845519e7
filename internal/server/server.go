// Package server assembles the HTTP listeners: health and readiness probes,
// Prometheus metrics, and whatever routes the API and portal register on
// the main listener; optionally a separate operations listener for the
// probes and metrics.
package server

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/supplyhub/supplyhub/internal/metrics"
)

// Readiness reports whether the database is reachable and migrated. A
// *CheckError names the check that failed.
type Readiness func(ctx context.Context) error

// CheckError is a failed readiness check. /readyz shows only Check; Err,
// which may hold database details, goes to the log.
type CheckError struct {
	Check string // e.g. "database", "migrations"
	Err   error
}

func (e *CheckError) Error() string { return e.Check + ": " + e.Err.Error() }
func (e *CheckError) Unwrap() error { return e.Err }

// Options shape where health and metrics are served.
type Options struct {
	// Log receives readiness failures with their full error text.
	Log *slog.Logger
	// NoMetrics leaves /metrics off this listener (an operations
	// listener serves it instead).
	NoMetrics bool
	// MetricsAllow, when not empty, limits /metrics to clients whose
	// address is in one of these prefixes; others get 403.
	MetricsAllow []netip.Prefix
	// Pprof adds /debug/pprof/ to the operations listener (NewOps only).
	Pprof bool
}

// New returns the main listener's handler. register adds the
// application's routes.
func New(m *metrics.Metrics, ready Readiness, opts Options, register ...func(*http.ServeMux)) http.Handler {
	mux := http.NewServeMux()
	probes(mux, m, ready, opts)
	for _, reg := range register {
		reg(mux)
	}
	return instrument(m, mux)
}

// NewOps returns the operations listener's handler: /healthz, /readyz and
// /metrics, nothing else.
func NewOps(m *metrics.Metrics, ready Readiness, opts Options) http.Handler {
	opts.NoMetrics = false
	mux := http.NewServeMux()
	probes(mux, m, ready, opts)
	if opts.Pprof {
		registerPprof(mux)
	}
	return mux
}

func probes(mux *http.ServeMux, m *metrics.Metrics, ready Readiness, opts Options) {
	log := opts.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
		defer cancel()
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if err := ready(ctx); err != nil {
			// The error may name hosts, users or SQL: the log gets it, the
			// (possibly public) answer only the check's name.
			check := "unknown"
			var ce *CheckError
			if errors.As(err, &ce) {
				check = ce.Check
			}
			log.Warn("not ready", "check", check, "error", err)
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = w.Write([]byte("not ready: " + check + "\n"))
			return
		}
		_, _ = w.Write([]byte("ready\n"))
	})
	if opts.NoMetrics {
		return
	}
	var h http.Handler = promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{})
	if len(opts.MetricsAllow) > 0 {
		h = allowOnly(opts.MetricsAllow, h)
	}
	mux.Handle("GET /metrics", h)
}

// allowOnly answers 403 to clients outside allow. It trusts the TCP peer
// address only, never X-Forwarded-For, which any client can write.
func allowOnly(allow []netip.Prefix, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host, _, err := net.SplitHostPort(r.RemoteAddr)
		addr, perr := netip.ParseAddr(host)
		if err != nil || perr != nil {
			http.Error(w, "forbidden", http.StatusForbidden)
			return
		}
		addr = addr.Unmap()
		for _, p := range allow {
			if p.Contains(addr) {
				next.ServeHTTP(w, r)
				return
			}
		}
		http.Error(w, "forbidden", http.StatusForbidden)
	})
}

// instrument counts requests by route pattern (not raw path, which would
// explode the label set with order numbers).
func instrument(m *metrics.Metrics, mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		mux.ServeHTTP(rec, r)
		_, pattern := mux.Handler(r)
		if pattern == "" {
			pattern = "unmatched"
		}
		m.HTTPRequests.WithLabelValues(pattern, strconv.Itoa(rec.status)).Inc()
		m.HTTPDuration.WithLabelValues(pattern).Observe(time.Since(start).Seconds())
	})
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }
