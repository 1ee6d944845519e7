package server

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"

	"github.com/supplyhub/supplyhub/internal/metrics"
)

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestReadyzHidesErrorText: a failing check answers its name only; the
// error text, which can name hosts and users, goes to the log.
func TestReadyzHidesErrorText(t *testing.T) {
	secret := `failed to connect to user=supplyhub_prod host=db-7.internal: password authentication failed`
	tests := []struct {
		name  string
		err   error
		code  int
		body  string
		inLog bool
	}{
		{"ready", nil, 200, "ready\n", false},
		{"database", &CheckError{Check: "database", Err: errors.New(secret)}, 503, "not ready: database\n", true},
		{"migrations", &CheckError{Check: "migrations", Err: errors.New(secret)}, 503, "not ready: migrations\n", true},
		{"unnamed", errors.New(secret), 503, "not ready: unknown\n", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var logs bytes.Buffer
			ready := func(context.Context) error { return tc.err }
			srv := httptest.NewServer(New(metrics.New(), ready, Options{Log: slog.New(slog.NewTextHandler(&logs, nil))}))
			defer srv.Close()
			code, body := get(t, srv.URL+"/readyz")
			if code != tc.code || body != tc.body {
				t.Errorf("/readyz = %d %q, want %d %q", code, body, tc.code, tc.body)
			}
			if strings.Contains(body, "supplyhub_prod") {
				t.Errorf("/readyz leaked the error: %q", body)
			}
			if got := strings.Contains(logs.String(), "password authentication failed"); got != tc.inLog {
				t.Errorf("error text in log: %v, want %v\n%s", got, tc.inLog, logs.String())
			}
		})
	}
}

// TestMetricsPlacement checks /metrics on the main listener against the
// allow-list and the operations listener, over real sockets (clients come
// from 127.0.0.1).
func TestMetricsPlacement(t *testing.T) {
	ready := func(context.Context) error { return nil }
	pfx := func(s ...string) []netip.Prefix {
		var out []netip.Prefix
		for _, p := range s {
			out = append(out, netip.MustParsePrefix(p))
		}
		return out
	}
	tests := []struct {
		name string
		opts Options
		code int
	}{
		{"open by default", Options{}, 200},
		{"loopback allowed", Options{MetricsAllow: pfx("10.0.0.0/8", "127.0.0.0/8")}, 200},
		{"loopback not allowed", Options{MetricsAllow: pfx("10.0.0.0/8")}, 403},
		{"moved to the ops listener", Options{NoMetrics: true}, 404},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := metrics.New()
			main := httptest.NewServer(New(m, ready, tc.opts))
			defer main.Close()
			if code, _ := get(t, main.URL+"/metrics"); code != tc.code {
				t.Errorf("main /metrics = %d, want %d", code, tc.code)
			}
			for _, p := range []string{"/healthz", "/readyz"} {
				if code, _ := get(t, main.URL+p); code != 200 {
					t.Errorf("main %s = %d", p, code)
				}
			}
			ops := httptest.NewServer(NewOps(m, ready, tc.opts))
			defer ops.Close()
			code, body := get(t, ops.URL+"/metrics")
			want := 200
			if tc.code == 403 {
				want = 403 // the allow-list holds wherever /metrics is served
			}
			if code != want || (want == 200 && !strings.Contains(body, "supplyhub_")) {
				t.Errorf("ops /metrics = %d, want %d", code, want)
			}
		})
	}
}
