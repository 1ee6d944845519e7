package webhook

import (
	"context"
	"log/slog"

	"github.com/hashicorp/go-retryablehttp"
)

// leveledLogger feeds retryablehttp's chatter to slog at debug level. The
// library's default logger writes every request through the standard log
// package, which costs throughput; and its "request failed" errors would
// duplicate the attempt the caller records anyway, so nothing goes above
// debug.
type leveledLogger struct{ l *slog.Logger }

var _ retryablehttp.LeveledLogger = leveledLogger{}

func (a leveledLogger) Error(msg string, kv ...any) { a.log(msg, kv) }
func (a leveledLogger) Warn(msg string, kv ...any)  { a.log(msg, kv) }
func (a leveledLogger) Info(msg string, kv ...any)  { a.log(msg, kv) }
func (a leveledLogger) Debug(msg string, kv ...any) { a.log(msg, kv) }

func (a leveledLogger) log(msg string, kv []any) {
	ctx := context.Background()
	if !a.l.Enabled(ctx, slog.LevelDebug) {
		return
	}
	// The library logs URLs and *url.Error values verbatim; strip the query
	// and user info, which often carry tokens.
	clean := make([]any, len(kv))
	for i, v := range kv {
		switch v := v.(type) {
		case string:
			if i > 0 && kv[i-1] == "url" {
				clean[i] = redact(v)
				continue
			}
		case error:
			clean[i] = unwrapURLError(v)
			continue
		}
		clean[i] = v
	}
	a.l.Log(ctx, slog.LevelDebug, "retryablehttp: "+msg, clean...)
}
