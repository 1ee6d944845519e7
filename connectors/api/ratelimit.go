package api

import (
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/supplyhub/supplyhub/internal/store"
)

// sweepEvery is how often idle buckets are looked for. A bucket that has
// refilled completely is dropped: a new one starts full, so forgetting it
// changes nothing for its key.
const sweepEvery = time.Minute

// keyLimiter holds one token bucket per API key. The state is per replica
// and lost on restart, which is harmless: at worst a key gets a fresh
// bucket.
type keyLimiter struct {
	limit   rate.Limit
	burst   int
	maxKeys int

	mu        sync.Mutex
	buckets   map[int64]*bucket
	lastSweep time.Time
}

type bucket struct {
	lim      *rate.Limiter
	lastSeen time.Time
}

// newKeyLimiter returns nil, meaning no limit, when opts.RateLimit is Inf.
func newKeyLimiter(opts Options) *keyLimiter {
	if opts.RateLimit == rate.Inf {
		return nil
	}
	return &keyLimiter{limit: opts.RateLimit, burst: opts.RateBurst, maxKeys: opts.RateKeys, buckets: map[int64]*bucket{}}
}

// quota is what one request learnt about its key's bucket.
type quota struct {
	allowed    bool
	remaining  int
	reset      time.Duration // until the bucket is full again
	retryAfter time.Duration // until the next request is allowed, when refused
}

// take spends a token of key's bucket at now, if there is one.
func (l *keyLimiter) take(key int64, now time.Time) quota {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.buckets[key]
	if b == nil {
		if len(l.buckets) >= l.maxKeys || now.Sub(l.lastSweep) >= sweepEvery {
			l.sweep(now)
		}
		b = &bucket{lim: rate.NewLimiter(l.limit, l.burst)}
		l.buckets[key] = b
	}
	b.lastSeen = now
	q := quota{allowed: b.lim.AllowN(now, 1)}
	tokens := b.lim.TokensAt(now)
	q.remaining = max(0, int(math.Floor(tokens)))
	q.reset = l.durationFor(float64(l.burst) - tokens)
	if !q.allowed {
		q.retryAfter = l.durationFor(1 - tokens)
	}
	return q
}

// sweep drops full buckets, then the least recently used ones while there
// are still too many.
func (l *keyLimiter) sweep(now time.Time) {
	l.lastSweep = now
	for k, b := range l.buckets {
		if b.lim.TokensAt(now) >= float64(l.burst) {
			delete(l.buckets, k)
		}
	}
	for len(l.buckets) >= l.maxKeys {
		var oldest int64
		var at time.Time
		for k, b := range l.buckets {
			if at.IsZero() || b.lastSeen.Before(at) {
				oldest, at = k, b.lastSeen
			}
		}
		delete(l.buckets, oldest)
	}
}

// durationFor is how long the bucket takes to gain tokens.
func (l *keyLimiter) durationFor(tokens float64) time.Duration {
	if tokens <= 0 {
		return 0
	}
	return time.Duration(tokens / float64(l.limit) * float64(time.Second))
}

// limited applies the caller's key's rate limit before h, and tells every
// answer how much of it is left.
func (s *Server) limited(h func(w http.ResponseWriter, r *http.Request, p *store.Principal)) func(w http.ResponseWriter, r *http.Request, p *store.Principal) {
	if s.limits == nil {
		return h
	}
	return func(w http.ResponseWriter, r *http.Request, p *store.Principal) {
		q := s.limits.take(p.KeyID, time.Now())
		hdr := w.Header()
		hdr.Set("X-RateLimit-Limit", strconv.Itoa(s.limits.burst))
		hdr.Set("X-RateLimit-Remaining", strconv.Itoa(q.remaining))
		hdr.Set("X-RateLimit-Reset", strconv.Itoa(ceilSeconds(q.reset)))
		if !q.allowed {
			// At least 1: "Retry-After: 0" invites an immediate retry that
			// would be refused again.
			hdr.Set("Retry-After", strconv.Itoa(max(1, ceilSeconds(q.retryAfter))))
			writeError(w, http.StatusTooManyRequests, "rate_limited",
				"too many requests for this API key: at most "+strconv.Itoa(s.limits.burst)+" at once and "+
					strconv.FormatFloat(float64(s.limits.limit), 'f', -1, 64)+" per second; retry after Retry-After seconds", nil)
			return
		}
		h(w, r, p)
	}
}

func ceilSeconds(d time.Duration) int {
	return int(math.Ceil(d.Seconds()))
}
