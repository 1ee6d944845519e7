package app_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/supplyhub/supplyhub/config"
	"github.com/supplyhub/supplyhub/internal/app/apptest"
	"github.com/supplyhub/supplyhub/internal/domain"
	"github.com/supplyhub/supplyhub/internal/store/storetest"
)

// A retailer's cancellation gives the order's units back to stock, and the
// order waiting for them is released; a supplier's rejection gives nothing
// back (its next catalog update says what it has).
func TestRetailerCancelReturnsStock(t *testing.T) {
	storetest.Each(t, func(t *testing.T, kind string) {
		cfg := apptest.Config(t, storetest.URL(t, kind))
		cfg.Suppliers[0].Catalog = config.Catalog{Mode: "enforce"}
		d := apptest.StartConfig(t, cfg)
		publish(t, d, `{"sku":"HAM-1","name":"Hammer","price":1250,"currency":"EUR","stock":1}`)
		post := func(ext string) orderJSON {
			t.Helper()
			code, _, b := d.Do(t, "POST", "/api/v1/orders", d.Keys["retailer:acme"], catalogOrder(ext, hammer(1)))
			if code != 201 {
				t.Fatalf("order %s: %d %s", ext, code, b)
			}
			var o orderJSON
			_ = json.Unmarshal(b, &o)
			return o
		}
		a, b := post("RS-A"), post("RS-B")
		if a.SupplierOrders[0].Status == domain.StatusAwaitingStock || b.SupplierOrders[0].Status != domain.StatusAwaitingStock {
			t.Fatalf("A %s, B %s: want A filled and B waiting", a.SupplierOrders[0].Status, b.SupplierOrders[0].Status)
		}
		code, _, resp := d.Do(t, "POST", "/api/v1/orders/"+a.Number+"/cancel", d.Keys["retailer:acme"], `{"note":"customer changed their mind"}`)
		if code != 200 {
			t.Fatalf("cancel A: %d %s", code, resp)
		}
		bso := b.SupplierOrders[0].Number
		status := func() string {
			so, err := d.App.Store.SupplierOrderByNumber(context.Background(), mustSupplier(t, d, "31").ID, bso)
			if err != nil {
				t.Fatal(err)
			}
			return so.Status
		}
		apptest.Eventually(t, 20*time.Second, "B released by the unit A gave back", func() bool {
			return status() != domain.StatusAwaitingStock
		})
		if s := stockOf(t, d, d.Keys["supplier:31"], "/api/v1/supplier/catalog", "HAM-1"); s == nil || *s != 0 {
			t.Fatalf("stock %v after B took the returned unit, want 0", s)
		}
		code, _, resp = d.Do(t, "POST", "/api/v1/supplier/orders/"+bso+"/status", d.Keys["supplier:31"], `{"status":"rejected","note":"damaged"}`)
		if code != 200 {
			t.Fatalf("reject B: %d %s", code, resp)
		}
		if s := stockOf(t, d, d.Keys["supplier:31"], "/api/v1/supplier/catalog", "HAM-1"); s == nil || *s != 0 {
			t.Fatalf("stock %v after the supplier rejected B, want 0 (a rejection returns nothing)", s)
		}
		// Cancelling A again returns nothing twice.
		d.Do(t, "POST", "/api/v1/orders/"+a.Number+"/cancel", d.Keys["retailer:acme"], `{"note":"again"}`)
		if s := stockOf(t, d, d.Keys["supplier:31"], "/api/v1/supplier/catalog", "HAM-1"); s == nil || *s != 0 {
			t.Fatalf("stock %v after a repeated cancel, want 0", s)
		}
	})
}
