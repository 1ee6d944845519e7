package logthrottle

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
	"time"
)

// TestRepeatsHeldBack: within the window a repeated record is held back
// and counted; the first one after it says how many; another message or
// level is not held back by it; loggers made With attributes share the
// count.
func TestRepeatsHeldBack(t *testing.T) {
	var buf bytes.Buffer
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	h := New(slog.NewTextHandler(&buf, &slog.HandlerOptions{ReplaceAttr: dropTime}), 10*time.Second, func() time.Time { return now })
	log := slog.New(h)
	river := log.With("component", "river")
	for range 18 {
		river.Error("fetch failed", "error", "disk full")
		now = now.Add(100 * time.Millisecond)
	}
	log.Error("fetch failed", "error", "disk full") // same kind, other attributes: held back too
	log.Warn("fetch failed")                        // another level
	log.Error("something else")
	now = now.Add(10 * time.Second)
	river.Error("fetch failed", "error", "disk full")

	want := []string{
		`level=ERROR msg="fetch failed" component=river error="disk full"`,
		`level=WARN msg="fetch failed"`,
		`level=ERROR msg="something else"`,
		`level=ERROR msg="fetch failed" component=river error="disk full" suppressed=18 suppressed_window=10s`,
	}
	got := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("got:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func dropTime(_ []string, a slog.Attr) slog.Attr {
	if a.Key == slog.TimeKey {
		return slog.Attr{}
	}
	return a
}
