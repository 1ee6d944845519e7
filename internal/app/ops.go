package app

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"time"

	"github.com/supplyhub/supplyhub/config"
	"github.com/supplyhub/supplyhub/internal/server"
)

// serverOptions places /metrics: on the operations listener alone when
// http.ops_addr is set, and behind http.metrics_allow wherever it is.
func serverOptions(cfg *config.Config, log *slog.Logger) (server.Options, error) {
	opts := server.Options{Log: log.With("component", "http"), NoMetrics: cfg.HTTP.OpsAddr != "",
		Pprof: cfg.HTTP.Pprof}
	for i, p := range cfg.HTTP.MetricsAllow {
		pr, err := netip.ParsePrefix(p)
		if err != nil {
			return opts, fmt.Errorf("http.metrics_allow[%d]: %w", i, err)
		}
		opts.MetricsAllow = append(opts.MetricsAllow, pr)
	}
	return opts, nil
}

// serveOps starts the operations listener when one is configured; stop
// shuts it down. It sets a.OpsAddr before returning.
func (a *App) serveOps() (stop func(ctx context.Context), err error) {
	if a.OpsHandler == nil {
		return func(context.Context) {}, nil
	}
	ln, err := net.Listen("tcp", a.Cfg.HTTP.OpsAddr)
	if err != nil {
		return nil, fmt.Errorf("listen http.ops_addr %s: %w", a.Cfg.HTTP.OpsAddr, err)
	}
	a.OpsAddr = ln.Addr()
	srv := &http.Server{Handler: a.OpsHandler, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 120 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && err != http.ErrServerClosed {
			a.log.Error("operations listener stopped", "addr", ln.Addr().String(), "error", err)
		}
	}()
	return func(ctx context.Context) { _ = srv.Shutdown(ctx) }, nil
}
