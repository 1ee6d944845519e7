package store_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/supplyhub/supplyhub/internal/domain"
	"github.com/supplyhub/supplyhub/internal/store"
	"github.com/supplyhub/supplyhub/internal/store/storetest"
)

func intp(n int) *int { return &n }

// insertOrders stores n orders and returns their first supplier order ids.
func insertOrders(t *testing.T, st *store.Store, r *domain.Retailer, s1, s2 *domain.Supplier, prefix string, n int) []int64 {
	t.Helper()
	ctx := context.Background()
	var ids []int64
	for i := 0; i < n; i++ {
		o := newOrder(r, s1, s2, fmt.Sprintf("%s-%d", prefix, i))
		if err := st.InTx(ctx, func(tx store.Tx) error {
			_, err := st.InsertOrder(ctx, tx, o, number)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, o.Suppliers[0].ID)
	}
	return ids
}

func TestCatalogItemsRoundTrip(t *testing.T) {
	storetest.Each(t, func(t *testing.T, kind string) {
		ctx := context.Background()
		st := storetest.Open(t, kind)
		_, s1, s2 := seed(t, st)
		items := []domain.CatalogItem{
			{SKU: "B", Name: "Saw", Price: 990, Currency: "EUR", ForSale: false},
			{SKU: "A", Name: "Hammer", Price: 1250, Currency: "EUR", ForSale: true, Stock: intp(3), RestockDate: "2026-12-24"},
			{SKU: "C", Name: "Drill", Price: 5000, Currency: "EUR", ForSale: true, Stock: intp(0)},
		}
		if err := st.InTx(ctx, func(tx store.Tx) error { return st.UpsertCatalogItems(ctx, tx, s1.ID, items) }); err != nil {
			t.Fatal(err)
		}
		page, err := st.CatalogPage(ctx, s1.ID, "", 2)
		if err != nil || len(page) != 2 || page[0].SKU != "A" || page[1].SKU != "B" {
			t.Fatalf("page 1: %+v %v", page, err)
		}
		a := page[0]
		if a.Stock == nil || *a.Stock != 3 || a.RestockDate != "2026-12-24" || !a.ForSale || a.Price != 1250 || a.UpdatedAt.IsZero() {
			t.Errorf("A: %+v", a)
		}
		if page[1].Stock != nil || page[1].ForSale {
			t.Errorf("B must be untracked and not for sale: %+v", page[1])
		}
		page, _ = st.CatalogPage(ctx, s1.ID, "B", 2)
		if len(page) != 1 || page[0].SKU != "C" || page[0].Stock == nil || *page[0].Stock != 0 {
			t.Errorf("page 2: %+v", page)
		}
		// Another supplier sees none of them.
		if other, _ := st.CatalogPage(ctx, s2.ID, "", 10); len(other) != 0 {
			t.Errorf("supplier 40 sees %+v", other)
		}
		// Replace A (untracked now), delete B and a SKU that does not exist.
		var n int
		err = st.InTx(ctx, func(tx store.Tx) error {
			if err := st.UpsertCatalogItems(ctx, tx, s1.ID, []domain.CatalogItem{{SKU: "A", Name: "Hammer 2", Price: 1300, Currency: "EUR", ForSale: true}}); err != nil {
				return err
			}
			n, err = st.DeleteCatalogItems(ctx, tx, s1.ID, []string{"B", "nope"})
			return err
		})
		if err != nil || n != 1 {
			t.Fatalf("delete: %d %v", n, err)
		}
		m, err := st.CatalogItems(ctx, s1.ID, []string{"A", "B", "A"})
		if err != nil || len(m) != 1 || m["A"].Name != "Hammer 2" || m["A"].Stock != nil {
			t.Errorf("after update: %+v %v", m, err)
		}
	})
}

// TestReserveStockAllOrNothing: a supplier order takes every SKU it needs
// or none; untracked and unknown SKUs are always available.
func TestReserveStockAllOrNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, kind string) {
		ctx := context.Background()
		st := storetest.Open(t, kind)
		r, s1, s2 := seed(t, st)
		ids := insertOrders(t, st, r, s1, s2, "R", 2)
		if err := st.InTx(ctx, func(tx store.Tx) error {
			return st.UpsertCatalogItems(ctx, tx, s1.ID, []domain.CatalogItem{
				{SKU: "A", Name: "a", Price: 1, Currency: "EUR", ForSale: true, Stock: intp(5)},
				{SKU: "B", Name: "b", Price: 1, Currency: "EUR", ForSale: true, Stock: intp(1)},
				{SKU: "U", Name: "u", Price: 1, Currency: "EUR", ForSale: true},
			})
		}); err != nil {
			t.Fatal(err)
		}
		reserve := func(id int64, need map[string]int) []store.Shortage {
			t.Helper()
			var short []store.Shortage
			if err := st.InTx(ctx, func(tx store.Tx) error {
				var err error
				short, err = st.ReserveStock(ctx, tx, s1.ID, id, need)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			return short
		}
		short := reserve(ids[0], map[string]int{"A": 2, "B": 2, "U": 100, "X": 7})
		if len(short) != 1 || short[0] != (store.Shortage{SKU: "B", Wanted: 2, Available: 1}) {
			t.Fatalf("shortages %+v", short)
		}
		m, _ := st.CatalogItems(ctx, s1.ID, []string{"A", "B"})
		if *m["A"].Stock != 5 || *m["B"].Stock != 1 {
			t.Fatalf("a refused reservation took stock: A %d B %d", *m["A"].Stock, *m["B"].Stock)
		}
		if short := reserve(ids[1], map[string]int{"A": 2, "B": 1, "U": 100, "X": 7}); len(short) != 0 {
			t.Fatalf("shortages %+v", short)
		}
		m, _ = st.CatalogItems(ctx, s1.ID, []string{"A", "B", "U"})
		if *m["A"].Stock != 3 || *m["B"].Stock != 0 || m["U"].Stock != nil {
			t.Errorf("after reserving: %+v", m)
		}
		res, err := st.Reservations(ctx, nil, ids[1])
		if err != nil || len(res) != 2 || res["A"] != 2 || res["B"] != 1 {
			t.Errorf("reservations %v %v (untracked and unknown SKUs reserve nothing)", res, err)
		}
		if res, _ := st.Reservations(ctx, nil, ids[0]); len(res) != 0 {
			t.Errorf("the refused order has reservations %v", res)
		}
	})
}

// TestReserveStockConcurrent: 20 transactions race for the last unit;
// exactly one gets it and the stock never goes below zero.
func TestReserveStockConcurrent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, kind string) {
		ctx := context.Background()
		st := storetest.Open(t, kind)
		r, s1, s2 := seed(t, st)
		ids := insertOrders(t, st, r, s1, s2, "C", 20)
		if err := st.InTx(ctx, func(tx store.Tx) error {
			return st.UpsertCatalogItems(ctx, tx, s1.ID, []domain.CatalogItem{{SKU: "LAST", Name: "l", Price: 1, Currency: "EUR", ForSale: true, Stock: intp(1)}})
		}); err != nil {
			t.Fatal(err)
		}
		var won atomic.Int32
		var wg sync.WaitGroup
		start := make(chan struct{})
		for _, id := range ids {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				err := st.InTx(ctx, func(tx store.Tx) error {
					short, err := st.ReserveStock(ctx, tx, s1.ID, id, map[string]int{"LAST": 1})
					if err == nil && len(short) == 0 {
						won.Add(1)
					}
					return err
				})
				if err != nil {
					t.Error(err)
				}
			}()
		}
		close(start)
		wg.Wait()
		m, _ := st.CatalogItems(ctx, s1.ID, []string{"LAST"})
		if won.Load() != 1 || *m["LAST"].Stock != 0 {
			t.Errorf("%d reservations won the last unit, stock now %d", won.Load(), *m["LAST"].Stock)
		}
	})
}

// TestAwaitingStockOldestFirst lists waiting supplier orders by age and
// hides them from the supplier's pull list.
func TestAwaitingStockOldestFirst(t *testing.T) {
	storetest.Each(t, func(t *testing.T, kind string) {
		ctx := context.Background()
		st := storetest.Open(t, kind)
		r, s1, s2 := seed(t, st)
		ids := insertOrders(t, st, r, s1, s2, "W", 3)
		derive := func([]string) string { return domain.StatusAwaitingStock }
		for _, id := range []int64{ids[2], ids[0]} {
			if err := st.InTx(ctx, func(tx store.Tx) error {
				so, err := st.LockSupplierOrderByID(ctx, tx, id)
				if err != nil {
					return err
				}
				_, err = st.SetSupplierOrderStatus(ctx, tx, so, domain.StatusAwaitingStock, derive)
				return err
			}); err != nil {
				t.Fatal(err)
			}
		}
		got, err := st.AwaitingStock(ctx, st.DB(), s1.ID)
		if err != nil || len(got) != 2 || got[0] != ids[0] || got[1] != ids[2] {
			t.Errorf("awaiting %v %v, want [%d %d]", got, err, ids[0], ids[2])
		}
		if other, _ := st.AwaitingStock(ctx, st.DB(), s2.ID); len(other) != 0 {
			t.Errorf("supplier 40 awaits %v", other)
		}
		rr, err := st.RetailerOfSupplierOrderIn(ctx, st.DB(), ids[0])
		if err != nil || rr.Code != "acme" {
			t.Errorf("retailer %+v %v", rr, err)
		}
	})
}
