package webhook

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/supplyhub/supplyhub/internal/domain"
)

// Outcome classifies one attempt. The values match domain attempt outcomes
// where one exists, so they can be stored as they are.
type Outcome string

// Attempt outcomes.
const (
	// OutcomeOK: the receiver answered 2xx.
	OutcomeOK Outcome = domain.OutcomeOK
	// OutcomeThrottled: 429, or 503 with Retry-After; snooze, don't count it.
	OutcomeThrottled Outcome = domain.OutcomeThrottled
	// OutcomeGone: 410, the receiver says the endpoint is gone for good.
	OutcomeGone Outcome = "gone"
	// OutcomeFailed: anything else, including timeouts, 3xx and dial errors.
	OutcomeFailed Outcome = domain.OutcomeError
)

// MaxRetryAfter caps a receiver's Retry-After so a bogus value cannot park a
// delivery for months.
const MaxRetryAfter = 24 * time.Hour

// ErrUnexpectedStatus is wrapped by Result.Err for every non-2xx answer.
var ErrUnexpectedStatus = errors.New("unexpected webhook response status")

// Result is what one attempt produced; Err is nil exactly when Outcome is OK.
type Result struct {
	StatusCode int           // 0 when no response arrived
	Duration   time.Duration // from the start of Send to the body being drained
	Response   string        // first bytes of the response body, valid UTF-8
	RetryAfter time.Duration // receiver's Retry-After on 429/503, capped at MaxRetryAfter
	Outcome    Outcome
	Err        error
}

// classify maps a status code (and Retry-After) to an outcome.
func classify(code int, h http.Header, now time.Time) (Outcome, time.Duration) {
	switch {
	case code >= 200 && code < 300:
		return OutcomeOK, 0
	case code == http.StatusGone:
		return OutcomeGone, 0
	case code == http.StatusTooManyRequests:
		d, _ := parseRetryAfter(h.Get("Retry-After"), now)
		return OutcomeThrottled, d
	case code == http.StatusServiceUnavailable:
		// A bare 503 is an outage like any 5xx; only with Retry-After is the
		// receiver asking us to back off rather than reporting a failure.
		if d, ok := parseRetryAfter(h.Get("Retry-After"), now); ok {
			return OutcomeThrottled, d
		}
	}
	return OutcomeFailed, 0
}

// parseRetryAfter reads delay-seconds or an HTTP-date; ok is false when the
// header is absent or malformed. Past dates mean "now".
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if v[0] >= '0' && v[0] <= '9' {
		secs, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			var ne *strconv.NumError
			if errors.As(err, &ne) && errors.Is(ne.Err, strconv.ErrRange) {
				return MaxRetryAfter, true
			}
			return 0, false
		}
		if secs >= uint64(MaxRetryAfter/time.Second) {
			return MaxRetryAfter, true
		}
		return time.Duration(secs) * time.Second, true
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	return min(max(t.Sub(now), 0), MaxRetryAfter), true
}

// excerpt turns the first bytes of a body into valid UTF-8 of at most limit
// bytes: a rune cut by the read limit is dropped and invalid bytes become
// U+FFFD, so the text can go into a UTF-8 database column as is.
func excerpt(b []byte, limit int) string {
	if len(b) == 0 {
		return ""
	}
	// Drop a trailing rune that the read limit cut in half.
	for i := len(b) - 1; i >= 0 && i >= len(b)-utf8.UTFMax; i-- {
		if utf8.RuneStart(b[i]) {
			if !utf8.FullRune(b[i:]) {
				b = b[:i]
			}
			break
		}
	}
	s := strings.ToValidUTF8(string(b), "\uFFFD")
	if len(s) <= limit {
		return s
	}
	// Replacements can grow the text; cut back on a rune boundary.
	cut := limit
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut]
}
