package pipeline

import (
	"context"
	"log/slog"
)

// lazyLogger is a logger whose attributes reach its handler only when it
// logs something. An attempt's logger names the delivery, order,
// supplier, channel, event and attempt, yet a delivered attempt logs at
// debug level only: building those attributes into a handler
// (slog.Logger.With) for every attempt was 1.5 % of the daemon's CPU in a
// burst (SQLite, 5,000 orders x 2 webhooks). It belongs to one goroutine
// (one attempt).
type lazyLogger struct {
	base *slog.Logger
	args []any
	with *slog.Logger // base.With(args...), once something is logged
}

func newLazyLogger(base *slog.Logger, args ...any) *lazyLogger {
	return &lazyLogger{base: base, args: args}
}

// log logs msg at level with the logger's attributes, if base's handler
// takes that level.
func (z *lazyLogger) log(level slog.Level, msg string, args ...any) {
	ctx := context.Background()
	if !z.base.Enabled(ctx, level) {
		return
	}
	if z.with == nil {
		z.with = z.base.With(z.args...)
	}
	z.with.Log(ctx, level, msg, args...)
}

// Debug logs at debug level.
func (z *lazyLogger) Debug(msg string, args ...any) { z.log(slog.LevelDebug, msg, args...) }

// Warn logs at warn level.
func (z *lazyLogger) Warn(msg string, args ...any) { z.log(slog.LevelWarn, msg, args...) }

// Error logs at error level.
func (z *lazyLogger) Error(msg string, args ...any) { z.log(slog.LevelError, msg, args...) }
