package config

import (
	"testing"
	"time"
)

// TestCancelAnswerWithin: a supplier's own answer_within wins over the
// global one (file or environment), which wins over the 24h default.
func TestCancelAnswerWithin(t *testing.T) {
	path := write(t, `
suppliers:
  - {code: "31", name: Tools, cancel_requests: {answer_within: 8h}}
  - {code: "40", name: Paint}
`)
	for _, tt := range []struct {
		env      []string
		s31, s40 time.Duration
	}{
		{nil, 8 * time.Hour, 24 * time.Hour},
		{[]string{"SUPPLYHUB_CANCEL_REQUESTS_ANSWER_WITHIN=90m"}, 8 * time.Hour, 90 * time.Minute},
	} {
		cfg, err := Load(path, tt.env, nil)
		if err != nil {
			t.Fatal(err)
		}
		if got := cfg.CancelAnswerWithin("31"); got != tt.s31 {
			t.Errorf("env %v: supplier 31 %s, want %s", tt.env, got, tt.s31)
		}
		if got := cfg.CancelAnswerWithin("40"); got != tt.s40 {
			t.Errorf("env %v: supplier 40 %s, want %s", tt.env, got, tt.s40)
		}
	}
}
