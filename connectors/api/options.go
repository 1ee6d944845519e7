package api

import (
	"golang.org/x/time/rate"

	"github.com/supplyhub/supplyhub/internal/jobs"
	"github.com/supplyhub/supplyhub/pipeline"
)

// Defaults for Options.
const (
	// DefaultMaxBody caps request bodies at 1 MiB.
	DefaultMaxBody = 1 << 20
	// DefaultRateLimit is the sustained requests per second per API key.
	DefaultRateLimit rate.Limit = 10
	// DefaultRateBurst is how many requests a key may make at once.
	DefaultRateBurst = 40
	// DefaultRateKeys bounds the keys whose buckets are kept in memory.
	DefaultRateKeys = 10000
)

// Options tunes a Server built with NewWithOptions; a zero field means its
// default.
type Options struct {
	// MaxBody caps request bodies; larger ones get 413.
	MaxBody int64
	// RateLimit is the token refill rate per API key, in requests per
	// second; rate.Inf turns rate limiting off. Buckets are per replica:
	// with N replicas behind a load balancer a key gets up to N× this.
	RateLimit rate.Limit
	// RateBurst is the bucket size: requests a key may make at once.
	RateBurst int
	// RateKeys bounds memory: idle buckets are dropped first, then the
	// least recently used.
	RateKeys int
	// Queue lets the admin API replay deliveries (nil: replay answers 503).
	Queue jobs.Queue
	// PublicURL is the base of the end customer's status page links
	// (status_url); empty: the request's own scheme and host.
	PublicURL string
	// Catalog applies suppliers' catalog updates (nil: they answer 503).
	Catalog *pipeline.Catalog
	// CancelPolicy is how long a supplier has to answer a cancellation
	// request (nil: pipeline.DefaultCancelAnswerWithin).
	CancelPolicy pipeline.CancelPolicy
}

func (o Options) withDefaults() Options {
	if o.MaxBody <= 0 {
		o.MaxBody = DefaultMaxBody
	}
	if o.RateLimit <= 0 {
		o.RateLimit = DefaultRateLimit
	}
	if o.RateBurst <= 0 {
		o.RateBurst = DefaultRateBurst
	}
	if o.RateKeys <= 0 {
		o.RateKeys = DefaultRateKeys
	}
	return o
}
