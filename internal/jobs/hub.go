package jobs

import (
	"context"
	"errors"
	"sync"

	"github.com/riverqueue/river/riverdriver"
)

// On SQLite, River's driver has no LISTEN/NOTIFY: its notifications are
// rows in river_notification that a listener polls every 50 ms, so a job
// committed by an intake or an attempt waited for that poll or for the
// producer's own fetch poll (10–20 ms with jitter) before it ran, about
// half of POST → webhook at low rates. One serve process owns a SQLite
// database (the serve lock), so its River client is the only listener
// that matters: hub delivers its notifications in memory instead, at
// once, and writes no rows. Jobs inserted by another process (supplyhub
// deliveries replay) are still found by the producer's fetch poll.
//
// A notification is published when it is sent, not when its transaction
// commits; on SQLite that is soon enough: a transaction holds the one
// write connection until it ends, and the fetch a notification wakes is a
// write, so it runs after the commit (or after a rollback, and finds
// nothing).

// hub delivers notifications to the listeners of one process.
type hub struct {
	mu        sync.Mutex
	listeners map[*hubListener]struct{}
}

func newHub() *hub { return &hub{listeners: map[*hubListener]struct{}{}} }

// publish hands each payload on topic to every listener of the topic.
func (h *hub) publish(topic string, payloads []string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for l := range h.listeners {
		for _, p := range payloads {
			l.add(topic, p)
		}
	}
}

// listener is River's Listener over h (riverdriver.Driver's GetListener).
func (h *hub) listener(schema string) *hubListener {
	return &hubListener{hub: h, schema: schema, wake: make(chan struct{}, 1)}
}

// maxPending bounds a listener's undelivered notifications. A wake-up is
// the same wake-up however often it is sent, so repeats of a pending one
// are dropped before this is ever reached; past it, new ones are dropped
// too (the producer's poll still finds their jobs).
const maxPending = 1024

// hubListener is one River notifier's subscription to a hub.
type hubListener struct {
	hub    *hub
	schema string
	wake   chan struct{}

	mu      sync.Mutex
	topics  map[string]bool
	pending []riverdriver.Notification
}

var _ riverdriver.Listener = (*hubListener)(nil)

var errNotConnected = errors.New("listener is not connected")

// add queues one notification if l listens on its topic and the same one
// is not already waiting.
func (l *hubListener) add(topic, payload string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.topics[topic] || len(l.pending) >= maxPending {
		return
	}
	n := riverdriver.Notification{Topic: topic, Payload: payload}
	for _, p := range l.pending {
		if p == n {
			return
		}
	}
	l.pending = append(l.pending, n)
	select {
	case l.wake <- struct{}{}:
	default:
	}
}

func (l *hubListener) Connect(context.Context) error {
	l.mu.Lock()
	l.topics = map[string]bool{}
	l.pending = nil
	l.mu.Unlock()
	l.hub.mu.Lock()
	defer l.hub.mu.Unlock()
	l.hub.listeners[l] = struct{}{}
	return nil
}

func (l *hubListener) Close(context.Context) error {
	l.hub.mu.Lock()
	delete(l.hub.listeners, l)
	l.hub.mu.Unlock()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.topics, l.pending = nil, nil
	return nil
}

func (l *hubListener) Listen(_ context.Context, topic string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.topics == nil {
		return errNotConnected
	}
	l.topics[topic] = true
	return nil
}

func (l *hubListener) Unlisten(_ context.Context, topic string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.topics == nil {
		return errNotConnected
	}
	delete(l.topics, topic)
	kept := l.pending[:0]
	for _, p := range l.pending {
		if p.Topic != topic {
			kept = append(kept, p)
		}
	}
	l.pending = kept
	return nil
}

func (l *hubListener) Ping(context.Context) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.topics == nil {
		return errNotConnected
	}
	return nil
}

func (l *hubListener) Schema() string { return l.schema }

// SetAfterConnectExec is for River's own tests of SQL listeners; there is
// no connection here to run anything on.
func (l *hubListener) SetAfterConnectExec(string) {}

// WaitForNotification returns the oldest pending notification, waiting
// for one until ctx ends.
func (l *hubListener) WaitForNotification(ctx context.Context) (*riverdriver.Notification, error) {
	for {
		l.mu.Lock()
		if l.topics == nil {
			l.mu.Unlock()
			return nil, errNotConnected
		}
		if len(l.pending) > 0 {
			n := l.pending[0]
			l.pending = l.pending[1:]
			l.mu.Unlock()
			return &n, nil
		}
		l.mu.Unlock()
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-l.wake:
		}
	}
}
