package app_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/supplyhub/supplyhub/config"
	"github.com/supplyhub/supplyhub/connectors/webhook"
	"github.com/supplyhub/supplyhub/internal/app/apptest"
	"github.com/supplyhub/supplyhub/internal/store/storetest"
)

// TestWebhookSlowReceiverTimesOut: a receiver that answers only after
// webhooks.timeout on its first two calls gets two failed attempts with a
// timeout error, then the same message (same webhook-id and body) again,
// delivered once it answers in time.
func TestWebhookSlowReceiverTimesOut(t *testing.T) {
	const slow = 2 // calls answered too late
	var mu sync.Mutex
	var ids, bodies []string
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b := new(strings.Builder)
		_, _ = io.Copy(b, r.Body)
		mu.Lock()
		ids = append(ids, r.Header.Get("webhook-id"))
		bodies = append(bodies, b.String())
		n := len(ids)
		mu.Unlock()
		if n <= slow {
			// Past the 1 s timeout, then answer anyway as a slow
			// receiver does: it may have acted on the message.
			select {
			case <-time.After(3 * time.Second):
			case <-release:
			}
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(func() { close(release); srv.Close() })

	cfg := apptest.Config(t, storetest.URL(t, "sqlite"))
	cfg.Webhooks.AllowPrivate = []string{"127.0.0.1/32"}
	cfg.Webhooks.Timeout = time.Second
	cfg.Suppliers[0].Channels = []config.Channel{{Type: "webhook", Settings: map[string]any{
		"url": srv.URL, "secret": webhook.NewSecret(), "retry": []any{"100ms", "100ms", "100ms"}}}}
	d := apptest.StartConfig(t, cfg)
	start := time.Now()
	postOrder(t, d, "SLOW-1")
	checkAttemptsEventually(t, d, "webhook", []int{0, 0, 204}, "delivered")
	took := time.Since(start)

	ds := allDeliveries(t, d)
	as, err := d.App.Store.Attempts(context.Background(), ds[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range as[:slow] {
		if a.Outcome != "error" || !strings.Contains(a.Error, "no response within 1s") {
			t.Errorf("attempt %d: outcome %s error %q, want a timeout error", a.Number, a.Outcome, a.Error)
		}
		if a.Duration < time.Second || a.Duration > 2500*time.Millisecond {
			t.Errorf("attempt %d took %s, want about the 1s timeout", a.Number, a.Duration)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	for i := range ids {
		if ids[i] != ids[0] || bodies[i] != bodies[0] {
			t.Errorf("call %d: id %s differs from call 1 (%s) or its body does", i+1, ids[i], ids[0])
		}
	}
	t.Logf("FAULT webhook-slow sent=1 stored=%d delivered=1 duplicates=%d recover=%s (attempts %d, the first %d timed out)",
		len(ds), len(ids)-1, took.Round(time.Millisecond), len(as), slow)
}
