package portal_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/supplyhub/supplyhub/config"
	"github.com/supplyhub/supplyhub/connectors/webhook"
	"github.com/supplyhub/supplyhub/internal/app/apptest"
	"github.com/supplyhub/supplyhub/internal/domain"
	"github.com/supplyhub/supplyhub/internal/store"
	"github.com/supplyhub/supplyhub/internal/store/storetest"
)

// flakyReceiver is a real webhook receiver that answers 503 until fixed,
// and records the webhook-id of every request it got.
type flakyReceiver struct {
	fixed atomic.Bool
	mu    sync.Mutex
	ids   []string // webhook-id per request
	ok    []string // webhook-id of requests answered 2xx
	srv   *httptest.Server
}

func newFlakyReceiver(t *testing.T) *flakyReceiver {
	f := &flakyReceiver{}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get(webhook.HeaderID)
		f.mu.Lock()
		defer f.mu.Unlock()
		f.ids = append(f.ids, id)
		if !f.fixed.Load() {
			http.Error(w, "maintenance: database migration running", http.StatusServiceUnavailable)
			return
		}
		f.ok = append(f.ok, id)
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *flakyReceiver) snapshot() (ids, ok []string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.ids...), append([]string(nil), f.ok...)
}

// TestBrowserOperatorReplaysDead: a supplier's webhook endpoint fails
// until its delivery is dead (a two-attempt retry schedule); the receiver
// is fixed; an operator goes from the dashboard's dead count to the
// order's delivery log and replays it; the receiver gets it with the same
// webhook-id as the failed attempts.
func TestBrowserOperatorReplaysDead(t *testing.T) {
	ctx := newChromium(t)
	recv := newFlakyReceiver(t)
	cfg := apptest.Config(t, storetest.URL(t, store.KindSQLite))
	cfg.Webhooks.AllowPrivate = []string{"127.0.0.1/32"}
	cfg.Suppliers[0].Channels = []config.Channel{{Type: "webhook", Settings: map[string]any{"url": recv.srv.URL,
		"secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "retry": []string{"50ms"}}}}
	d := apptest.StartConfig(t, cfg)
	n, _ := postOrder(t, d, "acme", "WEB-2001", "HAM-1:31")
	so := n + "-31"
	addUser(t, d, "ops@example.com", store.PortalOperator, "")
	st := d.App.Store
	var dead *domain.Delivery
	apptest.Eventually(t, 15*time.Second, "the webhook delivery to die", func() bool {
		ds, _ := st.FindDeliveries(context.Background(), store.DeliveryFilter{Status: domain.DeliveryDead})
		if len(ds) == 1 {
			dead = ds[0]
		}
		return dead != nil
	})
	failedIDs, _ := recv.snapshot()
	if len(failedIDs) != 2 || failedIDs[0] != failedIDs[1] || failedIDs[0] == "" {
		t.Fatalf("failed attempts' webhook-ids: %q", failedIDs)
	}
	recv.fixed.Store(true)

	login(t, ctx, d, "ops@example.com")
	if got := text(t, ctx, "#tile-dead b"); got != "1" {
		t.Fatalf("dashboard dead count: %q", got)
	}
	step(t, ctx, "open the dead deliveries",
		chromedp.Click(chromedp.ID("tile-dead")),
		chromedp.WaitVisible(chromedp.CSS(`table.orders a[href^="/portal/admin/orders/`+so+`"]`)))
	step(t, ctx, "open the order",
		chromedp.Click(chromedp.CSS(`table.orders a[href^="/portal/admin/orders/`+so+`"]`)),
		chromedp.WaitVisible(chromedp.CSS("#delivery-"+itoa(dead.ID)+" table.attempts")))
	if got := text(t, ctx, "#delivery-"+itoa(dead.ID)); !strings.Contains(got, "503") || !strings.Contains(got, "maintenance: database migration running") {
		t.Fatalf("delivery log: %q", got)
	}
	step(t, ctx, "replay",
		chromedp.Click(chromedp.CSS(`#delivery-`+itoa(dead.ID)+` form[action$="/replay"] button`)),
		chromedp.WaitVisible(chromedp.CSS("p.flash")))
	if got := text(t, ctx, "p.flash"); !strings.Contains(got, "Replayed delivery "+itoa(dead.ID)) {
		t.Fatalf("after replay: %q", got)
	}
	apptest.Eventually(t, 10*time.Second, "the receiver to get the replay", func() bool {
		_, ok := recv.snapshot()
		return len(ok) == 1
	})
	if _, ok := recv.snapshot(); ok[0] != failedIDs[0] {
		t.Fatalf("replayed webhook-id %q, want the original %q", ok[0], failedIDs[0])
	}
	apptest.Eventually(t, 10*time.Second, "the delivery to be delivered", func() bool {
		x, _ := st.DeliveryByID(context.Background(), dead.ID)
		return x.Status == domain.DeliveryDelivered
	})
	step(t, ctx, "reload the log", chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("#delivery-"+itoa(dead.ID)+" .d-delivered")))
	screenshot(t, ctx, extraDir(t)+"/operator-order-replayed.png")
	if got := text(t, ctx, "#delivery-"+itoa(dead.ID)+" table.attempts tbody"); strings.Count(got, "\tok\t") != 1 || strings.Count(got, "\nerror\n") != 2 {
		t.Errorf("attempts after the replay: %q", got)
	}
}
