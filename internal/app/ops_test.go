package app_test

import (
	"io"
	"net/http"
	"testing"

	"github.com/supplyhub/supplyhub/internal/app/apptest"
	"github.com/supplyhub/supplyhub/internal/store"
	"github.com/supplyhub/supplyhub/internal/store/storetest"
)

// TestOpsListener runs a daemon with http.ops_addr set: /metrics answers
// there only, and the probes answer on both listeners.
func TestOpsListener(t *testing.T) {
	cfg := apptest.Config(t, storetest.URL(t, store.KindSQLite))
	cfg.HTTP.OpsAddr = "127.0.0.1:0"
	d := apptest.StartConfig(t, cfg)
	if d.App.OpsAddr == nil {
		t.Fatal("no operations listener")
	}
	ops := "http://" + d.App.OpsAddr.String()
	tests := []struct {
		url  string
		code int
	}{
		{d.URL + "/metrics", 404},
		{ops + "/metrics", 200},
		{d.URL + "/readyz", 200},
		{ops + "/readyz", 200},
		{ops + "/healthz", 200},
		{ops + "/api/v1/orders", 404},
		{ops + "/debug/pprof/", 404}, // http.pprof is off by default
	}
	for _, tc := range tests {
		resp, err := http.Get(tc.url)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tc.code {
			t.Errorf("GET %s = %d, want %d", tc.url, resp.StatusCode, tc.code)
		}
	}
}

// TestPprofOnOpsListener: with http.pprof the profiler answers on the
// operations listener and never on the main one.
func TestPprofOnOpsListener(t *testing.T) {
	cfg := apptest.Config(t, storetest.URL(t, store.KindSQLite))
	cfg.HTTP.OpsAddr = "127.0.0.1:0"
	cfg.HTTP.Pprof = true
	d := apptest.StartConfig(t, cfg)
	ops := "http://" + d.App.OpsAddr.String()
	for url, code := range map[string]int{
		ops + "/debug/pprof/":               200,
		ops + "/debug/pprof/heap?debug=1":   200,
		d.URL + "/debug/pprof/":             404,
		d.URL + "/debug/pprof/heap?debug=1": 404,
	} {
		resp, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != code {
			t.Errorf("GET %s = %d, want %d", url, resp.StatusCode, code)
		}
	}
}
