package store_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/supplyhub/supplyhub/internal/domain"
	"github.com/supplyhub/supplyhub/internal/store"
	"github.com/supplyhub/supplyhub/internal/store/storetest"
)

// bulkOrder is newOrder with lines lines at its first supplier, so line
// counts differ between orders.
func bulkOrder(r *domain.Retailer, s1, s2 *domain.Supplier, ext string, lines int) *domain.Order {
	o := newOrder(r, s1, s2, ext)
	so := &o.Suppliers[0]
	for i := 1; i < lines; i++ {
		so.Lines = append(so.Lines, domain.Line{Position: 2 + i, SKU: fmt.Sprintf("%s-L%d", ext, i), Name: "Nail", Quantity: i,
			UnitPrice: 10, Total: domain.Money(10 * i)})
	}
	return o
}

// TestInsertOrdersBulk stores 300 orders in one call (more than one
// statement's rows) with an order that exists already and a repeated
// external id; every id set on the orders, supplier orders and lines is
// the id of the row with that content.
func TestInsertOrdersBulk(t *testing.T) {
	storetest.Each(t, func(t *testing.T, kind string) {
		ctx := context.Background()
		st := storetest.Open(t, kind)
		r, s1, s2 := seed(t, st)
		old := newOrder(r, s1, s2, "old")
		if err := st.InTx(ctx, func(tx store.Tx) error { _, err := st.InsertOrder(ctx, tx, old, number); return err }); err != nil {
			t.Fatal(err)
		}
		var orders []*domain.Order
		for i := 0; i < 300; i++ {
			orders = append(orders, bulkOrder(r, s1, s2, fmt.Sprintf("b%03d", i), 1+i%4))
		}
		orders = append(orders, newOrder(r, s1, s2, "old"), newOrder(r, s1, s2, "b007"))
		var inserted []bool
		err := st.InTx(ctx, func(tx store.Tx) error {
			var err error
			inserted, err = st.InsertOrders(ctx, tx, orders, number)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		for i, o := range orders {
			if want := i < 300; inserted[i] != want {
				t.Fatalf("order %d (%s): inserted %v, want %v", i, o.Header.ExternalID, inserted[i], want)
			}
			if !inserted[i] {
				continue
			}
			got, err := st.OrderByID(ctx, nil, r.ID, o.ID)
			if err != nil {
				t.Fatalf("order %s id %d: %v", o.Header.ExternalID, o.ID, err)
			}
			if got.Header.ExternalID != o.Header.ExternalID || got.Header.Number != o.Header.Number || got.StatusToken != o.StatusToken ||
				!got.CreatedAt.Equal(o.CreatedAt.Truncate(time.Microsecond)) || got.Header.Customer.Name != "Zoë" || len(got.Suppliers) != 2 {
				t.Fatalf("order %d: stored %+v, want %+v", o.ID, got, o)
			}
			for j, so := range o.Suppliers {
				g := got.Suppliers[j]
				if g.ID != so.ID || g.Number != so.Number || g.Number != number(o.Header.Number, so.Supplier) || g.Payout != so.Payout ||
					so.OrderID != o.ID || so.Version != 1 || len(g.Lines) != len(so.Lines) {
					t.Fatalf("supplier order %s: stored %+v, want %+v", so.Number, g, so)
				}
				for k, l := range so.Lines {
					gl := g.Lines[k]
					if gl.ID != l.ID || gl.Position != l.Position || gl.SKU != l.SKU || gl.Quantity != l.Quantity || l.Status != domain.LineOpen {
						t.Fatalf("line %d of %s: stored %+v, want %+v", l.Position, so.Number, gl, l)
					}
				}
			}
		}
		// The existing order is untouched, and nothing else was stored.
		if got, err := st.OrderByID(ctx, nil, r.ID, old.ID); err != nil || got.RequestHash != old.RequestHash || len(got.Suppliers) != 2 {
			t.Fatalf("existing order: %+v %v", got, err)
		}
		page, err := st.ListOrders(ctx, store.OrderPage{RetailerID: r.ID, From: time.Unix(0, 0), To: time.Now().Add(time.Hour), Limit: 1000})
		if err != nil || len(page) != 301 {
			t.Fatalf("%d orders stored, %v; want 301", len(page), err)
		}
		// OrderRefs finds them all (in more than one statement), by
		// external id, and nothing of another retailer.
		exts := []string{"missing"}
		for _, o := range orders {
			exts = append(exts, o.Header.ExternalID)
		}
		refs, err := st.OrderRefs(ctx, st.DB(), r.ID, exts)
		if err != nil || len(refs) != 301 {
			t.Fatalf("order refs: %d, %v; want 301", len(refs), err)
		}
		for i, o := range orders[:300] {
			if ref := refs[o.Header.ExternalID]; ref.ID != o.ID || ref.RequestHash != o.RequestHash {
				t.Fatalf("order ref %d: %+v, want %d %s", i, ref, o.ID, o.RequestHash)
			}
		}
		if ref := refs["old"]; ref.ID != old.ID || ref.RequestHash != "h-old" {
			t.Fatalf("order ref of the existing order: %+v", ref)
		}
		if refs, err := st.OrderRefs(ctx, st.DB(), r.ID+100, exts[:20]); err != nil || len(refs) != 0 {
			t.Fatalf("another retailer's refs: %+v %v", refs, err)
		}
	})
}

// TestInsertDeliveriesBulk: new deliveries get the ids of their rows and
// their snapshots; one that exists, or comes twice, is loaded instead.
func TestInsertDeliveriesBulk(t *testing.T) {
	storetest.Each(t, func(t *testing.T, kind string) {
		ctx := context.Background()
		st := storetest.Open(t, kind)
		r, s1, s2 := seed(t, st)
		var orders []*domain.Order
		for i := 0; i < 3; i++ {
			orders = append(orders, newOrder(r, s1, s2, fmt.Sprintf("d%d", i)))
		}
		var pre *domain.Delivery
		err := st.InTx(ctx, func(tx store.Tx) error {
			if _, err := st.InsertOrders(ctx, tx, orders, number); err != nil {
				return err
			}
			pre = &domain.Delivery{SupplierOrderID: orders[0].Suppliers[0].ID, SupplierID: s1.ID, Channel: "file", Kind: "file",
				Event: domain.EventOrderCreated, Snapshot: []byte(`{"pre":true}`)}
			_, err := st.InsertDelivery(ctx, tx, pre)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		var ds []*domain.Delivery
		for _, o := range orders {
			for _, so := range o.Suppliers {
				for _, ch := range []string{"file", "hook"} {
					ds = append(ds, &domain.Delivery{SupplierOrderID: so.ID, SupplierID: so.SupplierID, Channel: ch, Kind: ch,
						Event: domain.EventOrderCreated, Snapshot: []byte(fmt.Sprintf(`{"so":%d,"ch":%q}`, so.ID, ch))})
				}
			}
		}
		again := *ds[5]
		ds = append(ds, &again)
		var created []bool
		err = st.InTx(ctx, func(tx store.Tx) error {
			var err error
			created, err = st.InsertDeliveries(ctx, tx, ds)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		for i, d := range ds {
			if want := i != 0 && i != len(ds)-1; created[i] != want {
				t.Errorf("delivery %d: created %v, want %v", i, created[i], want)
			}
			got, err := st.DeliveryForDispatch(ctx, d.ID)
			if err != nil {
				t.Fatalf("delivery %d: %v", d.ID, err)
			}
			snap := fmt.Sprintf(`{"so":%d,"ch":%q}`, d.SupplierOrderID, d.Channel)
			if i == 0 {
				snap = `{"pre":true}`
			}
			if got.Delivery.SupplierOrderID != d.SupplierOrderID || got.Delivery.Channel != d.Channel || string(got.Snapshot) != snap ||
				d.Status != domain.DeliveryPending {
				t.Errorf("delivery %d: stored %+v (snapshot %s), want %+v", d.ID, got.Delivery, got.Snapshot, d)
			}
		}
		if ds[0].ID != pre.ID || ds[len(ds)-1].ID != ds[5].ID {
			t.Errorf("existing deliveries: ids %d and %d, want %d and %d", ds[0].ID, ds[len(ds)-1].ID, pre.ID, ds[5].ID)
		}
	})
}

// TestAccrueCommissionsBulk: the ledger holds what AccrueCommission would
// have written, once per supplier order.
func TestAccrueCommissionsBulk(t *testing.T) {
	storetest.Each(t, func(t *testing.T, kind string) {
		ctx := context.Background()
		st := storetest.Open(t, kind)
		r, s1, s2 := seed(t, st)
		oct := time.Date(2026, 10, 30, 23, 0, 0, 0, time.UTC)
		orders := []*domain.Order{newOrder(r, s1, s2, "A1"), newOrder(r, s1, s2, "A2")}
		trips := st.TxRoundTrips()
		err := st.InTx(ctx, func(tx store.Tx) error {
			if _, err := st.InsertOrders(ctx, tx, orders, number); err != nil {
				return err
			}
			var acc []store.Accrual
			for _, o := range orders {
				for i := range o.Suppliers {
					acc = append(acc, store.Accrual{RetailerID: r.ID, SupplierOrder: &o.Suppliers[i], Currency: "EUR", At: oct})
				}
			}
			if err := st.AccrueCommissions(ctx, tx, acc); err != nil {
				return err
			}
			return st.AccrueCommissions(ctx, tx, acc[:1]) // once per supplier order
		})
		if err != nil {
			t.Fatal(err)
		}
		// On PostgreSQL the accruals go with COMMIT: three inserts (the
		// first with BEGIN), then the accruals and COMMIT.
		if got := st.TxRoundTrips() - trips; kind == store.KindPostgres && got != 4 {
			t.Errorf("%d round trips, want 4", got)
		}
		rep, err := st.CommissionReport(ctx, "2026-10", r.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(rep) != 2 || rep[0].Supplier != "31" || rep[0].Accruals != 2 || rep[0].Commission != 44 || rep[0].ItemTotal != 2000 ||
			rep[0].Payout != 2956 || rep[1].Supplier != "40" || rep[1].Accruals != 2 || rep[1].Commission != 200 {
			t.Errorf("October: %+v", rep)
		}
	})
}

// BenchmarkInsertOrders stores batches of 16 orders (two supplier orders,
// one line each, two deliveries each) per transaction, row by row as ingest
// did and with the bulk statements.
func BenchmarkInsertOrders(b *testing.B) {
	for _, kind := range storetest.Kinds() {
		for _, bulk := range []bool{false, true} {
			b.Run(fmt.Sprintf("%s/bulk=%v", kind, bulk), func(b *testing.B) {
				ctx := context.Background()
				st := storetest.Open(b, kind)
				r, s1, s2 := benchParties(b, st)
				snap := []byte(`{"id":1,"number":"1-31","lines":[{"sku":"HAM-1","name":"Hammer","quantity":2}],"padding":"` +
					strings.Repeat("x", 900) + `"}`) // about a real snapshot's size
				n := 0
				cpu0 := cpuTime()
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					orders := make([]*domain.Order, 16)
					for j := range orders {
						orders[j] = newOrder(r, s1, s2, fmt.Sprintf("o%d", n))
						n++
					}
					err := st.InTx(ctx, func(tx store.Tx) error {
						if !bulk {
							for _, o := range orders {
								if _, _, err := st.OrderRef(ctx, tx, o.RetailerID, o.Header.ExternalID); err == nil {
									continue
								}
								if _, err := st.InsertOrder(ctx, tx, o, number); err != nil {
									return err
								}
								for k := range o.Suppliers {
									so := &o.Suppliers[k]
									if err := st.AccrueCommission(ctx, tx, r.ID, so, "EUR", o.CreatedAt); err != nil {
										return err
									}
									d := &domain.Delivery{SupplierOrderID: so.ID, SupplierID: so.SupplierID, Channel: "hook", Kind: "webhook",
										Event: domain.EventOrderCreated, Snapshot: snap}
									if _, err := st.InsertDelivery(ctx, tx, d); err != nil {
										return err
									}
								}
							}
							return nil
						}
						if _, err := st.InsertOrders(ctx, tx, orders, number); err != nil {
							return err
						}
						var acc []store.Accrual
						var ds []*domain.Delivery
						for _, o := range orders {
							for k := range o.Suppliers {
								so := &o.Suppliers[k]
								acc = append(acc, store.Accrual{RetailerID: r.ID, SupplierOrder: so, Currency: "EUR", At: o.CreatedAt})
								ds = append(ds, &domain.Delivery{SupplierOrderID: so.ID, SupplierID: so.SupplierID, Channel: "hook", Kind: "webhook",
									Event: domain.EventOrderCreated, Snapshot: snap})
							}
						}
						if err := st.AccrueCommissions(ctx, tx, acc); err != nil {
							return err
						}
						_, err := st.InsertDeliveries(ctx, tx, ds)
						return err
					})
					if err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(n), "µs/order")
				b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/float64(n), "cpu-µs/order")
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

// TestConcurrentDuplicateInsertOrders: transactions (replicas) storing the
// same external id at once store it once; the others skip it and keep
// their other orders.
func TestConcurrentDuplicateInsertOrders(t *testing.T) {
	storetest.Each(t, func(t *testing.T, kind string) {
		ctx := context.Background()
		st := storetest.Open(t, kind)
		r, s1, s2 := seed(t, st)
		var wg sync.WaitGroup
		var mu sync.Mutex
		same, others := 0, 0
		for i := 0; i < 8; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				orders := []*domain.Order{newOrder(r, s1, s2, "same"), newOrder(r, s1, s2, fmt.Sprintf("own-%d", i))}
				err := st.InTx(ctx, func(tx store.Tx) error {
					inserted, err := st.InsertOrders(ctx, tx, orders, number)
					if err == nil {
						mu.Lock()
						if inserted[0] {
							same++
						}
						if inserted[1] {
							others++
						}
						mu.Unlock()
					}
					return err
				})
				if err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		if same != 1 || others != 8 {
			t.Fatalf("inserted the shared order %d times and %d own orders, want 1 and 8", same, others)
		}
	})
}
