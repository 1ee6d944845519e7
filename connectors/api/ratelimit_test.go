package api_test

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/supplyhub/supplyhub/connectors/api"
	"github.com/supplyhub/supplyhub/internal/app/apptest"
	"github.com/supplyhub/supplyhub/internal/store/storetest"
)

func TestRateLimitPerKey(t *testing.T) {
	storetest.Each(t, func(t *testing.T, kind string) {
		d := apptest.Start(t, kind)
		// The daemon's own API server, rebuilt with a tiny limit.
		srv := api.NewWithOptions(d.App.Store, d.App.Ingest, slog.New(slog.NewTextHandler(io.Discard, nil)),
			api.Options{RateLimit: 0.5, RateBurst: 3})
		mux := http.NewServeMux()
		srv.Register(mux)
		hs := httptest.NewServer(mux)
		defer hs.Close()
		get := func(path, key string) (*http.Response, []byte) {
			t.Helper()
			req, _ := http.NewRequest("GET", hs.URL+path, nil)
			if key != "" {
				req.Header.Set("Authorization", "Bearer "+key)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			return resp, body
		}
		k31 := d.Keys["supplier:31"]
		for i := range 3 {
			resp, body := get("/api/v1/supplier/orders", k31)
			h := resp.Header
			if resp.StatusCode != 200 || h.Get("X-RateLimit-Limit") != "3" || h.Get("X-RateLimit-Remaining") != strconv.Itoa(2-i) {
				t.Fatalf("request %d: %d limit %q remaining %q: %s", i, resp.StatusCode, h.Get("X-RateLimit-Limit"), h.Get("X-RateLimit-Remaining"), body)
			}
			if reset, err := strconv.Atoi(h.Get("X-RateLimit-Reset")); err != nil || reset < 1 || reset > 6 {
				t.Errorf("request %d: X-RateLimit-Reset %q", i, h.Get("X-RateLimit-Reset"))
			}
		}
		resp, body := get("/api/v1/supplier/orders", k31)
		var e errBody
		_ = json.Unmarshal(body, &e)
		retry, err := strconv.Atoi(resp.Header.Get("Retry-After"))
		if resp.StatusCode != http.StatusTooManyRequests || e.Error.Code != "rate_limited" || err != nil || retry < 1 || retry > 2 ||
			resp.Header.Get("X-RateLimit-Remaining") != "0" || resp.Header.Get("X-RateLimit-Limit") != "3" || resp.Header.Get("X-RateLimit-Reset") == "" {
			t.Errorf("over the limit: %d Retry-After %q headers %v: %s", resp.StatusCode, resp.Header.Get("Retry-After"), resp.Header, body)
		}
		// Another key has its own bucket, on every authenticated route.
		if resp, _ := get("/api/v1/supplier/orders", d.Keys["supplier:40"]); resp.StatusCode != 200 || resp.Header.Get("X-RateLimit-Remaining") != "2" {
			t.Errorf("supplier 40: %d remaining %q", resp.StatusCode, resp.Header.Get("X-RateLimit-Remaining"))
		}
		if resp, _ := get("/api/v1/orders", d.Keys["retailer:acme"]); resp.StatusCode != 200 || resp.Header.Get("X-RateLimit-Remaining") != "2" {
			t.Errorf("retailer: %d remaining %q", resp.StatusCode, resp.Header.Get("X-RateLimit-Remaining"))
		}
		// Unauthenticated and public answers are not counted against a key.
		if resp, _ := get("/api/v1/supplier/orders", ""); resp.StatusCode != 401 || resp.Header.Get("X-RateLimit-Limit") != "" {
			t.Errorf("no key: %d %v", resp.StatusCode, resp.Header)
		}
		if resp, _ := get("/api/v1/openapi.json", ""); resp.StatusCode != 200 {
			t.Errorf("openapi.json: %d", resp.StatusCode)
		}
	})
}
