package store_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

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

// insertOrderDeliveries stores o and then, in the same transaction, the
// deliveries made by deliveries, which runs once o's supplier orders have
// their ids.
func insertOrderDeliveries(t *testing.T, st *store.Store, o *domain.Order, deliveries func() []*domain.Delivery) {
	t.Helper()
	ctx := context.Background()
	err := st.InTx(ctx, func(tx store.Tx) error {
		if _, err := st.InsertOrder(ctx, tx, o, number); err != nil {
			return err
		}
		for _, d := range deliveries() {
			if _, err := st.InsertDelivery(ctx, tx, d); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
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
// left behind at new (write skew). Through RecordDispatched and through
// RecordTx (PostgreSQL's one statement).
func TestRecordDispatchedConcurrentSiblings(t *testing.T) {
	storetest.Each(t, func(t *testing.T, kind string) {
		for _, via := range []string{"RecordDispatched", "RecordTx"} {
			t.Run(via, func(t *testing.T) {
				ctx := context.Background()
				st := storetest.Open(t, kind)
				r, s1, s2 := seed(t, st)
				const n = 30
				orders := make([]*domain.Order, n)
				dels := map[int64]*domain.Delivery{}
				for i := range orders {
					o := newOrder(r, s1, s2, fmt.Sprintf("c%d", i))
					orders[i] = o
					err := st.InTx(ctx, func(tx store.Tx) error {
						if _, err := st.InsertOrder(ctx, tx, o, number); err != nil {
							return err
						}
						for _, so := range o.Suppliers {
							d := &domain.Delivery{SupplierOrderID: so.ID, SupplierID: so.SupplierID, Channel: "file", Kind: "file", Event: domain.EventOrderCreated}
							if _, err := st.InsertDelivery(ctx, tx, d); err != nil {
								return err
							}
							dels[so.ID] = d
						}
						return nil
					})
					if err != nil {
						t.Fatal(err)
					}
				}
				var wg sync.WaitGroup
				for _, o := range orders {
					for _, so := range o.Suppliers {
						d := dels[so.ID]
						wg.Add(1)
						go func() {
							defer wg.Done()
							err := st.InTx(ctx, func(tx store.Tx) error {
								if via == "RecordDispatched" {
									return st.RecordDispatched(ctx, tx, so.ID, "file", deriveAll)
								}
								a := &domain.Attempt{DeliveryID: d.ID, Number: 1, StartedAt: time.Now(), Outcome: domain.OutcomeOK}
								_, err := st.RecordTx(ctx, tx, store.Record{Attempt: a, Status: domain.DeliveryDelivered, Delivery: d,
									Dispatched: true, Derive: deriveAll, Next: true})
								return err
							})
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
	})
}

func TestRecordTx(t *testing.T) {
	storetest.Each(t, func(t *testing.T, kind string) {
		ctx := context.Background()
		st := storetest.Open(t, kind)
		r, s1, s2 := seed(t, st)
		o := newOrder(r, s1, s2, "rt")
		so1, so2 := &o.Suppliers[0], &o.Suppliers[1]
		var d1, d2, d3, other domain.Delivery
		insertOrderDeliveries(t, st, o, func() []*domain.Delivery {
			d1 = domain.Delivery{SupplierOrderID: so1.ID, SupplierID: s1.ID, Channel: "file", Kind: "file", Event: domain.EventOrderCreated}
			d2 = domain.Delivery{SupplierOrderID: so1.ID, SupplierID: s1.ID, Channel: "file", Kind: "file", Event: "order.cancelled"}
			other = domain.Delivery{SupplierOrderID: so1.ID, SupplierID: s1.ID, Channel: "mail", Kind: "email", Event: "order.cancelled"}
			d3 = domain.Delivery{SupplierOrderID: so2.ID, SupplierID: s2.ID, Channel: "file", Kind: "file", Event: domain.EventOrderCreated}
			return []*domain.Delivery{&d1, &d2, &other, &d3}
		})
		record := func(rec store.Record) int64 {
			t.Helper()
			var next int64
			if err := st.InTx(ctx, func(tx store.Tx) error {
				var err error
				next, err = st.RecordTx(ctx, tx, rec)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			return next
		}
		// A failure moves nothing but the delivery.
		a1 := &domain.Attempt{DeliveryID: d1.ID, Number: 1, StartedAt: time.Now(), Outcome: domain.OutcomeError, Error: "boom", StatusCode: 503, Response: "busy"}
		if next := record(store.Record{Attempt: a1, Status: domain.DeliveryFailed, Delivery: &d1}); next != 0 {
			t.Fatalf("next %d without asking", next)
		}
		got, err := st.DeliveryByID(ctx, d1.ID)
		if err != nil || got.Status != domain.DeliveryFailed || got.Attempts != 1 || got.LastError != "boom" || got.DeliveredAt != nil {
			t.Fatalf("failed delivery %+v %v", got, err)
		}
		if got, _ := st.SupplierOrderByID(ctx, so1.ID); got.Status != domain.StatusNew {
			t.Fatalf("supplier order %s after a failure", got.Status)
		}
		// The success: delivered, supplier order dispatched, the next
		// waiting delivery to the same channel returned.
		a2 := &domain.Attempt{DeliveryID: d1.ID, Number: 2, StartedAt: time.Now(), Duration: 2 * time.Millisecond, Outcome: domain.OutcomeOK, StatusCode: 200}
		next := record(store.Record{Attempt: a2, Status: domain.DeliveryDelivered, Delivery: &d1, Dispatched: true, Derive: deriveAll, Next: true})
		if next != d2.ID {
			t.Fatalf("next %d, want %d", next, d2.ID)
		}
		got, err = st.DeliveryByID(ctx, d1.ID)
		if err != nil || got.Status != domain.DeliveryDelivered || got.Attempts != 2 || got.LastError != "" || got.DeliveredAt == nil {
			t.Fatalf("delivered delivery %+v %v", got, err)
		}
		as, err := st.Attempts(ctx, d1.ID)
		if err != nil || len(as) != 2 || as[0].StatusCode != 503 || as[0].Response != "busy" || as[1].Duration != 2*time.Millisecond ||
			as[1].Outcome != domain.OutcomeOK || as[1].Number != 2 {
			t.Fatalf("attempts %+v %v", as, err)
		}
		if got, _ := st.SupplierOrderByID(ctx, so1.ID); got.Status != domain.StatusDispatched || got.Version != 2 {
			t.Fatalf("supplier order %s v%d after the success", got.Status, got.Version)
		}
		h, err := st.History(ctx, so1.ID)
		if err != nil || len(h) != 1 || h[0].Kind != store.EventStatus || h[0].From != domain.StatusNew || h[0].To != domain.StatusDispatched ||
			h[0].Actor != "supplyhub" || h[0].Channel != "file" || h[0].OccurredAt.IsZero() {
			t.Fatalf("history %+v %v", h, err)
		}
		if o2, _ := st.OrderByID(ctx, nil, r.ID, o.ID); o2.Status != domain.StatusNew {
			t.Fatalf("order %s with one supplier order of two dispatched", o2.Status)
		}
		a3 := &domain.Attempt{DeliveryID: d3.ID, Number: 1, StartedAt: time.Now(), Outcome: domain.OutcomeOK}
		if next := record(store.Record{Attempt: a3, Status: domain.DeliveryDelivered, Delivery: &d3, Dispatched: true, Derive: deriveAll, Next: true}); next != 0 {
			t.Fatalf("next %d with nothing waiting", next)
		}
		if o2, _ := st.OrderByID(ctx, nil, r.ID, o.ID); o2.Status != domain.StatusDispatched {
			t.Fatalf("order %s with both supplier orders dispatched", o2.Status)
		}
		// A dead delivery asks for the next too; nothing else moves.
		a4 := &domain.Attempt{DeliveryID: d2.ID, Number: 1, StartedAt: time.Now(), Outcome: domain.OutcomeError, Error: "gone"}
		if next := record(store.Record{Attempt: a4, Status: domain.DeliveryDead, Delivery: &d2, Next: true}); next != 0 {
			t.Fatalf("next %d after the last delivery to the channel", next)
		}
		if h, _ := st.History(ctx, so1.ID); len(h) != 1 {
			t.Fatalf("history %+v after a dead delivery", h)
		}
	})
}

// TestRecordTxSiblingCommittedWhileWaiting has RecordTx on PostgreSQL
// wait for the order's lock held by a transaction that dispatched the
// other supplier order: the statement's snapshot predates that commit,
// so the siblings it read are stale and the order must be derived from a
// read after the lock (dispatched, not new).
func TestRecordTxSiblingCommittedWhileWaiting(t *testing.T) {
	storetest.SkipWithoutPostgres(t)
	ctx := context.Background()
	st := storetest.Open(t, store.KindPostgres)
	r, s1, s2 := seed(t, st)
	o := newOrder(r, s1, s2, "wait")
	var da, db domain.Delivery
	insertOrderDeliveries(t, st, o, func() []*domain.Delivery {
		da = domain.Delivery{SupplierOrderID: o.Suppliers[0].ID, SupplierID: s1.ID, Channel: "file", Kind: "file", Event: domain.EventOrderCreated}
		db = domain.Delivery{SupplierOrderID: o.Suppliers[1].ID, SupplierID: s2.ID, Channel: "file", Kind: "file", Event: domain.EventOrderCreated}
		return []*domain.Delivery{&da, &db}
	})
	rec := func(d *domain.Delivery) store.Record {
		a := &domain.Attempt{DeliveryID: d.ID, Number: 1, StartedAt: time.Now(), Outcome: domain.OutcomeOK}
		return store.Record{Attempt: a, Status: domain.DeliveryDelivered, Delivery: d, Dispatched: true, Derive: deriveAll}
	}
	locked, release := make(chan struct{}), make(chan struct{})
	aErr, bErr := make(chan error, 1), make(chan error, 1)
	go func() {
		aErr <- st.InTx(ctx, func(tx store.Tx) error {
			_, err := st.RecordTx(ctx, tx, rec(&da))
			close(locked)
			<-release
			return err
		})
	}()
	<-locked
	go func() {
		bErr <- st.InTx(ctx, func(tx store.Tx) error { _, err := st.RecordTx(ctx, tx, rec(&db)); return err })
	}()
	// Release a once b waits for the order's lock (or after 2 s).
	for deadline := time.Now().Add(2 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		var waiting int
		if err := st.InTx(ctx, func(tx store.Tx) error {
			return tx.QueryRow(ctx, `SELECT count(*) FROM pg_locks WHERE NOT granted`).Scan(&waiting)
		}); err != nil {
			t.Fatal(err)
		}
		if waiting > 0 {
			break
		}
	}
	close(release)
	if err := <-aErr; err != nil {
		t.Fatal(err)
	}
	if err := <-bErr; err != nil {
		t.Fatal(err)
	}
	got, err := st.OrderByID(ctx, nil, r.ID, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != domain.StatusDispatched {
		t.Fatalf("order %s with both supplier orders dispatched, want dispatched", got.Status)
	}
}

// TestRecordTxStatementsSQLite holds RecordTx on SQLite to its statement
// budget (record_sqlite.go), each statement a call through database/sql
// and the driver on the one write connection: a failure two, a first
// delivery moving its supplier order to dispatched and asking for the
// next six, a later delivery of an already dispatched one four. The
// general path made two, eight and five.
func TestRecordTxStatementsSQLite(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t, store.KindSQLite)
	r, s1, s2 := seed(t, st)
	o := newOrder(r, s1, s2, "budget")
	so := &o.Suppliers[0]
	var d1, d2 domain.Delivery
	err := st.InTx(ctx, func(tx store.Tx) error {
		if _, err := st.InsertOrder(ctx, tx, o, number); err != nil {
			return err
		}
		d1 = domain.Delivery{SupplierOrderID: so.ID, SupplierID: s1.ID, Channel: "file", Kind: "file", Event: domain.EventOrderCreated}
		d2 = domain.Delivery{SupplierOrderID: so.ID, SupplierID: s1.ID, Channel: "hook", Kind: "webhook", Event: domain.EventOrderCreated}
		_, err := st.InsertDeliveries(ctx, tx, []*domain.Delivery{&d1, &d2})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		rec  store.Record
		want int64
	}{
		{"failure", store.Record{Attempt: &domain.Attempt{DeliveryID: d1.ID, Number: 1, Outcome: domain.OutcomeError, Error: "boom"},
			Status: domain.DeliveryFailed, Delivery: &d1}, 2},
		{"first delivery", store.Record{Attempt: &domain.Attempt{DeliveryID: d1.ID, Number: 2, Outcome: domain.OutcomeOK},
			Status: domain.DeliveryDelivered, Delivery: &d1, Dispatched: true, Derive: deriveAll, Next: true}, 6},
		{"already dispatched", store.Record{Attempt: &domain.Attempt{DeliveryID: d2.ID, Number: 1, Outcome: domain.OutcomeOK},
			Status: domain.DeliveryDelivered, Delivery: &d2, Dispatched: true, Derive: deriveAll, Next: true}, 4},
	} {
		before := store.WriteStatements(st)
		err := st.InTx(ctx, func(tx store.Tx) error {
			_, err := st.RecordTx(ctx, tx, c.rec)
			return err
		})
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if got := store.WriteStatements(st) - before; got != c.want {
			t.Errorf("%s: %d statements, want %d", c.name, got, c.want)
		}
	}
	if got, _ := st.SupplierOrderByID(ctx, so.ID); got.Status != domain.StatusDispatched || got.Version != 2 {
		t.Fatalf("supplier order %s v%d", got.Status, got.Version)
	}
	if h, _ := st.History(ctx, so.ID); len(h) != 1 {
		t.Fatalf("history %+v, want the one move to dispatched", h)
	}
}
