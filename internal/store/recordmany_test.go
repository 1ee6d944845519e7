package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/supplyhub/supplyhub/internal/domain"
	"github.com/supplyhub/supplyhub/internal/store"
	"github.com/supplyhub/supplyhub/internal/store/storetest"
)

// TestRecordManyTx: records stored together end as RecordTx leaves them one
// after another, two supplier orders of one order included (its status is
// derived from both); a failing record fails them all. On PostgreSQL the
// records of one transaction are one round trip, and their order updates
// go with COMMIT.
func TestRecordManyTx(t *testing.T) {
	storetest.Each(t, func(t *testing.T, kind string) {
		ctx := context.Background()
		st := storetest.Open(t, kind)
		r, s1, s2 := seed(t, st)
		o := newOrder(r, s1, s2, "rm")
		so1, so2 := &o.Suppliers[0], &o.Suppliers[1]
		var d1, d2, d3 domain.Delivery
		insertOrderDeliveries(t, st, o, func() []*domain.Delivery {
			d1 = domain.Delivery{SupplierOrderID: so1.ID, SupplierID: s1.ID, Channel: "file", Kind: "file", Event: domain.EventOrderCreated}
			d2 = domain.Delivery{SupplierOrderID: so1.ID, SupplierID: s1.ID, Channel: "file", Kind: "file", Event: "order.cancelled"}
			d3 = domain.Delivery{SupplierOrderID: so2.ID, SupplierID: s2.ID, Channel: "file", Kind: "file", Event: domain.EventOrderCreated}
			return []*domain.Delivery{&d1, &d2, &d3}
		})
		ok := func(d *domain.Delivery) store.Record {
			a := &domain.Attempt{DeliveryID: d.ID, Number: 1, StartedAt: time.Now(), Outcome: domain.OutcomeOK, StatusCode: 200}
			return store.Record{Attempt: a, Status: domain.DeliveryDelivered, Delivery: d, Dispatched: true, Derive: deriveAll, Next: true}
		}
		many := func(rs ...store.Record) ([]int64, error) {
			var next []int64
			err := st.InTx(ctx, func(tx store.Tx) error {
				var err error
				next, err = st.RecordManyTx(ctx, tx, rs)
				return err
			})
			return next, err
		}

		gone := domain.Delivery{ID: d3.ID + 1000, SupplierOrderID: so2.ID, Channel: "file"}
		if _, err := many(ok(&d1), ok(&gone)); err == nil {
			t.Fatal("a record of a missing delivery: no error")
		}
		if got, _ := st.DeliveryByID(ctx, d1.ID); got.Status != domain.DeliveryPending {
			t.Fatalf("delivery %s after its batch failed", got.Status)
		}

		trips := st.TxRoundTrips()
		next, err := many(ok(&d1), ok(&d3))
		if err != nil {
			t.Fatal(err)
		}
		if kind == store.KindPostgres {
			if got := st.TxRoundTrips() - trips; got != 2 {
				t.Errorf("two records: %d round trips, want 2", got)
			}
		}
		if len(next) != 2 || next[0] != d2.ID || next[1] != 0 {
			t.Fatalf("next %v, want [%d 0]", next, d2.ID)
		}
		for _, so := range []*domain.SupplierOrder{so1, so2} {
			if got, _ := st.SupplierOrderByID(ctx, so.ID); got.Status != domain.StatusDispatched {
				t.Errorf("supplier order %d: %s, want dispatched", so.ID, got.Status)
			}
		}
		if got, _ := st.OrderByID(ctx, nil, r.ID, o.ID); got.Status != domain.StatusDispatched {
			t.Errorf("order %s with both supplier orders dispatched in one batch", got.Status)
		}
		for _, d := range []*domain.Delivery{&d1, &d3} {
			if as, err := st.Attempts(ctx, d.ID); err != nil || len(as) != 1 {
				t.Errorf("delivery %d attempts %+v %v", d.ID, as, err)
			}
		}
	})
}
