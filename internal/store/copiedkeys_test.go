package store_test

import (
	"context"
	"strings"
	"testing"

	"github.com/supplyhub/supplyhub/internal/store"
	"github.com/supplyhub/supplyhub/internal/store/storetest"
)

// TestCopiedPartyColumnsUnchecked pins the foreign keys PostgreSQL checks
// at every insert into deliveries and commission_ledger: the supplier
// order only. Their supplier_id and retailer_id are copies of the supplier
// order's supplier and its order's retailer (migration 0024 dropped their
// keys: 6 parent-row locks per order that only caught an id existing
// nowhere); TestCommitBatchMixed checks the copies agree.
func TestCopiedPartyColumnsUnchecked(t *testing.T) {
	storetest.SkipWithoutPostgres(t)
	ctx := context.Background()
	st := storetest.Open(t, store.KindPostgres)
	rows, err := st.DB().Query(ctx, `SELECT c.conrelid::regclass::text, c.confrelid::regclass::text,
  (SELECT string_agg(a.attname, ',' ORDER BY k.n) FROM unnest(c.conkey) WITH ORDINALITY AS k(attnum, n)
   JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum)
FROM pg_constraint c
WHERE c.contype = 'f' AND c.conrelid IN ('deliveries'::regclass, 'commission_ledger'::regclass)
ORDER BY 1, 3`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []string
	for rows.Next() {
		var table, parent, cols string
		if err := rows.Scan(&table, &parent, &cols); err != nil {
			t.Fatal(err)
		}
		got = append(got, table+"("+cols+") -> "+parent)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	want := []string{"commission_ledger(supplier_order_id) -> supplier_orders", "deliveries(supplier_order_id) -> supplier_orders"}
	if strings.Join(got, "; ") != strings.Join(want, "; ") {
		t.Errorf("foreign keys:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
