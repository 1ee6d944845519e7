package api_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/supplyhub/supplyhub/internal/app/apptest"
	"github.com/supplyhub/supplyhub/internal/domain"
	"github.com/supplyhub/supplyhub/internal/store"
	"github.com/supplyhub/supplyhub/internal/store/storetest"
)

// BenchmarkSupplierOrdersPage reads one page of 100 of supplier 31's orders
// out of 1,000,000 supplier orders (250,000 orders × 4 suppliers, bulk
// inserted, spread over 29 days), by updated_at, at the start of the
// window and at a cursor 80 % into it: through the store query, and through
// HTTP on a running daemon (key check, three queries, JSON).
//
//	go test -run '^$' -bench BenchmarkSupplierOrdersPage -benchtime 200x ./connectors/api/
func BenchmarkSupplierOrdersPage(b *testing.B) {
	for _, kind := range []string{store.KindSQLite, store.KindPostgres} {
		b.Run(kind, func(b *testing.B) {
			if kind == store.KindPostgres {
				storetest.SkipWithoutPostgres(b)
			}
			if testing.Short() {
				b.Skip("seeds a million rows; skipped in -short mode")
			}
			benchSupplierOrdersPage(b, kind)
		})
	}
}

func benchSupplierOrdersPage(b *testing.B, kind string) {
	const orders = 250_000
	ctx := context.Background()
	d := apptest.Start(b, kind)
	st := d.App.Store
	var supplierIDs []int64
	for _, code := range []string{"31", "40", "50", "60"} {
		sup, err := st.SupplierByCode(ctx, code)
		if err != nil {
			sup = &domain.Supplier{Code: code, Name: "Bench " + code}
			if err := st.UpsertSupplier(ctx, sup); err != nil {
				b.Fatal(err)
			}
		}
		supplierIDs = append(supplierIDs, sup.ID)
	}
	acme, err := st.RetailerByCode(ctx, "acme")
	if err != nil {
		b.Fatal(err)
	}
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	storetest.SeedBulk(b, st, storetest.Bulk{RetailerID: acme.ID, SupplierIDs: supplierIDs, Orders: orders, Start: start, Step: 10 * time.Second})
	cursorAt, err := st.SupplierOrderByNumber(ctx, supplierIDs[0], "bulk-199999-31")
	if err != nil {
		b.Fatal(err)
	}
	window := store.SupplierOrderPage{SupplierID: supplierIDs[0], By: store.SupplierOrdersByUpdated,
		From: start, To: start.Add(31 * 24 * time.Hour), Limit: 100}
	deepPage := window
	deepPage.AfterTime, deepPage.AfterID = cursorAt.UpdatedAt, cursorAt.ID

	for _, bc := range []struct {
		name string
		page store.SupplierOrderPage
		want string
	}{{"store/first", window, "bulk-0-31"}, {"store/deep", deepPage, "bulk-200000-31"}} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				sos, err := st.ListSupplierOrders(ctx, bc.page)
				if err != nil || len(sos) != 100 || sos[0].Number != bc.want || len(sos[0].Lines) != 1 {
					b.Fatalf("page: %d orders, %v", len(sos), err)
				}
			}
		})
	}

	// The HTTP cursor for the same position, as the API hands it out.
	q := url.Values{"from": {start.Format(time.RFC3339)}, "to": {window.To.Format(time.RFC3339)}}
	first := "/api/v1/supplier/orders?" + q.Encode()
	q.Set("from", cursorAt.UpdatedAt.Format(time.RFC3339Nano))
	q.Set("limit", "1")
	_, _, body := d.Do(b, "GET", "/api/v1/supplier/orders?"+q.Encode(), d.Keys["supplier:31"], nil)
	var one struct {
		NextCursor string `json:"next_cursor"`
	}
	if err := json.Unmarshal(body, &one); err != nil || one.NextCursor == "" {
		b.Fatalf("cursor: %v %s", err, body)
	}
	deep := first + "&cursor=" + one.NextCursor
	client := &http.Client{}
	for _, bc := range []struct{ name, path string }{{"http/first", first}, {"http/deep", deep}} {
		b.Run(bc.name, func(b *testing.B) {
			req, _ := http.NewRequest("GET", d.URL+bc.path, nil)
			req.Header.Set("Authorization", "Bearer "+d.Keys["supplier:31"])
			b.ReportAllocs()
			for b.Loop() {
				resp, err := client.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				var page pulledList
				err = json.NewDecoder(resp.Body).Decode(&page)
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if err != nil || resp.StatusCode != 200 || len(page.Orders) != 100 {
					b.Fatalf("%d: %d orders, %v", resp.StatusCode, len(page.Orders), err)
				}
			}
		})
	}
}
