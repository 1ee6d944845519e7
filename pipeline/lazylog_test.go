package pipeline

import (
	"context"
	"log/slog"
	"testing"
)

// countingHandler counts what a logger asks of its handler: WithAttrs
// calls (the cost lazyLogger defers) and records, with their attributes.
type countingHandler struct {
	level   slog.Level
	attrs   []slog.Attr
	withs   *int
	records *[]map[string]any
}

func (h countingHandler) Enabled(_ context.Context, l slog.Level) bool { return l >= h.level }

func (h countingHandler) Handle(_ context.Context, r slog.Record) error {
	m := map[string]any{"msg": r.Message}
	for _, a := range h.attrs {
		m[a.Key] = a.Value.Any()
	}
	r.Attrs(func(a slog.Attr) bool { m[a.Key] = a.Value.Any(); return true })
	*h.records = append(*h.records, m)
	return nil
}

func (h countingHandler) WithAttrs(as []slog.Attr) slog.Handler {
	*h.withs++
	h.attrs = append(append([]slog.Attr(nil), h.attrs...), as...)
	return h
}

func (h countingHandler) WithGroup(string) slog.Handler { return h }

func TestLazyLoggerBuildsAttributesOnlyToLog(t *testing.T) {
	tests := []struct {
		name      string
		logs      func(l *lazyLogger)
		withs     int
		records   int
		wantError bool
	}{
		{"below the handler's level: nothing built", func(l *lazyLogger) { l.Debug("delivered", "duration", 1) }, 0, 0, false},
		{"one record", func(l *lazyLogger) { l.Warn("delivery failed, will retry", "status", 500) }, 1, 1, false},
		{"attributes built once for several records", func(l *lazyLogger) {
			l.Debug("delivered")
			l.Warn("clear endpoint failure")
			l.Error("record attempt failed", "error", "boom")
		}, 1, 2, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var withs int
			var records []map[string]any
			base := slog.New(countingHandler{level: slog.LevelInfo, withs: &withs, records: &records})
			tt.logs(newLazyLogger(base, "delivery", int64(7), "channel", "hook"))
			if withs != tt.withs || len(records) != tt.records {
				t.Fatalf("WithAttrs calls %d, records %d; want %d and %d", withs, len(records), tt.withs, tt.records)
			}
			for _, r := range records {
				if r["delivery"] != int64(7) || r["channel"] != "hook" {
					t.Errorf("record %v lacks the logger's attributes", r)
				}
			}
			if tt.wantError && records[len(records)-1]["error"] != "boom" {
				t.Errorf("last record %v lacks its own attribute", records[len(records)-1])
			}
		})
	}
}
