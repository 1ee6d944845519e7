package store_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/supplyhub/supplyhub/internal/store"
	"github.com/supplyhub/supplyhub/internal/store/storetest"
)

func TestPortalUsers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, kind string) {
		ctx := context.Background()
		st := storetest.Open(t, kind)
		r, s1, _ := seed(t, st)
		for _, bad := range []store.User{
			{Email: "a@x.example", Role: store.PortalOperator, SupplierID: s1.ID},
			{Email: "a@x.example", Role: store.PortalSupplier},
			{Email: "a@x.example", Role: store.PortalSupplier, SupplierID: s1.ID, RetailerID: r.ID},
			{Email: "a@x.example", Role: store.PortalRetailer},
			{Email: "a@x.example", Role: "boss"},
		} {
			if err := st.CreateUser(ctx, &bad); err == nil {
				t.Errorf("created %+v", bad)
			}
		}
		u := &store.User{Email: " Orders@Tools.Example ", Role: store.PortalSupplier, SupplierID: s1.ID, PasswordHash: "h1"}
		if err := st.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		dup := &store.User{Email: "ORDERS@tools.example", Role: store.PortalOperator, PasswordHash: "h"}
		if err := st.CreateUser(ctx, dup); !errors.Is(err, store.ErrUserExists) {
			t.Fatalf("duplicate email: %v", err)
		}
		rt := &store.User{Email: "shop@acme.example", Role: store.PortalRetailer, RetailerID: r.ID, PasswordHash: "h2"}
		if err := st.CreateUser(ctx, rt); err != nil {
			t.Fatal(err)
		}
		got, err := st.UserByEmail(ctx, "orders@TOOLS.example")
		if err != nil || got.ID != u.ID || got.Party != "31" || got.SupplierID != s1.ID || got.SessionGen != 1 || got.PasswordHash != "h1" {
			t.Fatalf("by email: %+v %v", got, err)
		}
		if err := st.SetUserPassword(ctx, u.ID, "h3"); err != nil {
			t.Fatal(err)
		}
		if err := st.EndUserSessions(ctx, u.ID); err != nil {
			t.Fatal(err)
		}
		if changed, err := st.DisableUser(ctx, u.ID); !changed || err != nil {
			t.Fatalf("disable: %v %v", changed, err)
		}
		if changed, _ := st.DisableUser(ctx, u.ID); changed {
			t.Error("disabled twice")
		}
		got, _ = st.UserByID(ctx, u.ID)
		if got.PasswordHash != "h3" || got.SessionGen != 4 || got.DisabledAt == nil {
			t.Errorf("after changes: %+v", got)
		}
		if err := st.EnableUser(ctx, u.ID); err != nil {
			t.Fatal(err)
		}
		if err := st.EndUserSessions(ctx, 9999); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("unknown user: %v", err)
		}
		all, err := st.ListUsers(ctx)
		if err != nil || len(all) != 2 || all[1].Party != "acme" || all[0].DisabledAt != nil {
			t.Errorf("list: %v %v", all, err)
		}
	})
}

func TestPortalSessionsAndFailures(t *testing.T) {
	storetest.Each(t, func(t *testing.T, kind string) {
		ctx := context.Background()
		st := storetest.Open(t, kind)
		now := time.Now()
		if err := st.CommitSession(ctx, "live", []byte{0, 1, 2, 255}, now.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if err := st.CommitSession(ctx, "old", []byte("x"), now.Add(-time.Second)); err != nil {
			t.Fatal(err)
		}
		if err := st.CommitSession(ctx, "live", []byte{9}, now.Add(2*time.Hour)); err != nil {
			t.Fatal(err)
		}
		if b, ok, err := st.FindSession(ctx, "live"); !ok || err != nil || string(b) != "\x09" {
			t.Errorf("find live: %v %v %v", b, ok, err)
		}
		if _, ok, err := st.FindSession(ctx, "old"); ok || err != nil {
			t.Errorf("an expired session was found: %v", err)
		}
		for i := 0; i < 3; i++ {
			if err := st.RecordLoginFailure(ctx, "account:a@x", now.Add(time.Duration(i-20)*time.Minute)); err != nil {
				t.Fatal(err)
			}
		}
		if err := st.RecordLoginFailure(ctx, "account:a@x", now); err != nil {
			t.Fatal(err)
		}
		n, oldest, err := st.LoginFailures(ctx, "account:a@x", now.Add(-15*time.Minute))
		if err != nil || n != 1 || oldest.Sub(now).Abs() > time.Millisecond {
			t.Errorf("failures in window: %d %v %v", n, oldest, err)
		}
		if n, _, _ := st.LoginFailures(ctx, "ip:1.2.3.4", now.Add(-time.Hour)); n != 0 {
			t.Errorf("other key: %d", n)
		}
		gone, err := st.CleanPortal(ctx, now, 15*time.Minute)
		if err != nil || gone != 4 { // one session, three old failures
			t.Errorf("clean: %d %v", gone, err)
		}
		if err := st.ClearLoginFailures(ctx, "account:a@x"); err != nil {
			t.Fatal(err)
		}
		if n, _, _ := st.LoginFailures(ctx, "account:a@x", now.Add(-time.Hour)); n != 0 {
			t.Errorf("after clear: %d", n)
		}
		if err := st.DeleteSession(ctx, "live"); err != nil {
			t.Fatal(err)
		}
		if _, ok, _ := st.FindSession(ctx, "live"); ok {
			t.Error("deleted session found")
		}
	})
}

// TestOrderHistory: waiting orders first (oldest first), then the rest
// newest first, across page boundaries; counts; every filter; and never
// another supplier's rows.
func TestOrderHistory(t *testing.T) {
	storetest.Each(t, func(t *testing.T, kind string) {
		ctx := context.Background()
		st := storetest.Open(t, kind)
		r, s1, s2 := seed(t, st)
		base := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
		statuses := []string{"new", "shipped", "dispatched", "cancelled", "acknowledged", "new"}
		var numbers []string
		for i, status := range statuses {
			o := newOrder(r, s1, s2, fmt.Sprintf("ext-%d", i))
			o.CreatedAt, o.UpdatedAt = base.Add(time.Duration(i)*24*time.Hour), base.Add(time.Duration(i)*24*time.Hour)
			if i == 4 {
				o.Suppliers[0].Lines[0].SKU = "RARE-1"
			}
			if err := st.InTx(ctx, func(tx store.Tx) error { _, err := st.InsertOrder(ctx, tx, o, number); return err }); err != nil {
				t.Fatal(err)
			}
			if _, err := st.DB().Exec(ctx, `UPDATE supplier_orders SET status = $1 WHERE id = $2`, status, o.Suppliers[0].ID); err != nil {
				t.Fatal(err)
			}
			numbers = append(numbers, o.Suppliers[0].Number)
		}
		page := func(f store.HistoryFilter) ([]string, *store.History) {
			t.Helper()
			f.SupplierID = s1.ID
			if f.Limit == 0 {
				f.Limit = 50
			}
			h, err := st.OrderHistory(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, row := range h.Rows {
				got = append(got, row.Number)
			}
			return got, h
		}
		// Waiting (new, dispatched) oldest first: 0, 2, 5; then 4, 3, 1.
		want := []string{numbers[0], numbers[2], numbers[5], numbers[4], numbers[3], numbers[1]}
		got, h := page(store.HistoryFilter{})
		if !slices.Equal(got, want) || h.Total != 6 || h.Counts["new"] != 2 || h.Counts["shipped"] != 1 {
			t.Fatalf("waiting first: %v (want %v), total %d, counts %v", got, want, h.Total, h.Counts)
		}
		if h.Rows[0].Retailer != "acme" || h.Rows[0].Customer != "Zoë" || h.Rows[0].Items != 2 || h.Rows[0].Total != 1500 {
			t.Errorf("row: %+v", h.Rows[0])
		}
		for off := 0; off < 6; off++ { // every window across the boundary
			got, _ := page(store.HistoryFilter{Offset: off, Limit: 2})
			if !slices.Equal(got, want[off:min(off+2, 6)]) {
				t.Errorf("offset %d: %v, want %v", off, got, want[off:min(off+2, 6)])
			}
		}
		for _, c := range []struct {
			name string
			f    store.HistoryFilter
			want []string
		}{
			{"newest", store.HistoryFilter{Sort: store.HistoryNewest}, []string{numbers[5], numbers[4], numbers[3], numbers[2], numbers[1], numbers[0]}},
			{"oldest", store.HistoryFilter{Sort: store.HistoryOldest, Limit: 2}, []string{numbers[0], numbers[1]}},
			{"status new", store.HistoryFilter{Status: "new"}, []string{numbers[0], numbers[5]}},
			{"status shipped", store.HistoryFilter{Status: "shipped"}, []string{numbers[1]}},
			{"by number", store.HistoryFilter{Search: " " + numbers[3] + " "}, []string{numbers[3]}},
			{"by external id", store.HistoryFilter{Search: "ext-2"}, []string{numbers[2]}},
			{"by sku", store.HistoryFilter{Search: "RARE-1"}, []string{numbers[4]}},
			{"other supplier's number", store.HistoryFilter{Search: numbers[3][:len(numbers[3])-3] + "-40"}, nil},
			{"date range", store.HistoryFilter{From: base.Add(24 * time.Hour), To: base.Add(3 * 24 * time.Hour)}, []string{numbers[2], numbers[1]}},
			{"retailer", store.HistoryFilter{RetailerID: r.ID + 1000}, nil},
		} {
			if got, _ := page(c.f); !slices.Equal(got, c.want) {
				t.Errorf("%s: %v, want %v", c.name, got, c.want)
			}
		}
		// Supplier 40 sees only its own six, all still new.
		h, err := st.OrderHistory(ctx, store.HistoryFilter{SupplierID: s2.ID, Limit: 50})
		if err != nil || h.Total != 6 || h.Counts["new"] != 6 {
			t.Fatalf("supplier 40: %+v %v", h, err)
		}
		for _, row := range h.Rows {
			if slices.Contains(numbers, row.Number) {
				t.Errorf("supplier 40 sees %s", row.Number)
			}
		}
	})
}

func TestStatusToken(t *testing.T) {
	storetest.Each(t, func(t *testing.T, kind string) {
		ctx := context.Background()
		st := storetest.Open(t, kind)
		r, s1, s2 := seed(t, st)
		o := newOrder(r, s1, s2, "tok-1")
		if err := st.InTx(ctx, func(tx store.Tx) error { _, err := st.InsertOrder(ctx, tx, o, number); return err }); err != nil {
			t.Fatal(err)
		}
		if len(o.StatusToken) != 32 {
			t.Fatalf("token %q", o.StatusToken)
		}
		got, err := st.OrderByStatusToken(ctx, o.StatusToken)
		if err != nil || got.ID != o.ID || len(got.Suppliers) != 2 || got.StatusToken != o.StatusToken {
			t.Fatalf("by token: %+v %v", got, err)
		}
		again, _ := st.OrderByID(ctx, nil, r.ID, o.ID)
		if again.StatusToken != o.StatusToken {
			t.Errorf("OrderByID token %q", again.StatusToken)
		}
		for _, bad := range []string{"", "x", o.StatusToken[:31] + "0", store.NewStatusToken()} {
			if bad == o.StatusToken {
				continue
			}
			if _, err := st.OrderByStatusToken(ctx, bad); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("token %q: %v", bad, err)
			}
		}
	})
}
