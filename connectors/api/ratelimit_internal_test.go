package api

import (
	"testing"
	"time"
)

func TestKeyLimiterBucket(t *testing.T) {
	l := newKeyLimiter(Options{RateLimit: 1, RateBurst: 2, RateKeys: 10})
	t0 := time.Unix(1_800_000_000, 0)
	for i, want := range []quota{
		{allowed: true, remaining: 1, reset: time.Second},
		{allowed: true, remaining: 0, reset: 2 * time.Second},
		{allowed: false, remaining: 0, reset: 2 * time.Second, retryAfter: time.Second},
	} {
		if got := l.take(7, t0); got != want {
			t.Errorf("take %d = %+v, want %+v", i, got, want)
		}
	}
	if got := l.take(7, t0.Add(time.Second)); !got.allowed || got.remaining != 0 {
		t.Errorf("a second later: %+v", got)
	}
	if got := l.take(8, t0); !got.allowed || got.remaining != 1 {
		t.Errorf("another key: %+v", got)
	}
}

func TestKeyLimiterBoundedMemory(t *testing.T) {
	l := newKeyLimiter(Options{RateLimit: 1, RateBurst: 5, RateKeys: 3})
	t0 := time.Unix(1_800_000_000, 0)
	for k := int64(1); k <= 3; k++ {
		l.take(k, t0.Add(time.Duration(k)*time.Millisecond))
	}
	// Nothing has refilled yet, so the least recently used key goes.
	l.take(4, t0.Add(10*time.Millisecond))
	if _, ok := l.buckets[1]; ok || len(l.buckets) != 3 {
		t.Errorf("after a 4th key: %d buckets, key 1 kept: %v", len(l.buckets), ok)
	}
	// A minute on, every bucket is full again and forgetting them is free.
	l.take(5, t0.Add(2*sweepEvery))
	if len(l.buckets) != 1 {
		t.Errorf("after the sweep: %d buckets, want only the new one", len(l.buckets))
	}
	for k := int64(0); k < 10_000; k++ {
		l.take(k, t0.Add(3*sweepEvery))
	}
	if len(l.buckets) > 3 {
		t.Errorf("%d buckets, bound is 3", len(l.buckets))
	}
}

func TestKeyLimiterOff(t *testing.T) {
	if l := newKeyLimiter(Options{}.withDefaults()); l == nil || l.burst != DefaultRateBurst || l.limit != DefaultRateLimit {
		t.Errorf("defaults: %+v", l)
	}
	s := New(nil, nil, nil, 1)
	if s.limits != nil {
		t.Error("New rate-limits; only NewWithOptions should")
	}
}
