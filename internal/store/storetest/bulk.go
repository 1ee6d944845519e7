package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/supplyhub/supplyhub/internal/store"
)

// Bulk describes orders to seed straight into the tables for benchmarks:
// Orders orders of RetailerID, the i-th created at Start + i×Step, each split
// into one supplier order (one line, status "dispatched", version 2,
// updated a minute after creation) per supplier in SupplierIDs. Supplier
// order numbers are "bulk-<i>-<supplier code>".
type Bulk struct {
	RetailerID  int64
	SupplierIDs []int64
	Orders      int
	Start       time.Time
	Step        time.Duration
}

// bulkSQL is the seeding SQL for kind: one INSERT … SELECT per table from
// a generated series, so a million rows take seconds instead of a long
// run through ingest. Times are integer microseconds on SQLite.
func bulkSQL(kind string) ([3]string, bool) {
	switch kind {
	case store.KindSQLite:
		return [3]string{
			`WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < $1)
INSERT INTO orders (retailer_id, external_id, request_hash, placed_at, currency, customer, shipping_address, notes,
  status, item_total, shipping_total, created_at, updated_at)
SELECT $2, 'bulk-' || i, '', $3 + i * $4, 'EUR', $5, $6, '', 'new', 2500, 500, $3 + i * $4, $3 + i * $4 FROM n`,
			`INSERT INTO supplier_orders (order_id, supplier_id, number, status, item_total, shipping, commission_bp,
  commission, payout, version, created_at, updated_at)
SELECT o.id, s.id, o.external_id || '-' || s.code, 'dispatched', 2500, 500, 220, 55, 2945, 2, o.created_at,
  o.created_at + 60000000
FROM orders o JOIN suppliers s ON s.id IN (SELECT value FROM json_each($2))
WHERE o.retailer_id = $1 AND o.external_id LIKE 'bulk-%' ORDER BY o.id, s.id`,
			`INSERT INTO order_lines (supplier_order_id, position, sku, name, options, quantity, unit_price, discount, total)
SELECT so.id, 1, 'SKU-' || (so.id % 97), 'Widget', '{"colour":"red"}', 2, 1250, 0, 2500
FROM supplier_orders so WHERE so.number LIKE 'bulk-%'`,
		}, true
	case store.KindPostgres:
		return [3]string{
			`INSERT INTO orders (retailer_id, external_id, request_hash, placed_at, currency, customer, shipping_address, notes,
  status, item_total, shipping_total, created_at, updated_at)
SELECT $2::bigint, 'bulk-' || i, '', t, 'EUR', $5::jsonb, $6::jsonb, '', 'new', 2500, 500, t, t
FROM generate_series(0, $1::bigint - 1) i, LATERAL (SELECT $3::timestamptz + i * $4::bigint * interval '1 microsecond' AS t) x`,
			`INSERT INTO supplier_orders (order_id, supplier_id, number, status, item_total, shipping, commission_bp,
  commission, payout, version, created_at, updated_at)
SELECT o.id, s.id, o.external_id || '-' || s.code, 'dispatched', 2500, 500, 220, 55, 2945, 2, o.created_at,
  o.created_at + interval '1 minute'
FROM orders o JOIN suppliers s ON s.id = ANY(SELECT jsonb_array_elements_text($2::jsonb)::bigint)
WHERE o.retailer_id = $1::bigint AND o.external_id LIKE 'bulk-%' ORDER BY o.id, s.id`,
			`INSERT INTO order_lines (supplier_order_id, position, sku, name, options, quantity, unit_price, discount, total)
SELECT so.id, 1, 'SKU-' || (so.id % 97), 'Widget', '{"colour":"red"}', 2, 1250, 0, 2500
FROM supplier_orders so WHERE so.number LIKE 'bulk-%'`,
		}, true
	}
	return [3]string{}, false
}

// SeedBulk inserts b with bulk SQL. Call it once per database:
// the numbers it makes are not unique across calls.
func SeedBulk(t testing.TB, st *store.Store, b Bulk) {
	t.Helper()
	if err := Seed(context.Background(), st, b, t.Logf); err != nil {
		t.Fatal(err)
	}
}

// Seed is SeedBulk for callers outside tests (cmd/supplyhub-bench); logf,
// if not nil, gets one line per table.
func Seed(ctx context.Context, st *store.Store, b Bulk, logf func(format string, args ...any)) error {
	stmts, ok := bulkSQL(st.Kind())
	if !ok {
		return fmt.Errorf("seed: no bulk SQL for %s", st.Kind())
	}
	ids := "["
	for i, id := range b.SupplierIDs {
		if i > 0 {
			ids += ","
		}
		ids += fmt.Sprint(id)
	}
	ids += "]"
	const customer = `{"type":"b2c","name":"Bulk Buyer","email":"bulk@example.com"}`
	const address = `{"name":"Bulk Buyer","line1":"1 Main St","city":"Paris","postal_code":"75001","country":"FR"}`
	start := time.Now()
	steps := []struct {
		what string
		args []any
	}{
		{"orders", []any{b.Orders, b.RetailerID, b.Start.UTC(), b.Step.Microseconds(), customer, address}},
		{"supplier orders", []any{b.RetailerID, ids}},
		{"lines", nil},
	}
	for i, step := range steps {
		n, err := st.DB().Exec(ctx, stmts[i], step.args...)
		if err != nil {
			return fmt.Errorf("seed %s: %w", step.what, err)
		}
		if logf != nil {
			logf("seeded %d %s in %s", n, step.what, time.Since(start).Round(time.Millisecond))
		}
	}
	// PostgreSQL's autovacuum would have analysed a table this size; a
	// SQLite database is never analysed unless someone does it, so leave
	// SQLite's planner on its defaults, as in production.
	if st.Kind() == store.KindPostgres {
		if _, err := st.DB().Exec(ctx, "ANALYZE"); err != nil {
			return fmt.Errorf("seed: analyze: %w", err)
		}
	}
	return nil
}
