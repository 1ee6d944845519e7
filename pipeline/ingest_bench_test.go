package pipeline_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/supplyhub/supplyhub/internal/domain"
	"github.com/supplyhub/supplyhub/internal/jobs"
	"github.com/supplyhub/supplyhub/internal/metrics"
	"github.com/supplyhub/supplyhub/internal/store"
	"github.com/supplyhub/supplyhub/internal/store/storetest"
	"github.com/supplyhub/supplyhub/pipeline"
)

func benchRequest(ext string) *pipeline.OrderRequest {
	return &pipeline.OrderRequest{
		ExternalID: ext, PlacedAt: "2026-11-22T10:00:00Z", Currency: "EUR",
		Customer:        domain.Customer{Name: "Zoë Martin", Email: "zoe@example.com"},
		ShippingAddress: domain.Address{Name: "Zoë", Line1: "1 rue de Rivoli", City: "Paris", PostalCode: "75001", Country: "FR"},
		Lines: []pipeline.LineRequest{
			{SKU: "HAM-1", Supplier: "31", Name: "Hammer", Quantity: 2, UnitPrice: 1250},
			{SKU: "HAM-2", Supplier: "31", Name: "Nails", Quantity: 1, UnitPrice: 250},
			{SKU: "PNT-9", Supplier: "40", Name: "Paint", Quantity: 1, UnitPrice: 2000},
			{SKU: "PNT-1", Supplier: "40", Name: "Brush", Quantity: 3, UnitPrice: 300},
		},
		Shipping: map[string]domain.Money{"31": 500},
	}
}

// BenchmarkIngestStore measures intake alone: validate, split, and commit
// order + 2 supplier orders + 4 lines + 2 deliveries + 2 River jobs, with
// no job workers running, for 1, 8 and 64 concurrent submitters.
//
//	go test -run '^$' -bench BenchmarkIngestStore -benchtime 5000x ./pipeline/
func BenchmarkIngestStore(b *testing.B) {
	for _, kind := range []string{store.KindSQLite, store.KindPostgres} {
		for _, clients := range []int{1, 8, 64} {
			b.Run(fmt.Sprintf("%s/clients=%d", kind, clients), func(b *testing.B) {
				if kind == store.KindPostgres {
					storetest.SkipWithoutPostgres(b)
				}
				ctx := context.Background()
				st := storetest.Open(b, kind)
				r := &domain.Retailer{Code: "acme", Name: "Acme"}
				if err := st.UpsertRetailer(ctx, r); err != nil {
					b.Fatal(err)
				}
				for _, code := range []string{"31", "40"} {
					s := &domain.Supplier{Code: code, Name: code, Channels: []domain.Channel{{Name: "file", Type: "file"}}}
					if err := st.UpsertSupplier(ctx, s); err != nil {
						b.Fatal(err)
					}
				}
				q, err := jobs.New(st, jobs.Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
				if err != nil {
					b.Fatal(err)
				}
				writers := 1
				if kind == store.KindPostgres {
					writers = 2
				}
				in := pipeline.NewIngestor(st, q, pipeline.NewDirectory(st, time.Minute), metrics.New(),
					slog.New(slog.NewTextHandler(io.Discard, nil)), pipeline.IngestConfig{
						BatchSize: 64, Writers: writers, SupplierOrderNumber: pipeline.SupplierOrderNumberer("{order}-{supplier}"),
					})
				runCtx, stop := context.WithCancel(ctx)
				done := make(chan struct{})
				go func() { in.Run(runCtx); close(done) }()
				defer func() { stop(); <-done }()
				reqs := make([]*pipeline.OrderRequest, b.N)
				for i := range reqs {
					reqs[i] = benchRequest(fmt.Sprintf("B-%d", i))
				}
				var next atomic.Int64
				var failed atomic.Int64
				b.ReportAllocs()
				b.ResetTimer()
				start, cpu0 := time.Now(), cpuTime()
				var wg sync.WaitGroup
				for c := 0; c < clients; c++ {
					wg.Add(1)
					go func() {
						defer wg.Done()
						for {
							i := next.Add(1) - 1
							if i >= int64(b.N) {
								return
							}
							if res, err := in.Submit(ctx, r, reqs[i]); err != nil || !res.Created {
								failed.Add(1)
							}
						}
					}()
				}
				wg.Wait()
				elapsed, cpu := time.Since(start), cpuTime()-cpu0
				b.StopTimer()
				if n := failed.Load(); n > 0 {
					b.Fatalf("%d submissions failed", n)
				}
				b.ReportMetric(float64(b.N)/elapsed.Seconds(), "orders/s")
				// The process's CPU (PostgreSQL's backends not included):
				// steadier than orders/s on a shared machine.
				b.ReportMetric(float64(cpu.Microseconds())/float64(b.N), "cpu-µs/order")
			})
		}
	}
}

// cpuTime is the process's user and system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
