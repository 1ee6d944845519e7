package schedule

import (
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		spec, err string // err "" means accepted
	}{
		{"0 6 1 * *", ""},
		{"*/5 * * * *", ""},
		{"@every 90s", ""},
		{"CRON_TZ=Europe/Paris 0 6 * * *", ""},
		{"0 0 29 2 *", ""}, // leap days come within five years
		{"0 0 31 2 *", "never fires"},
		{"0 0 30 2 *", "never fires"},
		{"TZ=", "time zone prefix"}, // robfig/cron v3.0.1 panics on these
		{"CRON_TZ=", "time zone prefix"},
		{"TZ=UTC", "time zone prefix"},
		{"CRON_TZ=Nowhere/Nothing 0 6 * * *", "Nowhere"},
		{"61 * * * *", "61"},
		{"", "empty"},
	} {
		_, err := Parse(tc.spec)
		switch {
		case tc.err == "" && err != nil:
			t.Errorf("Parse(%q): %v", tc.spec, err)
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("Parse(%q) = %v, want an error about %q", tc.spec, err, tc.err)
		}
	}
}
