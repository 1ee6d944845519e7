package store_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/supplyhub/supplyhub/internal/domain"
	"github.com/supplyhub/supplyhub/internal/store"
	"github.com/supplyhub/supplyhub/internal/store/storetest"
)

// The operator's figures and lists of failed and dead deliveries read
// failing_status (migration 0023), a column derived from status: they must
// follow every status move, back to delivered included.
func TestFailingDeliveriesFollowStatus(t *testing.T) {
	storetest.Each(t, func(t *testing.T, kind string) {
		ctx := context.Background()
		st := storetest.Open(t, kind)
		r, s1, s2 := seed(t, st)
		o := newOrder(r, s1, s2, "f1")
		var ids []int64
		err := st.InTx(ctx, func(tx store.Tx) error {
			if _, err := st.InsertOrder(ctx, tx, o, number); err != nil {
				return err
			}
			for _, ev := range []string{"e1", "e2", "e3", "e4"} {
				d := domain.Delivery{SupplierOrderID: o.Suppliers[0].ID, SupplierID: s1.ID, Channel: "file", Kind: "file", Event: ev}
				if _, err := st.InsertDelivery(ctx, tx, &d); err != nil {
					return err
				}
				ids = append(ids, d.ID)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		move := func(id int64, n int, status string) {
			t.Helper()
			a := &domain.Attempt{DeliveryID: id, Number: n, StartedAt: time.Now(), Outcome: domain.OutcomeError, Error: "x"}
			if err := st.RecordAttempt(ctx, a, status, nil); err != nil {
				t.Fatal(err)
			}
		}
		check := func(failed, dead, delivered, pending []int64) {
			t.Helper()
			b, err := st.BackOfficeCounts(ctx, time.Now().Add(-time.Hour))
			if err != nil {
				t.Fatal(err)
			}
			if b.DeliveriesFailing != len(failed) || b.DeliveriesDead != len(dead) {
				t.Errorf("counts failing %d dead %d, want %d and %d", b.DeliveriesFailing, b.DeliveriesDead, len(failed), len(dead))
			}
			for _, c := range []struct {
				status string
				want   []int64
			}{
				{domain.DeliveryFailed, failed},
				{domain.DeliveryDead, dead},
				{domain.DeliveryDelivered, delivered},
				{domain.DeliveryPending, pending},
				{"", ids},
			} {
				ds, err := st.FindDeliveries(ctx, store.DeliveryFilter{Status: c.status})
				if err != nil {
					t.Fatal(err)
				}
				var got []int64
				for _, d := range ds {
					got = append(got, d.ID)
				}
				if !slices.Equal(got, c.want) {
					t.Errorf("FindDeliveries(%q) = %v, want %v", c.status, got, c.want)
				}
			}
		}
		check(nil, nil, nil, ids)
		move(ids[0], 1, domain.DeliveryFailed)
		move(ids[1], 1, domain.DeliveryFailed)
		move(ids[1], 2, domain.DeliveryDead)
		move(ids[2], 1, domain.DeliveryDelivered)
		check(ids[:1], ids[1:2], ids[2:3], ids[3:])
		move(ids[0], 2, domain.DeliveryDelivered)
		check(nil, ids[1:2], []int64{ids[0], ids[2]}, ids[3:])
	})
}

// Dispatch updates these columns of a delivery on every attempt. When no
// index refers to any of them (key, expression or predicate), PostgreSQL
// can make the update HOT: no new index entries, a smaller WAL record.
func TestDeliveryAttemptColumnsNotIndexed(t *testing.T) {
	storetest.SkipWithoutPostgres(t)
	ctx := context.Background()
	st := storetest.Open(t, store.KindPostgres)
	// pg_index.indkey holds key columns (0 for an expression);
	// expressions and predicates are matched on their column names.
	rows, err := st.DB().Query(ctx, `SELECT i.indexrelid::regclass::text, a.attname
FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum > 0 AND NOT a.attisdropped
WHERE i.indrelid = 'deliveries'::regclass
AND (a.attnum = ANY (i.indkey::int2[])
  OR pg_get_expr(i.indexprs, i.indrelid) ~ ('\m' || a.attname || '\M')
  OR pg_get_expr(i.indpred, i.indrelid) ~ ('\m' || a.attname || '\M'))
AND a.attname IN ('status', 'attempts', 'last_error', 'updated_at', 'delivered_at')`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var index, col string
		if err := rows.Scan(&index, &col); err != nil {
			t.Fatal(err)
		}
		t.Errorf("index %s refers to deliveries.%s, which every attempt updates", index, col)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
}
