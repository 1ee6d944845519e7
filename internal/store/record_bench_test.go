package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/supplyhub/supplyhub/internal/domain"
	"github.com/supplyhub/supplyhub/internal/store"
	"github.com/supplyhub/supplyhub/internal/store/storetest"
)

// BenchmarkRecordTx measures the dispatcher's most frequent transaction:
// a group commit of 32 successful first deliveries (16 orders, both
// supplier orders of each), each moving its supplier order to dispatched
// and asking for the next waiting delivery, as pipeline's recordBatcher
// commits them. One op is one record.
//
//	go test -run '^$' -bench BenchmarkRecordTx -benchmem -count 8 ./internal/store/
func BenchmarkRecordTx(b *testing.B) {
	const ordersPerTx = 16
	for _, kind := range storetest.Kinds() {
		b.Run(kind, func(b *testing.B) {
			ctx := context.Background()
			st := storetest.Open(b, kind)
			r, s1, s2 := benchParties(b, st)
			derive := func(statuses []string) string { return deriveAll(statuses) }
			n := 0
			cpu := time.Duration(0)
			b.ResetTimer()
			for done := 0; done < b.N; {
				b.StopTimer()
				orders := make([]*domain.Order, ordersPerTx)
				var ds []*domain.Delivery
				for j := range orders {
					orders[j] = newOrder(r, s1, s2, fmt.Sprintf("o%d", n))
					n++
				}
				err := st.InTx(ctx, func(tx store.Tx) error {
					if _, err := st.InsertOrders(ctx, tx, orders, number); err != nil {
						return err
					}
					for _, o := range orders {
						for k := range o.Suppliers {
							so := &o.Suppliers[k]
							ds = append(ds, &domain.Delivery{SupplierOrderID: so.ID, SupplierID: so.SupplierID, Channel: "hook",
								Kind: "webhook", Event: domain.EventOrderCreated})
						}
					}
					_, err := st.InsertDeliveries(ctx, tx, ds)
					return err
				})
				if err != nil {
					b.Fatal(err)
				}
				cpu0 := cpuTime()
				b.StartTimer()
				err = st.InTx(ctx, func(tx store.Tx) error {
					for _, d := range ds {
						a := &domain.Attempt{DeliveryID: d.ID, Number: 1, StartedAt: time.Now(), Duration: time.Millisecond,
							Outcome: domain.OutcomeOK, StatusCode: 200}
						rec := store.Record{Attempt: a, Status: domain.DeliveryDelivered, Delivery: d, Dispatched: true,
							Derive: derive, Next: true}
						if _, err := st.RecordTx(ctx, tx, rec); err != nil {
							return err
						}
					}
					return nil
				})
				b.StopTimer()
				cpu += cpuTime() - cpu0
				if err != nil {
					b.Fatal(err)
				}
				done += len(ds)
				b.StartTimer()
			}
			b.ReportMetric(float64(cpu.Microseconds())/float64(b.N), "cpu-µs/record")
		})
	}
}

// benchParties stores the retailer and two suppliers the store benchmarks
// take orders between.
func benchParties(b *testing.B, st *store.Store) (*domain.Retailer, *domain.Supplier, *domain.Supplier) {
	b.Helper()
	ctx := context.Background()
	r := &domain.Retailer{Code: "acme", Name: "Acme"}
	s1 := &domain.Supplier{Code: "31", Name: "Tools"}
	s2 := &domain.Supplier{Code: "40", Name: "Paint"}
	for _, err := range []error{st.UpsertRetailer(ctx, r), st.UpsertSupplier(ctx, s1), st.UpsertSupplier(ctx, s2)} {
		if err != nil {
			b.Fatal(err)
		}
	}
	return r, s1, s2
}
