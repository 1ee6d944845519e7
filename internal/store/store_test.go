package store_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/supplyhub/supplyhub/internal/domain"
	"github.com/supplyhub/supplyhub/internal/store"
	"github.com/supplyhub/supplyhub/internal/store/storetest"
)

func number(o, s string) string { return o + "-" + s }

func seed(t *testing.T, st *store.Store) (*domain.Retailer, *domain.Supplier, *domain.Supplier) {
	t.Helper()
	ctx := context.Background()
	r := &domain.Retailer{Code: "acme", Name: "Acme Store", Email: "ops@acme.test"}
	if err := st.UpsertRetailer(ctx, r); err != nil {
		t.Fatal(err)
	}
	s1 := &domain.Supplier{Code: "31", Name: "Tools Ltd", Channels: []domain.Channel{{Name: "file", Type: "file", Settings: []byte(`{"dir":"x"}`)}}}
	s2 := &domain.Supplier{Code: "40", Name: "Paint Co", CommissionBP: 500}
	for _, s := range []*domain.Supplier{s1, s2} {
		if err := st.UpsertSupplier(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	return r, s1, s2
}

func newOrder(r *domain.Retailer, s1, s2 *domain.Supplier, ext string) *domain.Order {
	return &domain.Order{
		RetailerID:  r.ID,
		RequestHash: "h-" + ext,
		Status:      "new",
		ItemTotal:   3000,
		Shipping:    500,
		Header: domain.OrderHeader{
			ExternalID: ext, PlacedAt: time.Date(2026, 11, 1, 10, 0, 0, 123456000, time.UTC), Currency: "EUR",
			Customer:        domain.Customer{Name: "Zoë", Email: "z@example.com"},
			ShippingAddress: domain.Address{Name: "Zoë", Line1: "1 Rue", City: "Paris", PostalCode: "75001", Country: "FR"},
		},
		Suppliers: []domain.SupplierOrder{
			{SupplierID: s1.ID, Supplier: s1.Code, Status: "new", ItemTotal: 1000, Shipping: 500, CommissionBP: 220, Commission: 22, Payout: 1478,
				Lines: []domain.Line{{Position: 1, SKU: "HAM-1", Name: "Hammer", Quantity: 2, UnitPrice: 500, Total: 1000, Options: map[string]string{"size": "L"}}}},
			{SupplierID: s2.ID, Supplier: s2.Code, Status: "new", ItemTotal: 2000, CommissionBP: 500, Commission: 100, Payout: 1900,
				Lines: []domain.Line{{Position: 2, SKU: "PNT-9", Name: "Paint", Quantity: 1, UnitPrice: 2000, Total: 2000}}},
		},
	}
}

func TestOrdersRoundTrip(t *testing.T) {
	storetest.Each(t, func(t *testing.T, kind string) {
		ctx := context.Background()
		st := storetest.Open(t, kind)
		r, s1, s2 := seed(t, st)
		o := newOrder(r, s1, s2, "ext-1")
		err := st.InTx(ctx, func(tx store.Tx) error {
			ok, err := st.InsertOrder(ctx, tx, o, number)
			if !ok && err == nil {
				err = errors.New("not inserted")
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if got, want := o.Suppliers[0].Number, o.Header.Number+"-31"; got != want {
			t.Fatalf("number %q, want %q", got, want)
		}
		// Same external id again: not inserted, nothing stored.
		dup := newOrder(r, s1, s2, "ext-1")
		err = st.InTx(ctx, func(tx store.Tx) error {
			ok, err := st.InsertOrder(ctx, tx, dup, number)
			if ok {
				t.Error("duplicate inserted")
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		got, err := st.OrderByID(ctx, nil, r.ID, o.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !got.Header.PlacedAt.Equal(o.Header.PlacedAt) || got.Header.Customer.Name != "Zoë" || got.Header.Retailer != "acme" {
			t.Fatalf("header round trip: %+v", got.Header)
		}
		if len(got.Suppliers) != 2 || got.Suppliers[1].Lines[0].SKU != "PNT-9" || got.Suppliers[0].Lines[0].Options["size"] != "L" {
			t.Fatalf("supplier orders: %+v", got.Suppliers)
		}
		if got.Total != 3500 {
			t.Fatalf("total %d", got.Total)
		}
		// Another retailer cannot see it.
		other := &domain.Retailer{Code: "other", Name: "Other"}
		if err := st.UpsertRetailer(ctx, other); err != nil {
			t.Fatal(err)
		}
		if _, err := st.OrderByID(ctx, nil, other.ID, o.ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("other retailer: err %v, want ErrNotFound", err)
		}
		so, err := st.SupplierOrderByID(ctx, o.Suppliers[0].ID)
		if err != nil || so.Order.ExternalID != "ext-1" || len(so.Lines) != 1 {
			t.Fatalf("supplier order by id: %+v %v", so, err)
		}
	})
}

func TestListOrdersBoundaries(t *testing.T) {
	storetest.Each(t, func(t *testing.T, kind string) {
		ctx := context.Background()
		st := storetest.Open(t, kind)
		r, s1, s2 := seed(t, st)
		base := time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)
		for i := 0; i < 5; i++ {
			o := newOrder(r, s1, s2, fmt.Sprintf("e%d", i))
			o.CreatedAt = base.Add(time.Duration(i) * time.Second)
			o.UpdatedAt = o.CreatedAt
			if err := st.InTx(ctx, func(tx store.Tx) error { _, err := st.InsertOrder(ctx, tx, o, number); return err }); err != nil {
				t.Fatal(err)
			}
		}
		// [1s, 4s) holds e1, e2, e3; pages of 2.
		p := store.OrderPage{RetailerID: r.ID, From: base.Add(time.Second), To: base.Add(4 * time.Second), Limit: 2}
		page1, err := st.ListOrders(ctx, p)
		if err != nil || len(page1) != 2 || page1[0].Header.ExternalID != "e1" {
			t.Fatalf("page1 %v %v", page1, err)
		}
		p.AfterTime, p.AfterID = page1[1].CreatedAt, page1[1].ID
		page2, err := st.ListOrders(ctx, p)
		if err != nil || len(page2) != 1 || page2[0].Header.ExternalID != "e3" {
			t.Fatalf("page2 %v %v", page2, err)
		}
	})
}

func TestDeliveriesAndAttempts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, kind string) {
		ctx := context.Background()
		st := storetest.Open(t, kind)
		r, s1, s2 := seed(t, st)
		o := newOrder(r, s1, s2, "d1")
		var d domain.Delivery
		err := st.InTx(ctx, func(tx store.Tx) error {
			if _, err := st.InsertOrder(ctx, tx, o, number); err != nil {
				return err
			}
			d = domain.Delivery{SupplierOrderID: o.Suppliers[0].ID, SupplierID: s1.ID, Channel: "file", Kind: "file", Event: domain.EventOrderCreated}
			_, err := st.InsertDelivery(ctx, tx, &d)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		again := domain.Delivery{SupplierOrderID: o.Suppliers[0].ID, SupplierID: s1.ID, Channel: "file", Kind: "file", Event: domain.EventOrderCreated}
		err = st.InTx(ctx, func(tx store.Tx) error {
			created, err := st.InsertDelivery(ctx, tx, &again)
			if created {
				t.Error("second insert created a delivery")
			}
			return err
		})
		if err != nil || again.ID != d.ID {
			t.Fatalf("idempotent delivery: %v id %d want %d", err, again.ID, d.ID)
		}
		a := &domain.Attempt{DeliveryID: d.ID, Number: 1, StartedAt: time.Now(), Duration: 1500 * time.Microsecond, Outcome: domain.OutcomeError, Error: "boom"}
		if err := st.RecordAttempt(ctx, a, domain.DeliveryFailed, nil); err != nil {
			t.Fatal(err)
		}
		a2 := &domain.Attempt{DeliveryID: d.ID, Number: 2, StartedAt: time.Now(), Outcome: domain.OutcomeOK}
		if err := st.RecordAttempt(ctx, a2, domain.DeliveryDelivered, nil); err != nil {
			t.Fatal(err)
		}
		got, err := st.DeliveryByID(ctx, d.ID)
		if err != nil || got.Status != domain.DeliveryDelivered || got.Attempts != 2 || got.DeliveredAt == nil {
			t.Fatalf("delivery %+v %v", got, err)
		}
		as, err := st.Attempts(ctx, d.ID)
		if err != nil || len(as) != 2 || as[0].Error != "boom" || as[0].Duration != 1500*time.Microsecond {
			t.Fatalf("attempts %+v %v", as, err)
		}
	})
}

func TestConcurrentDuplicateInsert(t *testing.T) {
	storetest.Each(t, func(t *testing.T, kind string) {
		ctx := context.Background()
		st := storetest.Open(t, kind)
		r, s1, s2 := seed(t, st)
		var wg sync.WaitGroup
		var mu sync.Mutex
		inserted := 0
		for i := 0; i < 10; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				o := newOrder(r, s1, s2, "same")
				err := st.InTx(ctx, func(tx store.Tx) error {
					ok, err := st.InsertOrder(ctx, tx, o, number)
					if ok {
						mu.Lock()
						inserted++
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
		if inserted != 1 {
			t.Fatalf("inserted %d orders, want 1", inserted)
		}
	})
}
