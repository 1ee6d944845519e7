package api_test

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/supplyhub/supplyhub/internal/app/apptest"
	"github.com/supplyhub/supplyhub/internal/store/storetest"
)

type keyBody struct {
	ID         int64      `json:"id"`
	Kind       string     `json:"kind"`
	Owner      string     `json:"owner"`
	Hint       string     `json:"hint"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
	RevokedAt  *time.Time `json:"revoked_at"`
}

func listKeys(t *testing.T, d *apptest.Daemon, query string) (int, []keyBody, string) {
	t.Helper()
	code, _, b := d.Do(t, "GET", "/api/v1/admin/keys"+query, d.Keys["admin"], nil)
	var out struct{ Keys []keyBody }
	if code == 200 {
		if err := json.Unmarshal(b, &out); err != nil {
			t.Fatalf("list keys: %v: %s", err, b)
		}
	}
	return code, out.Keys, string(b)
}

// TestRevokeKeyOnEveryReplica lists keys, revokes a retailer key through
// one replica and checks that the very next request with it is refused
// by both replicas sharing the database.
func TestRevokeKeyOnEveryReplica(t *testing.T) {
	storetest.Each(t, func(t *testing.T, kind string) {
		cfg := apptest.Config(t, storetest.URL(t, kind))
		a := apptest.StartConfig(t, cfg)
		b := apptest.StartConfig(t, cfg) // a second replica on the same database
		key := a.Keys["retailer:acme"]
		for _, d := range []*apptest.Daemon{a, b} {
			if code, _, body := d.Do(t, "GET", "/api/v1/orders", key, nil); code != 200 {
				t.Fatalf("before revoking: %d %s", code, body)
			}
		}

		code, keys, raw := listKeys(t, a, "?retailer=acme")
		if code != 200 {
			t.Fatalf("list: %d %s", code, raw)
		}
		var target keyBody
		for _, k := range keys {
			if k.Kind != "retailer" || k.Owner != "acme" {
				t.Errorf("?retailer=acme listed %+v", k)
			}
			if strings.HasPrefix(key, strings.TrimSuffix(k.Hint, "…")) && k.LastUsedAt != nil {
				target = k
			}
		}
		if target.ID == 0 {
			t.Fatalf("no used acme key whose hint prefixes the key in %s", raw)
		}
		if strings.Contains(raw, key[9:]) {
			t.Fatal("the listing shows the secret part of a key")
		}
		if time.Since(*target.LastUsedAt) > time.Minute || target.RevokedAt != nil {
			t.Errorf("listed key %+v", target)
		}
		// A use within the minute writes nothing: last_used_at stays put.
		if code, _, _ := a.Do(t, "GET", "/api/v1/orders", key, nil); code != 200 {
			t.Fatal(code)
		}
		_, again, _ := listKeys(t, b, "?retailer=acme")
		for _, k := range again {
			if k.ID == target.ID && !k.LastUsedAt.Equal(*target.LastUsedAt) {
				t.Errorf("last_used_at moved from %s to %s within a minute", target.LastUsedAt, k.LastUsedAt)
			}
		}

		path := "/api/v1/admin/keys/" + strconv.FormatInt(target.ID, 10) + "/revoke"
		code, _, body := b.Do(t, "POST", path, b.Keys["admin"], nil)
		var revoked keyBody
		_ = json.Unmarshal(body, &revoked)
		if code != 200 || revoked.ID != target.ID || revoked.RevokedAt == nil {
			t.Fatalf("revoke: %d %s", code, body)
		}
		for name, d := range map[string]*apptest.Daemon{"same replica": b, "other replica": a} {
			code, _, body := d.Do(t, "GET", "/api/v1/orders", key, nil)
			if code != 401 || !strings.Contains(string(body), "revoked") {
				t.Errorf("%s after revoking: %d %s", name, code, body)
			}
		}
		if code, _, _ := a.Do(t, "GET", "/api/v1/orders", a.Keys["retailer:other"], nil); code != 200 {
			t.Errorf("another retailer's key: %d after revoking acme's", code)
		}
		if code, _, body := a.Do(t, "POST", path, a.Keys["admin"], nil); code != 409 {
			t.Errorf("revoke twice: %d %s", code, body)
		}
		for _, p := range []string{"/api/v1/admin/keys/999999/revoke", "/api/v1/admin/keys/x/revoke"} {
			if code, _, body := a.Do(t, "POST", p, a.Keys["admin"], nil); code != 404 {
				t.Errorf("%s: %d %s", p, code, body)
			}
		}
		if code, _, body := a.Do(t, "POST", path, a.Keys["supplier:31"], nil); code != 403 {
			t.Errorf("revoke with a supplier key: %d %s", code, body)
		}
		code, keys, raw = listKeys(t, a, "?supplier=31")
		if code != 200 || len(keys) != 2 { // one per replica's test setup
			t.Errorf("?supplier=31: %d %s", code, raw)
		}
		if code, _, raw := listKeys(t, a, "?retailer=nope"); code != 400 || !strings.Contains(raw, "retailer") {
			t.Errorf("unknown retailer: %d %s", code, raw)
		}
	})
}
