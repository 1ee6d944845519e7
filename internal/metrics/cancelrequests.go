package metrics

import "github.com/prometheus/client_golang/prometheus"

// RegisterCancelEscalations registers and returns the counter of
// cancellation requests escalated to the operator (each counted once, on
// the replica whose scan escalated it). Call it once per Metrics.
func (m *Metrics) RegisterCancelEscalations() prometheus.Counter {
	c := prometheus.NewCounter(prometheus.CounterOpts{
		Name: "supplyhub_cancel_requests_escalated_total",
		Help: "Cancellation requests left unanswered past their supplier's answer_within and escalated to the operator.",
	})
	m.Registry.MustRegister(c)
	return c
}
