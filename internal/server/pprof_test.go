package server

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/supplyhub/supplyhub/internal/metrics"
)

// TestPprofPlacement: the profiler is on the operations listener only
// when asked for, and never on the main listener.
func TestPprofPlacement(t *testing.T) {
	ready := func(context.Context) error { return nil }
	tests := []struct {
		name     string
		opts     Options
		opsCode  int
		mainCode int
	}{
		{"off by default", Options{}, 404, 404},
		{"on", Options{Pprof: true}, 200, 404},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := metrics.New()
			main := httptest.NewServer(New(m, ready, tc.opts))
			defer main.Close()
			ops := httptest.NewServer(NewOps(m, ready, tc.opts))
			defer ops.Close()
			if code, _ := get(t, main.URL+"/debug/pprof/"); code != tc.mainCode {
				t.Errorf("main /debug/pprof/ = %d, want %d", code, tc.mainCode)
			}
			code, body := get(t, ops.URL+"/debug/pprof/goroutine?debug=1")
			if code != tc.opsCode {
				t.Errorf("ops /debug/pprof/goroutine = %d, want %d", code, tc.opsCode)
			}
			if tc.opsCode == 200 && !strings.Contains(body, "goroutine profile:") {
				t.Errorf("ops goroutine profile body: %.200s", body)
			}
		})
	}
}
