package store_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/supplyhub/supplyhub/internal/domain"
	"github.com/supplyhub/supplyhub/internal/store"
	"github.com/supplyhub/supplyhub/internal/store/storetest"
)

// TestRetailerWithChannels reads retailers by id and by code (one
// statement joining the channels since issue 10): their channels by name,
// none for a retailer without, ErrNotFound for an unknown one, and the
// same through RetailerOfSupplierOrderIn in a transaction.
func TestRetailerWithChannels(t *testing.T) {
	storetest.Each(t, func(t *testing.T, kind string) {
		ctx := context.Background()
		st := storetest.Open(t, kind)
		r := &domain.Retailer{Code: "chan", Name: "Channels Co", Email: "c@chan.test", TimeZone: "Europe/Paris", Channels: []domain.Channel{
			{Name: "zeta", Type: "webhook", Settings: []byte(`{"url":"http://z"}`)},
			{Name: "alpha", Type: "email", Settings: []byte(`{"to":"a@chan.test"}`)},
		}}
		bare := &domain.Retailer{Code: "bare", Name: "Bare Co"}
		for _, x := range []*domain.Retailer{r, bare} {
			if err := st.UpsertRetailer(ctx, x); err != nil {
				t.Fatal(err)
			}
		}
		check := func(what string, got *domain.Retailer, err error, want *domain.Retailer, names ...string) {
			t.Helper()
			if err != nil {
				t.Fatalf("%s: %v", what, err)
			}
			if got.ID != want.ID || got.Code != want.Code || got.Name != want.Name || got.Email != want.Email ||
				got.TimeZone != want.TimeZone || got.CreatedAt.IsZero() {
				t.Fatalf("%s: got %+v, want %+v", what, got, want)
			}
			if len(got.Channels) != len(names) {
				t.Fatalf("%s: channels %+v, want %v", what, got.Channels, names)
			}
			for i, n := range names {
				var w domain.Channel
				for _, c := range want.Channels {
					if c.Name == n {
						w = c
					}
				}
				c := got.Channels[i]
				if c.Name != n || c.Type != w.Type || compact(c.Settings) != compact(w.Settings) {
					t.Fatalf("%s: channel %d %+v, want %+v", what, i, c, w)
				}
			}
		}
		got, err := st.RetailerByID(ctx, r.ID)
		check("by id", got, err, r, "alpha", "zeta")
		got, err = st.RetailerByCode(ctx, "chan")
		check("by code", got, err, r, "alpha", "zeta")
		got, err = st.RetailerByID(ctx, bare.ID)
		check("bare by id", got, err, bare)
		got, err = st.RetailerByCode(ctx, "bare")
		check("bare by code", got, err, bare)
		if _, err := st.RetailerByID(ctx, bare.ID+100); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("unknown id: err %v, want ErrNotFound", err)
		}
		if _, err := st.RetailerByCode(ctx, "nobody"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("unknown code: err %v, want ErrNotFound", err)
		}

		_, s1, s2 := seed(t, st)
		o := newOrder(r, s1, s2, "chan-1")
		if err := st.InTx(ctx, func(tx store.Tx) error { _, err := st.InsertOrder(ctx, tx, o, number); return err }); err != nil {
			t.Fatal(err)
		}
		if err := st.InTx(ctx, func(tx store.Tx) error {
			got, err := st.RetailerOfSupplierOrderIn(ctx, tx, o.Suppliers[0].ID)
			check("of supplier order", got, err, r, "alpha", "zeta")
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	})
}

// compact is b without insignificant space (PostgreSQL's jsonb adds some).
func compact(b []byte) string {
	var buf bytes.Buffer
	if err := json.Compact(&buf, b); err != nil {
		return "invalid: " + string(b)
	}
	return buf.String()
}
