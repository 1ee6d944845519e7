package webhook

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"
)

// Schedule lists the delay before each attempt: element 0 is the first
// attempt (normally immediate), element i the wait after attempt i failed.
// Its length is the total number of attempts.
type Schedule []time.Duration

// JitterFraction is the ± share of a delay that NextDelay randomises, so
// deliveries that failed together do not all come back together.
const JitterFraction = 0.10

// DefaultSchedule returns a fresh copy of the default schedule: immediately,
// 5s, 5m, 30m, 2h, 5h, 10h, 14h, 20h, 24h — ten attempts over about 3.3 days.
func DefaultSchedule() Schedule {
	// A function, not a package variable, so no caller can alter the
	// default for everyone else.
	return Schedule{
		0,
		5 * time.Second,
		5 * time.Minute,
		30 * time.Minute,
		2 * time.Hour,
		5 * time.Hour,
		10 * time.Hour,
		14 * time.Hour,
		20 * time.Hour,
		24 * time.Hour,
	}
}

// ParseSchedule parses configuration such as ["immediately", "5s", "30m"].
func ParseSchedule(items []string) (Schedule, error) {
	if len(items) == 0 {
		return nil, errors.New("parse schedule: no attempts")
	}
	s := make(Schedule, len(items))
	for i, item := range items {
		item = strings.TrimSpace(item)
		if strings.EqualFold(item, "immediately") {
			continue
		}
		d, err := time.ParseDuration(item)
		if err != nil {
			return nil, fmt.Errorf("parse schedule: entry %d: %w", i, err)
		}
		if d < 0 {
			return nil, fmt.Errorf("parse schedule: entry %d: negative delay %q", i, item)
		}
		s[i] = d
	}
	return s, nil
}

// NextDelay returns the jittered wait before the attempt after
// attemptJustFailed (1-based; values below 1 count as 1), or ok=false when
// that was the last attempt and the delivery is dead. jitter returns a
// number in [0, 1); nil uses math/rand/v2.
//
// A throttled attempt (OutcomeThrottled) should not come here: it is the
// receiver asking for time, not a failure, so it must not use up the retry
// budget. The caller should snooze the job for Result.RetryAfter (or, when
// that is zero, this schedule's delay for the attempt that was throttled)
// without counting an attempt, and bound snoozes by the delivery's age,
// e.g. give up once it is older than the whole schedule, so a receiver that
// always says 429 cannot keep a delivery alive forever.
func NextDelay(s Schedule, attemptJustFailed int, jitter func() float64) (time.Duration, bool) {
	attemptJustFailed = max(attemptJustFailed, 1)
	if attemptJustFailed >= len(s) {
		return 0, false
	}
	d := s[attemptJustFailed]
	if d <= 0 {
		return 0, true
	}
	if jitter == nil {
		jitter = rand.Float64
	}
	r := min(max(jitter(), 0), 1) // a misbehaving source must not widen the band
	factor := 1 - JitterFraction + 2*JitterFraction*r
	return time.Duration(float64(d) * factor), true
}
