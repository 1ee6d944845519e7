package config

import (
	"strings"
	"testing"
	"time"
)

func TestParseWithin(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want time.Duration
		err  string
	}{
		{"off", 0, ""},
		{"0", 0, ""},
		{"", 0, ""},
		{"48h", 48 * time.Hour, ""},
		{"90m", 90 * time.Minute, ""},
		{"3d", 72 * time.Hour, ""},
		{" 1d ", 24 * time.Hour, ""},
		{"1.5d", 0, "whole number"},
		{"0d", 0, "whole number"},
		{"30s", 0, "at least 1m"},
		{"soon", 0, "not a duration"},
		{"-2h", 0, "at least 1m"},
	} {
		got, err := ParseWithin(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("ParseWithin(%q) = %v, %v; want error with %q", tc.in, got, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("ParseWithin(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
}

func TestOverdueConfig(t *testing.T) {
	path := write(t, `overdue:
  acknowledge_within: 24h
  ship_within: 3d
suppliers:
  - code: "31"
    name: Tools
    overdue:
      acknowledge_within: 4h
      notify_retailer: true
  - code: "40"
    name: Paint
    overdue:
      ship_within: off
`)
	cfg, err := Load(path, []string{"SUPPLYHUB_OVERDUE_CHECK_EVERY=5m"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Overdue.CheckEvery != 5*time.Minute {
		t.Errorf("check_every %v", cfg.Overdue.CheckEvery)
	}
	for code, want := range map[string]OverdueLimits{
		"31":    {AcknowledgeWithin: 4 * time.Hour, ShipWithin: 72 * time.Hour, NotifyRetailer: true},
		"40":    {AcknowledgeWithin: 24 * time.Hour},
		"other": {AcknowledgeWithin: 24 * time.Hour, ShipWithin: 72 * time.Hour},
	} {
		if got := cfg.OverdueFor(code); got != want {
			t.Errorf("OverdueFor(%s) = %+v, want %+v", code, got, want)
		}
	}
	if d := Default().OverdueFor("x"); d != (OverdueLimits{}) {
		t.Errorf("default limits %+v, want all off", d)
	}
}

func TestOverdueConfigErrorsNameTheKey(t *testing.T) {
	path := write(t, `overdue:
  acknowledge_within: tomorrow
  check_every: 10s
suppliers:
  - code: "31"
    name: Tools
    overdue:
      ship_within: 2.5d
`)
	_, err := Load(path, nil, nil)
	if err == nil {
		t.Fatal("no error")
	}
	for _, key := range []string{"overdue.acknowledge_within:", "overdue.check_every:", "suppliers[0].overdue.ship_within:"} {
		if !strings.Contains(err.Error(), key) {
			t.Errorf("error does not name %s:\n%v", key, err)
		}
	}
}
