// Package logthrottle keeps a log readable when one failure repeats many
// times a second: River, for one, logs every failed fetch (about 18 a
// second on a full disk). The first record of a kind goes through; its
// repeats within a window are counted, and the next one let through says
// how many were held back.
package logthrottle

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// maxKinds bounds the kinds of record remembered; past it the memory is
// cleared (the worst case is a repeat let through early).
const maxKinds = 1000

// Handler passes a record on unless one of the same level and message
// passed less than the window ago.
type Handler struct {
	next  slog.Handler
	state *state
}

type state struct {
	mu     sync.Mutex
	window time.Duration
	now    func() time.Time
	seen   map[kind]*entry
}

type kind struct {
	level slog.Level
	msg   string
}

type entry struct {
	passed     time.Time // when the last one went through
	suppressed int       // held back since then
}

// New wraps next; records of one level and message are let through at most
// once per window. now is the clock (time.Now when nil).
func New(next slog.Handler, window time.Duration, now func() time.Time) *Handler {
	if now == nil {
		now = time.Now
	}
	return &Handler{next: next, state: &state{window: window, now: now, seen: map[kind]*entry{}}}
}

// Enabled reports whether next handles level.
func (h *Handler) Enabled(ctx context.Context, level slog.Level) bool {
	return h.next.Enabled(ctx, level)
}

// Handle passes r on, or counts it when its kind passed within the window.
func (h *Handler) Handle(ctx context.Context, r slog.Record) error {
	s := h.state
	k := kind{r.Level, r.Message}
	s.mu.Lock()
	now := s.now()
	e := s.seen[k]
	if e != nil && now.Sub(e.passed) < s.window {
		e.suppressed++
		s.mu.Unlock()
		return nil
	}
	held := 0
	if e == nil {
		if len(s.seen) >= maxKinds {
			clear(s.seen)
		}
		e = &entry{}
		s.seen[k] = e
	} else {
		held = e.suppressed
	}
	e.passed, e.suppressed = now, 0
	s.mu.Unlock()
	if held > 0 {
		r = r.Clone()
		r.AddAttrs(slog.Int("suppressed", held), slog.Duration("suppressed_window", s.window))
	}
	return h.next.Handle(ctx, r)
}

// WithAttrs returns a handler with attrs that shares this one's memory.
func (h *Handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &Handler{next: h.next.WithAttrs(attrs), state: h.state}
}

// WithGroup returns a handler in group name that shares this one's memory.
func (h *Handler) WithGroup(name string) slog.Handler {
	return &Handler{next: h.next.WithGroup(name), state: h.state}
}
