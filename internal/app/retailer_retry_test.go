package app_test

import (
	"testing"
	"time"

	"github.com/supplyhub/supplyhub/config"
	"github.com/supplyhub/supplyhub/connectors/webhook"
	"github.com/supplyhub/supplyhub/internal/app/apptest"
	"github.com/supplyhub/supplyhub/internal/store/storetest"
)

// TestRetailerWebhookFollowsItsRetrySchedule: a retailer's webhook retries
// on the retry schedule of the retailer's channel. It used to fall back to
// the default schedule (its second retry 5 minutes later), because the
// schedule was looked up among the supplier's channels only.
func TestRetailerWebhookFollowsItsRetrySchedule(t *testing.T) {
	rcv := newReceiver(t, func(n int) (int, map[string]string) {
		if n <= 3 {
			return 500, nil
		}
		return 204, nil
	})
	cfg := apptest.Config(t, storetest.URL(t, "sqlite"))
	cfg.Webhooks.AllowPrivate = []string{"127.0.0.1/32"}
	cfg.Retailers[0].Channels = []config.Channel{{Type: "webhook", Settings: map[string]any{
		"url": rcv.srv.URL, "secret": webhook.NewSecret(), "retry": []any{"50ms", "50ms", "50ms", "50ms"}}}}
	d := apptest.StartConfig(t, cfg)
	number := postOrder(t, d, "RR-1")
	start := time.Now()
	code, _, b := d.Do(t, "POST", "/api/v1/supplier/orders/"+number+"-31/status", d.Keys["supplier:31"], map[string]any{"status": "acknowledged"})
	if code != 200 {
		t.Fatalf("acknowledge: %d %s", code, b)
	}
	// Three failures and a success, 50 ms apart. The default schedule
	// would wait 5 s and then 5 min; the bound leaves room for a slow CI.
	apptest.Eventually(t, 30*time.Second, "the fourth attempt", func() bool { return len(rcv.calls()) >= 4 })
	t.Logf("4 attempts in %s", time.Since(start).Round(time.Millisecond))
}
