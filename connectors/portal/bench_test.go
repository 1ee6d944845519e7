package portal

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/supplyhub/supplyhub/internal/domain"
	"github.com/supplyhub/supplyhub/internal/store"
	"github.com/supplyhub/supplyhub/internal/store/storetest"
)

// BenchmarkOrderHistory renders ORDER HISTORY's first page (counts by
// status, waiting orders first) for a supplier with 100,000 supplier
// orders, a third still waiting, the rest shipped or delivered, seeded by
// bulk SQL. Target: under 100 ms of server time per page. Run with
// go test ./connectors/portal/ -run '^$' -bench OrderHistory -benchtime 20x
// (and SUPPLYHUB_TEST_POSTGRES_URL set for PostgreSQL too).
func BenchmarkOrderHistory(b *testing.B) {
	for _, kind := range storetest.Kinds() {
		b.Run(kind, func(b *testing.B) {
			st := storetest.Open(b, kind)
			ctx := context.Background()
			r := &domain.Retailer{Code: "acme", Name: "Acme"}
			if err := st.UpsertRetailer(ctx, r); err != nil {
				b.Fatal(err)
			}
			sup := &domain.Supplier{Code: "31", Name: "Tools Ltd"}
			if err := st.UpsertSupplier(ctx, sup); err != nil {
				b.Fatal(err)
			}
			storetest.SeedBulk(b, st, storetest.Bulk{RetailerID: r.ID, SupplierIDs: []int64{sup.ID}, Orders: 100_000,
				Start: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), Step: time.Minute})
			if _, err := st.DB().Exec(ctx, `UPDATE supplier_orders SET status = CASE WHEN id % 3 = 1 THEN 'shipped' ELSE 'delivered' END WHERE id % 3 <> 0`); err != nil {
				b.Fatal(err)
			}
			s, err := New(st, slog.New(slog.NewTextHandler(io.Discard, nil)), Options{})
			if err != nil {
				b.Fatal(err)
			}
			u := &store.User{ID: 1, Email: "s@example.com", Role: store.PortalSupplier, SupplierID: sup.ID, Party: "31"}
			for _, c := range []struct{ name, query string }{
				{"waiting-first", ""},
				{"waiting-first-page-700", "?page=700"},
				{"newest-page-100", "?sort=newest&page=100"},
				{"status-shipped", "?status=shipped"},
				{"search-sku", "?q=SKU-42"},
				{"date-range", "?from=2026-02-01&to=2026-02-07"},
			} {
				b.Run(c.name, func(b *testing.B) {
					for b.Loop() {
						req := httptest.NewRequest("GET", "/portal/orders"+c.query, nil)
						ctx, err := s.sm.Load(req.Context(), "")
						if err != nil {
							b.Fatal(err)
						}
						w := httptest.NewRecorder()
						s.orders(w, req.WithContext(ctx), u)
						if w.Code != http.StatusOK {
							b.Fatalf("%d %s", w.Code, w.Body.String())
						}
					}
				})
			}
		})
	}
}
