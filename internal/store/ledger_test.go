package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/supplyhub/supplyhub/internal/domain"
	"github.com/supplyhub/supplyhub/internal/store"
	"github.com/supplyhub/supplyhub/internal/store/storetest"
)

// TestCommissionLedger: October accrues both orders; a cancellation on
// 3 November reverses one in November, leaving October untouched.
func TestCommissionLedger(t *testing.T) {
	storetest.Each(t, func(t *testing.T, kind string) {
		ctx := context.Background()
		st := storetest.Open(t, kind)
		r, s1, s2 := seed(t, st)
		oct := time.Date(2026, 10, 30, 23, 0, 0, 0, time.UTC)
		var orders []*domain.Order
		for _, ext := range []string{"L1", "L2"} {
			o := newOrder(r, s1, s2, ext)
			o.CreatedAt, o.UpdatedAt = oct, oct
			err := st.InTx(ctx, func(tx store.Tx) error {
				if _, err := st.InsertOrder(ctx, tx, o, number); err != nil {
					return err
				}
				for i := range o.Suppliers {
					if err := st.AccrueCommission(ctx, tx, r.ID, &o.Suppliers[i], "EUR", oct); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			orders = append(orders, o)
		}
		nov3 := time.Date(2026, 11, 3, 9, 0, 0, 0, time.UTC)
		for i := 0; i < 2; i++ { // twice: a reversal is recorded once
			if err := st.InTx(ctx, func(tx store.Tx) error { return st.ReverseCommission(ctx, tx, orders[1].Suppliers[0].ID, nov3) }); err != nil {
				t.Fatal(err)
			}
		}
		// Supplier 31: 10.00 items, 2.2 % = 0.22, 5.00 shipping, payout 14.78, per order.
		octRep, err := st.CommissionReport(ctx, "2026-10", 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(octRep) != 2 || octRep[0].Supplier != "31" || octRep[0].Accruals != 2 || octRep[0].Commission != 44 ||
			octRep[0].ItemTotal != 2000 || octRep[0].Payout != 2956 || octRep[1].Supplier != "40" || octRep[1].Commission != 200 {
			t.Errorf("October: %+v", octRep)
		}
		novRep, err := st.CommissionReport(ctx, "2026-11", r.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(novRep) != 1 || novRep[0].Reversals != 1 || novRep[0].Commission != -22 || novRep[0].Reversed != -22 || novRep[0].Payout != -1478 {
			t.Errorf("November: %+v", novRep)
		}
		if other, _ := st.CommissionReport(ctx, "2026-10", r.ID+100); len(other) != 0 {
			t.Errorf("another retailer's report: %+v", other)
		}
	})
}
