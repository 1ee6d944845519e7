package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/supplyhub/supplyhub/internal/domain"
	"github.com/supplyhub/supplyhub/internal/store"
	"github.com/supplyhub/supplyhub/internal/store/storetest"
)

// TestLongIDLists reads pages longer than the statement cache's parameter
// limit, so that SQLite passes the ids as one JSON array: every supplier
// order keeps its own header and lines, and every order its supplier
// orders, in order, on both databases.
func TestLongIDLists(t *testing.T) {
	storetest.Each(t, func(t *testing.T, kind string) {
		ctx := context.Background()
		st := storetest.Open(t, kind)
		r, s1, s2 := seed(t, st)
		const n = 45
		base := time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)
		for i := range n {
			o := newOrder(r, s1, s2, fmt.Sprintf("e%02d", i))
			o.Header.Customer.Name = fmt.Sprintf("Buyer %d", i)
			o.Header.ShippingAddress.City = fmt.Sprintf("City %d", i)
			o.Suppliers[0].Lines = append(o.Suppliers[0].Lines, domain.Line{Position: 3, SKU: fmt.Sprintf("S-%d", i), Name: "Saw", Quantity: 1, UnitPrice: 100, Total: 100})
			o.CreatedAt = base.Add(time.Duration(i) * time.Second)
			o.UpdatedAt = o.CreatedAt
			if err := st.InTx(ctx, func(tx store.Tx) error { _, err := st.InsertOrder(ctx, tx, o, number); return err }); err != nil {
				t.Fatal(err)
			}
		}
		sos, err := st.ListSupplierOrders(ctx, store.SupplierOrderPage{SupplierID: s1.ID, By: store.SupplierOrdersByCreated,
			From: base, To: base.Add(time.Hour), Limit: 100})
		if err != nil || len(sos) != n {
			t.Fatalf("supplier page: %d, %v", len(sos), err)
		}
		for i, so := range sos {
			h := so.Order
			if h.ExternalID != fmt.Sprintf("e%02d", i) || h.Retailer != "acme" || h.Number != fmt.Sprint(so.OrderID) ||
				h.Customer.Name != fmt.Sprintf("Buyer %d", i) || h.ShippingAddress.City != fmt.Sprintf("City %d", i) ||
				!h.PlacedAt.Equal(time.Date(2026, 11, 1, 10, 0, 0, 123456000, time.UTC)) {
				t.Fatalf("supplier order %d header: %+v", i, h)
			}
			if len(so.Lines) != 2 || so.Lines[0].SKU != "HAM-1" || so.Lines[0].Options["size"] != "L" ||
				so.Lines[1].SKU != fmt.Sprintf("S-%d", i) || so.Lines[1].Supplier != "31" {
				t.Fatalf("supplier order %d lines: %+v", i, so.Lines)
			}
		}
		orders, err := st.ListOrders(ctx, store.OrderPage{RetailerID: r.ID, From: base, To: base.Add(time.Hour), Limit: 100})
		if err != nil || len(orders) != n {
			t.Fatalf("orders: %d, %v", len(orders), err)
		}
		for i, o := range orders {
			if len(o.Suppliers) != 2 || o.Suppliers[0].Supplier != "31" || o.Suppliers[1].Supplier != "40" ||
				len(o.Suppliers[0].Lines) != 2 || o.Suppliers[1].Lines[0].SKU != "PNT-9" || o.Suppliers[0].Order.ExternalID != o.Header.ExternalID {
				t.Fatalf("order %d: %+v", i, o.Suppliers)
			}
		}
	})
}
