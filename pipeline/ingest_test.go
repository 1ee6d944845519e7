package pipeline

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/supplyhub/supplyhub/internal/domain"
	"github.com/supplyhub/supplyhub/internal/metrics"
	"github.com/supplyhub/supplyhub/internal/store"
	"github.com/supplyhub/supplyhub/internal/store/storetest"
)

// jobRecorder is a jobs.Queue that keeps the jobs inserted with a batch.
type jobRecorder struct{ params []river.InsertManyParams }

func (q *jobRecorder) InsertTx(_ context.Context, _ store.Tx, p []river.InsertManyParams) error {
	q.params = append(q.params, p...)
	return nil
}
func (q *jobRecorder) Insert(_ context.Context, p []river.InsertManyParams) error {
	q.params = append(q.params, p...)
	return nil
}
func (q *jobRecorder) Start(context.Context) error          { return nil }
func (q *jobRecorder) Stop(context.Context) error           { return nil }
func (q *jobRecorder) Depth(context.Context) (int64, error) { return int64(len(q.params)), nil }
func (q *jobRecorder) CompletedInTx(int64)                  {}
func (q *jobRecorder) reset() (p []river.InsertManyParams)  { p, q.params = q.params, nil; return p }
func ingestTestLogger() *slog.Logger                        { return slog.New(slog.NewTextHandler(io.Discard, nil)) }
func pushWebhooks(typ string) bool                          { return typ == "webhook" }
func (q *jobRecorder) ids() (out []int64) {
	for _, p := range q.params {
		switch a := p.Args.(type) {
		case DispatchArgs:
			out = append(out, a.DeliveryID)
		case DispatchBatchArgs:
			out = append(out, a.DeliveryIDs...)
		}
	}
	return out
}

// TestCommitBatchMixed commits one batch holding new orders, a replay of
// an order stored by an earlier batch, a repeat of an order earlier in the
// same batch and a different order under a used external id: the new ones
// are stored with the ids they show, each push channel gets a delivery
// with the created snapshot and a job, the repeats answer the stored order
// and the different one ErrConflict. The new deliveries share batch jobs
// (DispatchBatchArgs), each in exactly one.
func TestCommitBatchMixed(t *testing.T) {
	storetest.Each(t, func(t *testing.T, kind string) {
		ctx := context.Background()
		st := storetest.Open(t, kind)
		r := &domain.Retailer{Code: "acme", Name: "Acme"}
		if err := st.UpsertRetailer(ctx, r); err != nil {
			t.Fatal(err)
		}
		suppliers := map[string]*domain.Supplier{}
		for _, code := range []string{"31", "40"} {
			s := &domain.Supplier{Code: code, Name: code, Channels: []domain.Channel{
				{Name: "hook", Type: "webhook", Settings: []byte(`{"url":"http://x.test"}`)},
				{Name: "api", Type: "api"}, // pulled: no delivery
				{Name: "hook2", Type: "webhook", Settings: []byte(`{"url":"http://y.test"}`)},
			}}
			if err := st.UpsertSupplier(ctx, s); err != nil {
				t.Fatal(err)
			}
			suppliers[code] = s
		}
		q := &jobRecorder{}
		in := NewIngestor(st, q, nil, metrics.New(), ingestTestLogger(), IngestConfig{
			SupplierOrderNumber: SupplierOrderNumberer("{order}-{supplier}"), PushChannels: pushWebhooks,
		})
		req := func(ext string, qty int) *ingestReq {
			rq := &OrderRequest{ExternalID: ext, PlacedAt: "2026-11-22T10:00:00Z", Currency: "EUR",
				Customer:        domain.Customer{Name: "Zoë", Email: "z@example.com"},
				ShippingAddress: domain.Address{Name: "Zoë", Line1: "1 rue", City: "Paris", PostalCode: "75001", Country: "FR"},
				Lines: []LineRequest{
					{SKU: "HAM-1", Supplier: "31", Name: "Hammer", Quantity: qty, UnitPrice: 1250},
					{SKU: "PNT-9", Supplier: "40", Name: "Paint", Quantity: 1, UnitPrice: 2000},
					{SKU: "HAM-2", Supplier: "31", Name: "Nails", Quantity: 1, UnitPrice: 250},
				}}
			placedAt, err := rq.Validate(func(code string) bool { return suppliers[code] != nil })
			if err != nil {
				t.Fatal(err)
			}
			return &ingestReq{order: Split(rq, placedAt, r, suppliers), suppliers: suppliers, retailer: r,
				reply: make(chan ingestReply, 1)}
		}
		answer := func(b []*ingestReq) []ingestReply {
			in.commit(ctx, b)
			out := make([]ingestReply, len(b))
			for i, rq := range b {
				select {
				case out[i] = <-rq.reply:
				case <-time.After(10 * time.Second):
					t.Fatalf("request %d not answered", i)
				}
			}
			return out
		}

		first := answer([]*ingestReq{req("E1", 2)})
		if first[0].err != nil || !first[0].res.Created {
			t.Fatalf("first batch: %+v", first[0])
		}
		e1 := first[0].res.Order
		q.reset()

		batch := []*ingestReq{req("N1", 1), req("E1", 2), req("N2", 3), req("N1", 1), req("N2", 9)}
		got := answer(batch)
		for i, want := range []struct {
			created bool
			id      int64
			err     error
		}{{created: true}, {id: e1.ID}, {created: true}, {id: batch[0].order.ID}, {err: ErrConflict}} {
			g := got[i]
			switch {
			case want.err != nil:
				if !errors.Is(g.err, want.err) {
					t.Errorf("request %d: %+v, want %v", i, g, want.err)
				}
			case g.err != nil || g.res.Created != want.created:
				t.Errorf("request %d: %+v %v, want created %v", i, g.res, g.err, want.created)
			case want.id != 0 && g.res.Order.ID != want.id:
				t.Errorf("request %d: order %d, want %d", i, g.res.Order.ID, want.id)
			}
		}

		// Each new supplier order has one delivery per webhook, with its
		// created snapshot, and the batch's jobs deliver exactly those.
		jobs := map[int64]bool{}
		for _, id := range q.ids() {
			if jobs[id] {
				t.Errorf("delivery %d in two jobs", id)
			}
			jobs[id] = true
		}
		all, err := st.FindDeliveries(ctx, store.DeliveryFilter{Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		bySO := map[int64][]*domain.Delivery{}
		for _, d := range all {
			bySO[d.SupplierOrderID] = append(bySO[d.SupplierOrderID], d)
		}
		deliveries := 0
		for _, i := range []int{0, 2} {
			o := got[i].res.Order
			stored, err := st.OrderByID(ctx, nil, r.ID, o.ID)
			if err != nil {
				t.Fatal(err)
			}
			if len(stored.Suppliers) != 2 || stored.Suppliers[0].ID != o.Suppliers[0].ID || stored.Suppliers[1].Lines[0].ID != o.Suppliers[1].Lines[0].ID ||
				stored.Suppliers[0].Lines[1].ID != o.Suppliers[0].Lines[1].ID || stored.Suppliers[0].Lines[1].SKU != "HAM-2" {
				t.Fatalf("order %s: stored %+v, answered %+v", o.Header.ExternalID, stored.Suppliers, o.Suppliers)
			}
			for j := range o.Suppliers {
				so := &o.Suppliers[j]
				want, err := createdSnapshot(so)
				if err != nil {
					t.Fatal(err)
				}
				ds := bySO[so.ID]
				if len(ds) != 2 {
					t.Fatalf("deliveries of %s: %+v, want 2", so.Number, ds)
				}
				for _, d := range ds {
					deliveries++
					dd, err := st.DeliveryForDispatch(ctx, d.ID)
					if err != nil {
						t.Fatal(err)
					}
					if !bytes.Equal(dd.Snapshot, want) || d.Event != domain.EventOrderCreated || !jobs[d.ID] {
						t.Errorf("delivery %d (%s): snapshot %s, want %s; job %v", d.ID, d.Channel, dd.Snapshot, want, jobs[d.ID])
					}
				}
			}
		}
		if want := (deliveries + DispatchBatchMax - 1) / DispatchBatchMax; len(jobs) != deliveries || len(q.params) != want {
			t.Errorf("%d jobs for %d deliveries, want %d batch jobs", len(q.params), deliveries, want)
		}
		for _, p := range q.params {
			if a, ok := p.Args.(DispatchBatchArgs); !ok || len(a.DeliveryIDs) > DispatchBatchMax {
				t.Errorf("job %+v, want a batch of at most %d", p.Args, DispatchBatchMax)
			}
		}
		checkCopiedParties(ctx, t, st)
	})
}

// checkCopiedParties checks that every delivery's and ledger row's
// supplier is its supplier order's, and every ledger row's retailer its
// order's: PostgreSQL has no foreign key on these copies (migration
// 0024), so the rows' writers keep them right.
func checkCopiedParties(ctx context.Context, t *testing.T, st *store.Store) {
	t.Helper()
	var deliveries, ledger, wrong int
	err := st.DB().QueryRow(ctx, `SELECT (SELECT count(*) FROM deliveries), (SELECT count(*) FROM commission_ledger),
(SELECT count(*) FROM deliveries d JOIN supplier_orders so ON so.id = d.supplier_order_id WHERE d.supplier_id <> so.supplier_id)
+ (SELECT count(*) FROM commission_ledger l JOIN supplier_orders so ON so.id = l.supplier_order_id JOIN orders o ON o.id = so.order_id
   WHERE l.supplier_id <> so.supplier_id OR l.retailer_id <> o.retailer_id)`).Scan(&deliveries, &ledger, &wrong)
	if err != nil {
		t.Fatal(err)
	}
	if deliveries == 0 || ledger == 0 || wrong != 0 {
		t.Errorf("%d deliveries, %d ledger rows, %d with a supplier or retailer not their supplier order's", deliveries, ledger, wrong)
	}
}
