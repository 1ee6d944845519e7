// Package server assembles the HTTP listener: health and readiness probes,
// Prometheus metrics, and whatever routes the API and portal register.
package server

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/supplyhub/supplyhub/internal/metrics"
)

// Readiness reports whether the database is reachable and migrated.
type Readiness func(ctx context.Context) error

// New returns the root handler. register adds the application's routes.
func New(m *metrics.Metrics, ready Readiness, register ...func(*http.ServeMux)) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
		defer cancel()
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if err := ready(ctx); err != nil {
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = w.Write([]byte("not ready: " + err.Error() + "\n"))
			return
		}
		_, _ = w.Write([]byte("ready\n"))
	})
	mux.Handle("GET /metrics", promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{}))
	for _, reg := range register {
		reg(mux)
	}
	return instrument(m, mux)
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
