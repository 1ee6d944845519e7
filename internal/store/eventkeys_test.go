package store_test

import (
	"context"
	"testing"

	"github.com/supplyhub/supplyhub/internal/store"
	"github.com/supplyhub/supplyhub/internal/store/storetest"
)

// An idempotency key is unique per supplier order; events without one
// (dispatch's) are not indexed by it (migration 0023) and never conflict.
func TestEventIdempotencyKeyUnique(t *testing.T) {
	storetest.Each(t, func(t *testing.T, kind string) {
		ctx := context.Background()
		st := storetest.Open(t, kind)
		r, s1, s2 := seed(t, st)
		o := newOrder(r, s1, s2, "k1")
		if err := st.InTx(ctx, func(tx store.Tx) error {
			_, err := st.InsertOrder(ctx, tx, o, number)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		addEvent := func(soID int64, key string) error {
			t.Helper()
			return st.InTx(ctx, func(tx store.Tx) error {
				return st.AppendEvent(ctx, tx, &store.StatusEvent{SupplierOrderID: soID, Kind: store.EventStatus,
					From: "new", To: "dispatched", Actor: "test", IdempotencyKey: key})
			})
		}
		so1, so2 := o.Suppliers[0].ID, o.Suppliers[1].ID
		for _, c := range []struct {
			so      int64
			key     string
			wantErr bool
		}{
			{so1, "", false},
			{so1, "", false}, // no key: never a conflict
			{so1, "a", false},
			{so2, "a", false}, // same key, other supplier order
			{so1, "a", true},
		} {
			err := addEvent(c.so, c.key)
			if (err != nil) != c.wantErr {
				t.Fatalf("event on %d with key %q: %v, want error %v", c.so, c.key, err, c.wantErr)
			}
			if err != nil && !st.IsUniqueViolation(err) {
				t.Fatalf("duplicate key: %v, want a unique violation", err)
			}
		}
		e, err := st.EventByIdempotencyKey(ctx, st.DB(), so1, "a")
		if err != nil || e.IdempotencyKey != "a" || e.SupplierOrderID != so1 {
			t.Fatalf("event by key: %+v %v", e, err)
		}
	})
}
