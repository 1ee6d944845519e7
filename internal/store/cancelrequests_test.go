package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/supplyhub/supplyhub/internal/store"
	"github.com/supplyhub/supplyhub/internal/store/storetest"
)

func TestCancelRequests(t *testing.T) {
	storetest.Each(t, func(t *testing.T, kind string) {
		ctx := context.Background()
		st := storetest.Open(t, kind)
		r, s1, s2 := seed(t, st)
		o := newOrder(r, s1, s2, "cr-1")
		if err := st.InTx(ctx, func(tx store.Tx) error { _, err := st.InsertOrder(ctx, tx, o, number); return err }); err != nil {
			t.Fatal(err)
		}
		so := o.Suppliers[0]
		t0 := time.Date(2026, 11, 30, 12, 0, 0, 123000, time.UTC)
		insert := func(c *store.CancelRequest) error {
			return st.InTx(ctx, func(tx store.Tx) error { return st.InsertCancelRequest(ctx, tx, c) })
		}
		c := &store.CancelRequest{SupplierOrderID: so.ID, SupplierID: s1.ID, RetailerID: r.ID, State: store.CancelRequested,
			Lines: []store.CancelLine{{Position: 1, Quantity: 1}}, Reason: "customer changed mind", RequestedBy: "retailer acme",
			IdempotencyKey: "k1", CreatedAt: t0, AnswerBy: t0.Add(time.Hour)}
		if err := insert(c); err != nil || c.ID == 0 {
			t.Fatalf("insert: id %d err %v", c.ID, err)
		}
		// A second open request on the same supplier order is refused.
		second := *c
		second.IdempotencyKey = "k2"
		if err := insert(&second); !errors.Is(err, store.ErrCancelRequestOpen) {
			t.Fatalf("second open request: err %v, want ErrCancelRequestOpen", err)
		}
		got, err := st.CancelRequestByKey(ctx, nil, r.ID, "k1")
		if err != nil || got.ID != c.ID || got.SupplierOrder != so.Number || got.Supplier != "31" || !got.AnswerBy.Equal(t0.Add(time.Hour)) ||
			len(got.Lines) != 1 || got.Lines[0] != (store.CancelLine{Position: 1, Quantity: 1}) || !got.Open() {
			t.Fatalf("by key: %+v %v", got, err)
		}
		// Scoping: the other supplier and another retailer see nothing.
		if _, err := st.CancelRequestOfSupplier(ctx, nil, s2.ID, c.ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("foreign supplier: %v", err)
		}
		if _, err := st.CancelRequestOfRetailer(ctx, r.ID+1000, c.ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("foreign retailer: %v", err)
		}
		if open, err := st.OpenCancelRequestOf(ctx, nil, s1.ID, so.Number); err != nil || open.ID != c.ID {
			t.Fatalf("open of order: %+v %v", open, err)
		}
		for _, p := range []store.CancelRequestPage{{SupplierID: s1.ID, State: store.CancelRequested, Limit: 10}, {RetailerID: r.ID, Limit: 10}} {
			l, err := st.ListCancelRequests(ctx, p)
			if err != nil || len(l) != 1 || l[0].ID != c.ID {
				t.Fatalf("list %+v: %v %v", p, l, err)
			}
		}
		if l, _ := st.ListCancelRequests(ctx, store.CancelRequestPage{SupplierID: s2.ID, Limit: 10}); len(l) != 0 {
			t.Fatalf("other supplier lists %d", len(l))
		}
		// Not due before answer_by; due at it; escalated once only.
		if due, err := st.DueCancelRequests(ctx, t0.Add(59*time.Minute), 10); err != nil || len(due) != 0 {
			t.Fatalf("due early: %v %v", due, err)
		}
		due, err := st.DueCancelRequests(ctx, t0.Add(time.Hour), 10)
		if err != nil || len(due) != 1 {
			t.Fatalf("due: %v %v", due, err)
		}
		escalate := func() bool {
			var won bool
			if err := st.InTx(ctx, func(tx store.Tx) (err error) {
				won, err = st.EscalateCancelRequest(ctx, tx, c.ID, t0.Add(time.Hour))
				return err
			}); err != nil {
				t.Fatal(err)
			}
			return won
		}
		if !escalate() || escalate() {
			t.Fatal("escalate: want true once, then false")
		}
		if due, _ := st.DueCancelRequests(ctx, t0.Add(2*time.Hour), 10); len(due) != 0 {
			t.Fatalf("escalated request still due: %v", due)
		}
		// Escalated is still open: the supplier can answer, once.
		answer := func(state string) bool {
			var ok bool
			if err := st.InTx(ctx, func(tx store.Tx) (err error) {
				ok, err = st.AnswerCancelRequest(ctx, tx, c.ID, state, "packed already", "supplier 31", "api", t0.Add(3*time.Hour))
				return err
			}); err != nil {
				t.Fatal(err)
			}
			return ok
		}
		if !answer(store.CancelRefused) || answer(store.CancelAccepted) {
			t.Fatal("answer: want the first answer only")
		}
		got, _ = st.CancelRequestOfRetailer(ctx, r.ID, c.ID)
		if got.State != store.CancelRefused || got.SupplierNote != "packed already" || got.EscalatedAt == nil || got.AnsweredAt == nil || got.Open() {
			t.Fatalf("answered: %+v", got)
		}
		if err := st.CancelRequestApplied(ctx, nil, c.ID, t0.Add(4*time.Hour), "shipped meanwhile"); err != nil {
			t.Fatal(err)
		}
		// Once answered, a new request may be made on the order.
		if err := insert(&second); err != nil {
			t.Fatalf("new request after answer: %v", err)
		}
		all, err := st.CancelRequestsOf(ctx, so.ID)
		if err != nil || len(all) != 2 || all[0].ApplyError != "shipped meanwhile" || all[0].AppliedAt == nil || len(all[1].Lines) != 1 {
			t.Fatalf("requests of order: %+v %v", all, err)
		}
	})
}
