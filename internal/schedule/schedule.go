// Package schedule parses the cron expressions of the configuration
// (summary.schedule, a channel's schedule and status_poll) in one place.
package schedule

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

// Parse parses a standard five-field cron expression (or a descriptor such
// as @daily or @every 1h, optionally after CRON_TZ=Zone). Unlike
// cron.ParseStandard it refuses an expression that never fires, such as
// "0 0 31 2 *": cron's Next gives the zero time for it, which a caller
// would take for "long overdue" and run at once.
func Parse(spec string) (cron.Schedule, error) {
	sched, err := parseStandard(spec)
	if err != nil {
		return nil, fmt.Errorf("parse schedule %q: %w", spec, err)
	}
	if sched.Next(time.Now()).IsZero() {
		return nil, fmt.Errorf("parse schedule %q: it never fires (no such date within five years)", spec)
	}
	return sched, nil
}

// parseStandard is cron.ParseStandard without its panics: robfig/cron
// v3.0.1 indexes past the end of "TZ=" or "CRON_TZ=" with nothing after
// the zone (found by FuzzNextRun), which would take the daemon down while
// it validates its configuration.
func parseStandard(spec string) (sched cron.Schedule, err error) {
	if (strings.HasPrefix(spec, "TZ=") || strings.HasPrefix(spec, "CRON_TZ=")) && !strings.Contains(spec, " ") {
		return nil, errors.New("a time zone prefix must be followed by a space and the expression")
	}
	defer func() {
		if r := recover(); r != nil {
			sched, err = nil, fmt.Errorf("cron parser failed: %v", r)
		}
	}()
	return cron.ParseStandard(spec)
}
