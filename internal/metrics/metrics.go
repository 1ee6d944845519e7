// Package metrics defines Supplyhub's Prometheus metrics. One Metrics is
// built in main and passed to whoever records; nothing is global.
package metrics

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// Metrics holds every collector.
type Metrics struct {
	Registry          *prometheus.Registry
	OrdersAccepted    prometheus.Counter
	OrdersRejected    *prometheus.CounterVec // reason
	OrdersReplayed    prometheus.Counter
	IngestBatchSize   prometheus.Histogram
	Attempts          *prometheus.CounterVec   // channel, outcome
	AttemptDuration   *prometheus.HistogramVec // channel
	DispatchLatency   *prometheus.HistogramVec // channel: order accepted → delivered
	DeadLetters       *prometheus.CounterVec   // channel
	EndpointsDisabled *prometheus.CounterVec   // channel
	Alerts            prometheus.Counter
	OverdueAlerts     *prometheus.CounterVec   // kind: acknowledge, ship
	HTTPRequests      *prometheus.CounterVec   // route, code
	HTTPDuration      *prometheus.HistogramVec // route
}

// New registers every collector, plus Go and process collectors, on a new
// registry.
func New() *Metrics {
	r := prometheus.NewRegistry()
	m := &Metrics{
		Registry: r,
		OrdersAccepted: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "supplyhub_orders_accepted_total", Help: "Orders accepted and stored (not counting idempotent repeats).",
		}),
		OrdersRejected: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "supplyhub_orders_rejected_total", Help: "Orders refused, by reason.",
		}, []string{"reason"}),
		OrdersReplayed: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "supplyhub_orders_idempotent_repeats_total", Help: "Repeated posts of an already stored order answered without storing again.",
		}),
		IngestBatchSize: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "supplyhub_ingest_batch_orders", Help: "Orders committed per ingest transaction.",
			Buckets: []float64{1, 2, 4, 8, 16, 32, 64, 128, 256},
		}),
		Attempts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "supplyhub_delivery_attempts_total", Help: "Delivery attempts by channel type and outcome.",
		}, []string{"channel", "outcome"}),
		AttemptDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "supplyhub_delivery_attempt_duration_seconds", Help: "Time spent in one delivery attempt.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 4, 10),
		}, []string{"channel"}),
		DispatchLatency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "supplyhub_dispatch_latency_seconds", Help: "Time from an event being created to its successful delivery.",
			Buckets: prometheus.ExponentialBuckets(0.005, 3, 12),
		}, []string{"channel"}),
		DeadLetters: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "supplyhub_deliveries_dead_total", Help: "Deliveries that exhausted their retries.",
		}, []string{"channel"}),
		EndpointsDisabled: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "supplyhub_endpoints_disabled_total", Help: "Endpoints disabled after 410 Gone or a sustained failure window.",
		}, []string{"channel"}),
		Alerts: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "supplyhub_operator_alerts_total", Help: "Alerts sent to the operator.",
		}),
		OverdueAlerts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "supplyhub_overdue_alerts_total", Help: "Overdue breaches found and told (once each, by the replica that found it), by kind.",
		}, []string{"kind"}),
		HTTPRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "supplyhub_http_requests_total", Help: "HTTP requests by route and status code.",
		}, []string{"route", "code"}),
		HTTPDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "supplyhub_http_request_duration_seconds", Help: "HTTP request latency by route.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 4, 10),
		}, []string{"route"}),
	}
	r.MustRegister(m.OrdersAccepted, m.OrdersRejected, m.OrdersReplayed, m.IngestBatchSize, m.Attempts,
		m.AttemptDuration, m.DispatchLatency, m.DeadLetters, m.EndpointsDisabled, m.Alerts, m.OverdueAlerts, m.HTTPRequests, m.HTTPDuration,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// RegisterQueueDepth exposes the number of jobs waiting, read from the
// database at scrape time (so every replica reports the shared queue).
func (m *Metrics) RegisterQueueDepth(depth func(ctx context.Context) (int64, error)) {
	m.Registry.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "supplyhub_jobs_waiting", Help: "Jobs available, scheduled or waiting to retry (shared queue).",
	}, func() float64 {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		n, err := depth(ctx)
		if err != nil {
			return -1
		}
		return float64(n)
	}))
}

// RegisterOverdueOpen exposes the number of supplier orders overdue now,
// read from the database at scrape time (the same on every replica).
func (m *Metrics) RegisterOverdueOpen(count func(ctx context.Context) (int64, error)) {
	m.Registry.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "supplyhub_overdue_supplier_orders", Help: "Supplier orders past an acknowledge or ship limit and still not acknowledged or shipped (shared).",
	}, func() float64 {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		n, err := count(ctx)
		if err != nil {
			return -1
		}
		return float64(n)
	}))
}
