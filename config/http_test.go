package config

import (
	"strings"
	"testing"
)

// TestHTTPOpsValidation: bad operations settings are reported with their key.
func TestHTTPOpsValidation(t *testing.T) {
	tests := []struct {
		name    string
		set     func(c *Config)
		wantKey string
	}{
		{"ops addr not host:port", func(c *Config) { c.HTTP.OpsAddr = "9090" }, "http.ops_addr"},
		{"ops addr same as main", func(c *Config) { c.HTTP.OpsAddr = c.HTTP.Addr }, "http.ops_addr"},
		{"allow not a prefix", func(c *Config) { c.HTTP.MetricsAllow = []string{"10.0.0.0/8", "10.1.2.3"} }, "http.metrics_allow[1]"},
		{"pprof without ops addr", func(c *Config) { c.HTTP.Pprof = true }, "http.pprof"},
		{"pprof on ops addr", func(c *Config) { c.HTTP.OpsAddr = "127.0.0.1:9090"; c.HTTP.Pprof = true }, ""},
		{"valid", func(c *Config) { c.HTTP.OpsAddr = "127.0.0.1:9090"; c.HTTP.MetricsAllow = []string{"10.0.0.0/8"} }, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := Default()
			c.Database.URL = "sqlite:/tmp/x.db"
			tc.set(c)
			var keys []string
			for _, p := range c.Validate(nil) {
				keys = append(keys, p.Key)
			}
			got := strings.Join(keys, ",")
			if tc.wantKey == "" && got != "" || tc.wantKey != "" && !strings.Contains(","+got+",", ","+tc.wantKey+",") {
				t.Errorf("problems %q, want %q", got, tc.wantKey)
			}
		})
	}
}

// TestHTTPOpsEnv: the operations address comes from its variable too.
func TestHTTPOpsEnv(t *testing.T) {
	cfg, err := Load("", []string{"SUPPLYHUB_HTTP_OPS_ADDR=127.0.0.1:9090"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.HTTP.OpsAddr != "127.0.0.1:9090" {
		t.Errorf("ops addr %q", cfg.HTTP.OpsAddr)
	}
}
