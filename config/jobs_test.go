package config

import (
	"strings"
	"testing"
	"time"
)

// TestFetchCooldown: 3ms by default, set from the file or its variable,
// and refused outside 1ms–1s with its key named.
func TestFetchCooldown(t *testing.T) {
	if got := Default().Jobs.FetchCooldown; got != 3*time.Millisecond {
		t.Errorf("default %s, want 3ms", got)
	}
	path := write(t, "jobs:\n  fetch_cooldown: 10ms\n")
	cfg, err := Load(path, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Jobs.FetchCooldown != 10*time.Millisecond {
		t.Errorf("from the file: %s", cfg.Jobs.FetchCooldown)
	}
	cfg, err = Load(path, []string{"SUPPLYHUB_JOBS_FETCH_COOLDOWN=1ms"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Jobs.FetchCooldown != time.Millisecond {
		t.Errorf("from the variable: %s", cfg.Jobs.FetchCooldown)
	}
	for _, bad := range []string{"0s", "500us", "2s", "-1ms"} {
		_, err := Load(write(t, "jobs:\n  fetch_cooldown: "+bad+"\n"), nil, nil)
		if err == nil || !strings.Contains(err.Error(), "jobs.fetch_cooldown") {
			t.Errorf("fetch_cooldown %s: %v, want a problem naming jobs.fetch_cooldown", bad, err)
		}
	}
}
