package auth_test

import (
	"context"
	"errors"
	"net/http"
	"reflect"
	"testing"
	"time"

	"github.com/supplyhub/supplyhub/internal/auth"
	"github.com/supplyhub/supplyhub/internal/domain"
	"github.com/supplyhub/supplyhub/internal/store"
	"github.com/supplyhub/supplyhub/internal/store/storetest"
)

func authenticate(t *testing.T, st *store.Store, key string) (*store.Principal, error) {
	t.Helper()
	r, _ := http.NewRequest("GET", "/", nil)
	r.Header.Set("Authorization", "Bearer "+key)
	return auth.AuthenticateFor(context.Background(), st, r, "")
}

// TestMarkUsedOncePerMinute: the first use records the time, uses within
// the minute write nothing, a use after it records again; a revoked key
// no longer authenticates through either store on the database.
func TestMarkUsedOncePerMinute(t *testing.T) {
	storetest.Each(t, func(t *testing.T, kind string) {
		url := storetest.URL(t, kind)
		st := storetest.OpenURL(t, url)
		other := storetest.OpenURL(t, url) // a second replica's store
		ctx := context.Background()
		key, hash, hint := auth.NewKey(store.RoleAdmin)
		id, err := st.CreateAPIKey(ctx, store.NewAPIKey{Hash: hash, Hint: hint, Role: store.RoleAdmin})
		if err != nil {
			t.Fatal(err)
		}
		lastUsed := func() *time.Time {
			t.Helper()
			ks, err := st.ListAPIKeys(ctx, store.APIKeyFilter{ID: id})
			if err != nil || len(ks) != 1 {
				t.Fatalf("list: %v %v", ks, err)
			}
			return ks[0].LastUsedAt
		}
		t0 := time.Now().Truncate(time.Millisecond)
		for _, c := range []struct {
			at   time.Time
			want time.Time
		}{
			{t0, t0},                       // first use
			{t0.Add(30 * time.Second), t0}, // within the minute: no write
			{t0.Add(61 * time.Second), t0.Add(61 * time.Second)},
		} {
			p, err := authenticate(t, st, key)
			if err != nil {
				t.Fatal(err)
			}
			if err := auth.MarkUsed(ctx, st, p, c.at); err != nil {
				t.Fatal(err)
			}
			if got := lastUsed(); got == nil || !got.Equal(c.want) {
				t.Fatalf("use at %s: last used %v, want %s", c.at, got, c.want)
			}
		}
		// Two replicas that both saw the stale time write once between them.
		p, _ := authenticate(t, st, key)
		q, _ := authenticate(t, other, key)
		later := t0.Add(3 * time.Minute)
		_ = auth.MarkUsed(ctx, st, p, later)
		_ = auth.MarkUsed(ctx, other, q, later.Add(time.Second))
		if got := lastUsed(); !got.Equal(later) {
			t.Errorf("last used %s after two replicas' uses, want the first, %s", got, later)
		}

		if err := other.RevokeAPIKey(ctx, id); err != nil {
			t.Fatal(err)
		}
		for name, s := range map[string]*store.Store{"same store": other, "other store": st} {
			if _, err := authenticate(t, s, key); !errors.Is(err, auth.ErrBadKey) {
				t.Errorf("%s after revoking: %v, want ErrBadKey", name, err)
			}
		}
		if err := st.RevokeAPIKey(ctx, id); !errors.Is(err, store.ErrKeyRevoked) {
			t.Errorf("revoke twice: %v", err)
		}
		if err := st.RevokeAPIKey(ctx, id+100); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("revoke unknown: %v", err)
		}
	})
}

// TestAuthenticateForRetailer: on a retailer route a retailer key comes
// with its retailer and channels, read with the key; keys of other roles
// still authenticate (for the route to refuse them by role), and a revoked
// retailer key is refused at once through every replica's store.
func TestAuthenticateForRetailer(t *testing.T) {
	storetest.Each(t, func(t *testing.T, kind string) {
		url := storetest.URL(t, kind)
		st := storetest.OpenURL(t, url)
		other := storetest.OpenURL(t, url)
		ctx := context.Background()
		ret := &domain.Retailer{Code: "acme", Name: "Acme", Email: "ops@acme.test", Channels: []domain.Channel{
			{Name: "b-hook", Type: "webhook", Settings: []byte(`{"url":"https://b.test"}`)},
			{Name: "a-mail", Type: "email", Settings: []byte(`{"to":"a@acme.test"}`)},
		}}
		if err := st.UpsertRetailer(ctx, ret); err != nil {
			t.Fatal(err)
		}
		sup := &domain.Supplier{Code: "31", Name: "Tools"}
		if err := st.UpsertSupplier(ctx, sup); err != nil {
			t.Fatal(err)
		}
		rkey, rhash, rhint := auth.NewKey(store.RoleRetailer)
		rid, err := st.CreateAPIKey(ctx, store.NewAPIKey{Hash: rhash, Hint: rhint, Role: store.RoleRetailer, RetailerID: ret.ID})
		if err != nil {
			t.Fatal(err)
		}
		skey, shash, shint := auth.NewKey(store.RoleSupplier)
		if _, err := st.CreateAPIKey(ctx, store.NewAPIKey{Hash: shash, Hint: shint, Role: store.RoleSupplier, SupplierID: sup.ID}); err != nil {
			t.Fatal(err)
		}
		as := func(s *store.Store, key, role string) (*store.Principal, error) {
			t.Helper()
			r, _ := http.NewRequest("POST", "/", nil)
			r.Header.Set("Authorization", "Bearer "+key)
			return auth.AuthenticateFor(ctx, s, r, role)
		}

		p, err := as(st, rkey, store.RoleRetailer)
		if err != nil {
			t.Fatal(err)
		}
		if p.KeyID != rid || p.Role != store.RoleRetailer || p.RetailerID != ret.ID || p.Retailer == nil {
			t.Fatalf("retailer key: %+v", p)
		}
		want, err := st.RetailerByID(ctx, ret.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(p.Retailer, want) {
			t.Errorf("retailer read with the key\n%+v\nwant RetailerByID's\n%+v", p.Retailer, want)
		}
		if p, err := as(st, rkey, store.RoleSupplier); err != nil || p.Retailer != nil || p.RetailerID != ret.ID {
			t.Errorf("retailer key on a supplier route: %+v %v", p, err)
		}
		if p, err := as(st, skey, store.RoleRetailer); err != nil || p.Role != store.RoleSupplier || p.Retailer != nil {
			t.Errorf("supplier key on a retailer route: %+v %v, want its principal", p, err)
		}
		if _, err := as(st, "sh_r_unknown", store.RoleRetailer); !errors.Is(err, auth.ErrBadKey) {
			t.Errorf("unknown key: %v, want ErrBadKey", err)
		}
		if err := other.RevokeAPIKey(ctx, rid); err != nil {
			t.Fatal(err)
		}
		for name, s := range map[string]*store.Store{"same store": other, "other store": st} {
			if _, err := as(s, rkey, store.RoleRetailer); !errors.Is(err, auth.ErrBadKey) {
				t.Errorf("%s after revoking: %v, want ErrBadKey", name, err)
			}
		}
	})
}
