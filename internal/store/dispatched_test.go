package store_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/supplyhub/supplyhub/internal/domain"
	"github.com/supplyhub/supplyhub/internal/store"
	"github.com/supplyhub/supplyhub/internal/store/storetest"
)

// deriveAll is a stand-in for pipeline's rule: dispatched once every
// supplier order is.
func deriveAll(statuses []string) string {
	for _, s := range statuses {
		if s != domain.StatusDispatched {
			return domain.StatusNew
		}
	}
	return domain.StatusDispatched
}

func TestRecordDispatched(t *testing.T) {
	storetest.Each(t, func(t *testing.T, kind string) {
		ctx := context.Background()
		st := storetest.Open(t, kind)
		r, s1, s2 := seed(t, st)
		o := newOrder(r, s1, s2, "rd")
		if err := st.InTx(ctx, func(tx store.Tx) error { _, err := st.InsertOrder(ctx, tx, o, number); return err }); err != nil {
			t.Fatal(err)
		}
		so1, so2 := o.Suppliers[0].ID, o.Suppliers[1].ID
		dispatch := func(soID int64) {
			t.Helper()
			if err := st.InTx(ctx, func(tx store.Tx) error { return st.RecordDispatched(ctx, tx, soID, "file", deriveAll) }); err != nil {
				t.Fatal(err)
			}
		}
		orderStatus := func() string {
			t.Helper()
			got, err := st.OrderByID(ctx, nil, r.ID, o.ID)
			if err != nil {
				t.Fatal(err)
			}
			return got.Status
		}
		dispatch(so1)
		got, err := st.SupplierOrderByID(ctx, so1)
		if err != nil || got.Status != domain.StatusDispatched || got.Version != 2 {
			t.Fatalf("supplier order after dispatch: %+v %v", got, err)
		}
		if s := orderStatus(); s != domain.StatusNew {
			t.Fatalf("order %s with one of two supplier orders dispatched, want new", s)
		}
		// A second success (another channel) moves nothing and records nothing.
		dispatch(so1)
		h, err := st.History(ctx, so1)
		if err != nil || len(h) != 1 {
			t.Fatalf("history %+v %v, want one event", h, err)
		}
		e := h[0]
		if e.Kind != store.EventStatus || e.From != domain.StatusNew || e.To != domain.StatusDispatched || e.Actor != "supplyhub" ||
			e.Channel != "file" || e.OccurredAt.IsZero() || e.CreatedAt.IsZero() || len(e.Data) != 0 || e.Note != "" {
			t.Fatalf("event %+v", e)
		}
		if got, _ := st.SupplierOrderByID(ctx, so1); got.Version != 2 {
			t.Fatalf("version %d after a repeated dispatch, want 2", got.Version)
		}
		dispatch(so2)
		if s := orderStatus(); s != domain.StatusDispatched {
			t.Fatalf("order %s with both supplier orders dispatched", s)
		}
		// A supplier order that moved on before any push is left alone.
		o2 := newOrder(r, s1, s2, "rd2")
		if err := st.InTx(ctx, func(tx store.Tx) error { _, err := st.InsertOrder(ctx, tx, o2, number); return err }); err != nil {
			t.Fatal(err)
		}
		if ok, err := st.MarkSupplierOrder(ctx, nil, o2.Suppliers[0].ID, domain.StatusNew, domain.StatusAcknowledged); err != nil || !ok {
			t.Fatal(ok, err)
		}
		dispatch(o2.Suppliers[0].ID)
		if got, _ := st.SupplierOrderByID(ctx, o2.Suppliers[0].ID); got.Status != domain.StatusAcknowledged {
			t.Fatalf("acknowledged supplier order moved to %s", got.Status)
		}
		if h, _ := st.History(ctx, o2.Suppliers[0].ID); len(h) != 0 {
			t.Fatalf("history %+v for a supplier order that did not move", h)
		}
	})
}

// Both supplier orders of one order dispatched at the same moment: the
// second to lock the order must read the first's status, or the order is
// left behind at new (write skew).
func TestRecordDispatchedConcurrentSiblings(t *testing.T) {
	storetest.Each(t, func(t *testing.T, kind string) {
		ctx := context.Background()
		st := storetest.Open(t, kind)
		r, s1, s2 := seed(t, st)
		const n = 30
		orders := make([]*domain.Order, n)
		for i := range orders {
			orders[i] = newOrder(r, s1, s2, fmt.Sprintf("c%d", i))
			if err := st.InTx(ctx, func(tx store.Tx) error { _, err := st.InsertOrder(ctx, tx, orders[i], number); return err }); err != nil {
				t.Fatal(err)
			}
		}
		var wg sync.WaitGroup
		for _, o := range orders {
			for _, so := range o.Suppliers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					err := st.InTx(ctx, func(tx store.Tx) error { return st.RecordDispatched(ctx, tx, so.ID, "file", deriveAll) })
					if err != nil {
						t.Error(err)
					}
				}()
			}
		}
		wg.Wait()
		for _, o := range orders {
			got, err := st.OrderByID(ctx, nil, r.ID, o.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.Status != domain.StatusDispatched {
				t.Errorf("order %s is %s with both supplier orders dispatched", o.Header.ExternalID, got.Status)
			}
		}
	})
}
