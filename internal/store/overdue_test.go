package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/supplyhub/supplyhub/internal/domain"
	"github.com/supplyhub/supplyhub/internal/store"
	"github.com/supplyhub/supplyhub/internal/store/storetest"
)

// TestOverdueAlerts: candidates are a supplier's orders in the given
// statuses, created by the cut-off, without an alert of that kind; a
// breach is recorded once; the open count follows the order's live status
// and resolving closes what left the statuses.
func TestOverdueAlerts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, kind string) {
		ctx := context.Background()
		st := storetest.Open(t, kind)
		r, s1, s2 := seed(t, st)
		var sos []domain.SupplierOrder
		for _, ext := range []string{"od-1", "od-2", "od-3"} {
			o := newOrder(r, s1, s2, ext)
			if err := st.InTx(ctx, func(tx store.Tx) error { _, err := st.InsertOrder(ctx, tx, o, number); return err }); err != nil {
				t.Fatal(err)
			}
			sos = append(sos, o.Suppliers[0]) // supplier 31's part
		}
		// The third is cancelled: never overdue.
		if ok, err := st.MarkSupplierOrder(ctx, nil, sos[2].ID, domain.StatusNew, domain.StatusCancelled); err != nil || !ok {
			t.Fatalf("cancel: %v %v", ok, err)
		}
		ack := []string{domain.StatusNew, domain.StatusDispatched}
		later := time.Now().Add(time.Hour)
		if c, err := st.OverdueCandidates(ctx, s1.ID, "acknowledge", ack, time.Now().Add(-time.Hour), 10); err != nil || len(c) != 0 {
			t.Fatalf("before the cut-off: %v %v, want none", c, err)
		}
		c, err := st.OverdueCandidates(ctx, s1.ID, "acknowledge", ack, later, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(c) != 2 || c[0].SupplierOrderID != sos[0].ID || c[1].SupplierOrderID != sos[1].ID {
			t.Fatalf("candidates %+v, want %d and %d", c, sos[0].ID, sos[1].ID)
		}
		if c, _ := st.OverdueCandidates(ctx, s1.ID, "acknowledge", ack, later, 1); len(c) != 1 {
			t.Fatalf("limit 1: %d candidates", len(c))
		}
		record := func(soID int64, k string) bool {
			t.Helper()
			var ok bool
			err := st.InTx(ctx, func(tx store.Tx) error {
				var err error
				ok, err = st.RecordOverdue(ctx, tx, &store.OverdueAlert{SupplierOrderID: soID, SupplierID: s1.ID, Kind: k,
					Status: domain.StatusNew, Limit: 24 * time.Hour, DueAt: time.Now(), DetectedAt: time.Now()})
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			return ok
		}
		if !record(sos[0].ID, "acknowledge") {
			t.Fatal("first record: not inserted")
		}
		if record(sos[0].ID, "acknowledge") {
			t.Fatal("same breach recorded twice")
		}
		if !record(sos[0].ID, "ship") {
			t.Fatal("the other kind of the same order: not inserted")
		}
		if c, _ := st.OverdueCandidates(ctx, s1.ID, "acknowledge", ack, later, 10); len(c) != 1 || c[0].SupplierOrderID != sos[1].ID {
			t.Fatalf("after the alert: %+v, want only %d", c, sos[1].ID)
		}
		open := map[string][]string{"acknowledge": ack, "ship": {domain.StatusNew, domain.StatusDispatched, domain.StatusAcknowledged}}
		if n, err := st.CountOpenOverdue(ctx, open); err != nil || n != 1 {
			t.Fatalf("open count %d %v, want 1 (two alerts, one order)", n, err)
		}
		rows, err := st.OpenOverdue(ctx, open, 10)
		if err != nil || len(rows) != 2 || rows[0].Number != sos[0].Number || rows[0].Supplier != "31" || rows[0].Retailer != "acme" || rows[0].Limit != 24*time.Hour {
			t.Fatalf("open alerts %+v %v", rows, err)
		}
		// Acknowledged: no longer overdue to acknowledge, still to ship.
		if ok, err := st.MarkSupplierOrder(ctx, nil, sos[0].ID, domain.StatusNew, domain.StatusAcknowledged); err != nil || !ok {
			t.Fatalf("acknowledge: %v %v", ok, err)
		}
		if rows, _ := st.OpenOverdue(ctx, open, 10); len(rows) != 1 || rows[0].Kind != "ship" {
			t.Fatalf("open after acknowledging: %+v, want the ship alert", rows)
		}
		if n, err := st.ResolveOverdue(ctx, "acknowledge", ack, time.Now()); err != nil || n != 1 {
			t.Fatalf("resolved %d %v, want 1", n, err)
		}
		if n, err := st.ResolveOverdue(ctx, "ship", open["ship"], time.Now()); err != nil || n != 0 {
			t.Fatalf("resolved ship %d %v, want 0", n, err)
		}
		got, err := st.OverdueByIDs(ctx, []int64{rows[0].ID})
		if err != nil || len(got) != 1 || got[0].CurrentStatus != domain.StatusAcknowledged {
			t.Fatalf("by id: %+v %v", got, err)
		}
	})
}
