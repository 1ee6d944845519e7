package jobs

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/riverqueue/river/riverdriver"
)

func connectedListener(t *testing.T, h *hub, topics ...string) *hubListener {
	t.Helper()
	ctx := context.Background()
	l := h.listener("main")
	if err := l.Connect(ctx); err != nil {
		t.Fatal(err)
	}
	for _, tp := range topics {
		if err := l.Listen(ctx, tp); err != nil {
			t.Fatal(err)
		}
	}
	return l
}

// next returns l's next notification, failing after a second.
func next(t *testing.T, l *hubListener) riverdriver.Notification {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	n, err := l.WaitForNotification(ctx)
	if err != nil {
		t.Fatalf("no notification: %v", err)
	}
	return *n
}

// none checks l has nothing pending.
func none(t *testing.T, l *hubListener) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if n, err := l.WaitForNotification(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %+v, %v; want nothing until the deadline", n, err)
	}
}

func TestHubDelivers(t *testing.T) {
	h := newHub()
	a := connectedListener(t, h, "river_insert", "river_leadership")
	b := connectedListener(t, h, "river_insert")
	if a.Schema() != "main" {
		t.Errorf("schema %q", a.Schema())
	}

	h.publish("river_insert", []string{`{"queue": "default"}`, `{"queue": "other"}`})
	h.publish("river_leadership", []string{`{"action": "resigned"}`})
	h.publish("river_control", []string{`{"action": "pause"}`}) // nobody listens

	want := []riverdriver.Notification{
		{Topic: "river_insert", Payload: `{"queue": "default"}`},
		{Topic: "river_insert", Payload: `{"queue": "other"}`},
		{Topic: "river_leadership", Payload: `{"action": "resigned"}`},
	}
	for _, w := range want {
		if got := next(t, a); got != w {
			t.Errorf("a: got %+v, want %+v", got, w)
		}
	}
	none(t, a)
	for _, w := range want[:2] {
		if got := next(t, b); got != w {
			t.Errorf("b: got %+v, want %+v", got, w)
		}
	}
	none(t, b)
}

// TestHubCoalesces: a wake-up already waiting is not queued again, so a
// burst of inserts leaves one notification, not one per transaction (River's
// notifier drops what overflows its buffer, with a warning each).
func TestHubCoalesces(t *testing.T) {
	h := newHub()
	l := connectedListener(t, h, "river_insert")
	for range 5000 {
		h.publish(insertTopic, []string{insertPayload})
	}
	if got := next(t, l); got.Payload != insertPayload {
		t.Fatalf("got %+v", got)
	}
	none(t, l)
	// Once taken, the next one is queued again.
	h.publish("river_insert", []string{insertPayload})
	next(t, l)
}

func TestHubPendingBounded(t *testing.T) {
	h := newHub()
	l := connectedListener(t, h, "t")
	for i := range maxPending + 10 {
		h.publish("t", []string{string(rune('a'+i%26)) + time.Duration(i).String()})
	}
	l.mu.Lock()
	n := len(l.pending)
	l.mu.Unlock()
	if n != maxPending {
		t.Fatalf("%d pending, want %d", n, maxPending)
	}
}

func TestHubUnlistenAndClose(t *testing.T) {
	ctx := context.Background()
	h := newHub()
	l := connectedListener(t, h, "a", "b")
	h.publish("a", []string{"1"})
	h.publish("b", []string{"2"})
	if err := l.Unlisten(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	// What was pending on a is gone with the subscription.
	if got := next(t, l); got.Topic != "b" {
		t.Fatalf("got %+v, want b's", got)
	}
	h.publish("a", []string{"3"})
	none(t, l)

	// A wait in progress ends with its context.
	wctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { _, err := l.WaitForNotification(wctx); done <- err }()
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("wait ended with %v, want context.Canceled", err)
	}

	if err := l.Ping(ctx); err != nil {
		t.Fatalf("ping: %v", err)
	}
	if err := l.Close(ctx); err != nil {
		t.Fatal(err)
	}
	h.publish("b", []string{"4"}) // a closed listener is off the hub
	if len(h.listeners) != 0 {
		t.Fatalf("%d listeners left on the hub", len(h.listeners))
	}
	for name, err := range map[string]error{
		"listen": l.Listen(ctx, "b"), "unlisten": l.Unlisten(ctx, "b"), "ping": l.Ping(ctx),
	} {
		if !errors.Is(err, errNotConnected) {
			t.Errorf("%s after close: %v, want %v", name, err, errNotConnected)
		}
	}
	if _, err := l.WaitForNotification(ctx); !errors.Is(err, errNotConnected) {
		t.Errorf("wait after close: %v", err)
	}
	// Reconnecting (River's notifier does after an error) starts afresh.
	if err := l.Connect(ctx); err != nil {
		t.Fatal(err)
	}
	if err := l.Listen(ctx, "b"); err != nil {
		t.Fatal(err)
	}
	h.publish("b", []string{"5"})
	if got := next(t, l); got.Payload != "5" {
		t.Fatalf("after reconnect got %+v", got)
	}
}
