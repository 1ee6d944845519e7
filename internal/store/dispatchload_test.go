package store_test

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/supplyhub/supplyhub/internal/domain"
	"github.com/supplyhub/supplyhub/internal/store"
	"github.com/supplyhub/supplyhub/internal/store/storetest"
)

// TestDeliveryForDispatch checks that the one-query load returns what the
// separate reads it replaces return, in every endpoint state, and that
// another channel's or supplier's endpoint or channel does not leak into it.
func TestDeliveryForDispatch(t *testing.T) {
	storetest.Each(t, func(t *testing.T, kind string) {
		ctx := context.Background()
		st := storetest.Open(t, kind)
		r, s1, s2 := seed(t, st)
		// A second channel, which the load must leave out.
		s1.Channels = append(s1.Channels, domain.Channel{Name: "email", Type: "email", Settings: []byte(`{"attach_csv":true}`)})
		if err := st.UpsertSupplier(ctx, s1); err != nil {
			t.Fatal(err)
		}
		o := newOrder(r, s1, s2, "dfd")
		var withSnap, noSnap domain.Delivery
		err := st.InTx(ctx, func(tx store.Tx) error {
			if _, err := st.InsertOrder(ctx, tx, o, number); err != nil {
				return err
			}
			withSnap = domain.Delivery{SupplierOrderID: o.Suppliers[0].ID, SupplierID: s1.ID, Channel: "file", Kind: "file",
				Event: domain.EventOrderCreated, Snapshot: []byte(`{"number":"x"}`)}
			if _, err := st.InsertDelivery(ctx, tx, &withSnap); err != nil {
				return err
			}
			noSnap = domain.Delivery{SupplierOrderID: o.Suppliers[1].ID, SupplierID: s2.ID, Channel: "file", Kind: "file", Event: domain.EventOrderCreated}
			_, err := st.InsertDelivery(ctx, tx, &noSnap)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		check := func(t *testing.T, d domain.Delivery) {
			t.Helper()
			load, err := st.DeliveryForDispatch(ctx, d.ID)
			if err != nil {
				t.Fatal(err)
			}
			del, snap, ep := load.Delivery, load.Snapshot, load.Endpoint
			wantDel, err := st.DeliveryByID(ctx, d.ID)
			if err != nil {
				t.Fatal(err)
			}
			wantSnap := d.Snapshot // what the delivery was inserted with
			wantEp, err := st.EndpointState(ctx, d.SupplierID, d.Channel)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(del, wantDel) {
				t.Errorf("delivery\n got %+v\nwant %+v", del, wantDel)
			}
			if string(snap) != string(wantSnap) || (snap == nil) != (wantSnap == nil) {
				t.Errorf("snapshot %q, want %q", snap, wantSnap)
			}
			if !reflect.DeepEqual(ep, wantEp) {
				t.Errorf("endpoint\n got %+v\nwant %+v", ep, wantEp)
			}
			wantSup, err := st.SupplierByID(ctx, d.SupplierID)
			if err != nil {
				t.Fatal(err)
			}
			// Only the delivery's own channel, as the supplier has it.
			var own []domain.Channel
			for _, c := range wantSup.Channels {
				if c.Name == d.Channel {
					own = append(own, c)
				}
			}
			wantSup.Channels = own
			if !reflect.DeepEqual(load.Supplier, wantSup) {
				t.Errorf("supplier\n got %+v\nwant %+v", load.Supplier, wantSup)
			}
			so, err := st.SupplierOrderByID(ctx, d.SupplierOrderID)
			if err != nil {
				t.Fatal(err)
			}
			if load.OrderID != so.OrderID {
				t.Errorf("order id %d, want %d", load.OrderID, so.OrderID)
			}
		}
		steps := []struct {
			name string
			do   func() error
		}{
			{"no endpoint rows", func() error { return nil }},
			{"other supplier and channel disabled", func() error {
				if _, err := st.DisableEndpoint(ctx, s2.ID, "file", "other supplier"); err != nil {
					return err
				}
				_, err := st.DisableEndpoint(ctx, s1.ID, "email", "other channel")
				return err
			}},
			{"failing", func() error {
				_, err := st.EndpointFailed(ctx, s1.ID, "file", time.Now())
				return err
			}},
			{"disabled", func() error {
				_, err := st.DisableEndpoint(ctx, s1.ID, "file", "too many failures")
				return err
			}},
			{"enabled again", func() error { return st.EnableEndpoint(ctx, s1.ID, "file") }},
		}
		for _, step := range steps {
			t.Run(step.name, func(t *testing.T) {
				if err := step.do(); err != nil {
					t.Fatal(err)
				}
				check(t, withSnap)
				check(t, noSnap)
				// The batched form reads the same, in the order asked,
				// leaving out a delivery that does not exist.
				many, err := st.DeliveriesForDispatch(ctx, []int64{noSnap.ID, noSnap.ID + 1000, withSnap.ID})
				if err != nil {
					t.Fatal(err)
				}
				if len(many) != 2 || many[0].Delivery.ID != noSnap.ID || many[1].Delivery.ID != withSnap.ID {
					t.Fatalf("batched load: %d loads, want deliveries %d and %d", len(many), noSnap.ID, withSnap.ID)
				}
				for _, m := range many {
					one, err := st.DeliveryForDispatch(ctx, m.Delivery.ID)
					if err != nil {
						t.Fatal(err)
					}
					if !reflect.DeepEqual(m, one) {
						t.Errorf("batched load of %d\n got %+v\nwant %+v", m.Delivery.ID, m, one)
					}
				}
			})
		}
		if _, err := st.DeliveryForDispatch(ctx, noSnap.ID+1000); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("missing delivery: %v, want ErrNotFound", err)
		}
	})
}
