package app_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/supplyhub/supplyhub/config"
	"github.com/supplyhub/supplyhub/connectors/webhook"
	"github.com/supplyhub/supplyhub/internal/app/apptest"
	"github.com/supplyhub/supplyhub/internal/store/storetest"
)

// mails returns the maildir messages that contain every one of want.
func mails(t *testing.T, d *apptest.Daemon, want ...string) []string {
	t.Helper()
	dir := filepath.Join(d.DataDir, "mail", "new")
	entries, _ := os.ReadDir(dir)
	var out []string
	for _, e := range entries {
		b, _ := os.ReadFile(filepath.Join(dir, e.Name()))
		ok := true
		for _, w := range want {
			ok = ok && strings.Contains(string(b), w)
		}
		if ok {
			out = append(out, string(b))
		}
	}
	return out
}

// TestRetailerToldOfCancellation: a supplier cancels by API; the retailer
// gets a signed webhook with the note and an email within seconds. The
// cancellation email goes out although the retailer did not opt in to
// status emails, while a shipment sends only the webhook.
func TestRetailerToldOfCancellation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, kind string) {
		secret := webhook.NewSecret()
		rcv := newReceiver(t, func(int) (int, map[string]string) { return 204, nil })
		cfg := apptest.Config(t, storetest.URL(t, kind))
		cfg.Webhooks.AllowPrivate = []string{"127.0.0.1/32"}
		cfg.Retailers[0].Email = "orders@acme.example"
		cfg.Retailers[0].Channels = []config.Channel{{Type: "webhook", Settings: map[string]any{"url": rcv.srv.URL, "secret": secret}}}
		d := apptest.StartConfig(t, cfg)
		number := postOrder(t, d, "N-1") // one line, supplier 31

		start := time.Now()
		code, _, b := d.Do(t, "POST", "/api/v1/supplier/orders/"+number+"-31/cancel", d.Keys["supplier:31"], map[string]any{"note": "out of stock"})
		if code != 200 {
			t.Fatalf("cancel: %d %s", code, b)
		}
		select {
		case <-rcv.seen:
		case <-time.After(10 * time.Second):
			t.Fatal("no webhook to the retailer within 10s")
		}
		apptest.Eventually(t, 5*time.Second, "cancellation email", func() bool {
			return len(mails(t, d, "To: orders@acme.example", "out of stock")) == 1
		})
		t.Logf("retailer told in %s", time.Since(start).Round(time.Millisecond))
		var c received
		for _, call := range rcv.calls() {
			if strings.Contains(string(call.body), `"type":"supplier_order.cancelled"`) {
				c = call
			}
		}
		wh, _ := standardwebhooks.NewWebhook(secret)
		if err := wh.Verify(c.body, c.header); err != nil {
			t.Errorf("signature: %v", err)
		}
		var ev struct {
			Type string `json:"type"`
			Data struct {
				OrderNumber string `json:"order_number"`
				Change      struct {
					To      string `json:"to_status"`
					Note    string `json:"note"`
					Channel string `json:"channel"`
				} `json:"change"`
			} `json:"data"`
		}
		_ = json.Unmarshal(c.body, &ev)
		if ev.Type != "supplier_order.cancelled" || ev.Data.OrderNumber != number || ev.Data.Change.To != "cancelled" ||
			ev.Data.Change.Note != "out of stock" || ev.Data.Change.Channel != "api" {
			t.Errorf("webhook payload %s", c.body)
		}
		// The order's own status moved too (its only supplier order is
		// cancelled): an order.status_changed webhook says so.
		apptest.Eventually(t, 5*time.Second, "order.status_changed webhook", func() bool {
			for _, c := range rcv.calls() {
				b := string(c.body)
				if strings.Contains(b, `"type":"order.status_changed"`) && strings.Contains(b, `"to_status":"cancelled"`) {
					return true
				}
			}
			return false
		})
		if got := mails(t, d, "Subject: Cancelled: order "+number); len(got) != 1 {
			t.Errorf("cancellation email subject missing")
		}

		// A shipment: webhook yes, email no (not opted in).
		n2 := postOrder(t, d, "N-2")
		code, _, b = d.Do(t, "POST", "/api/v1/supplier/orders/"+n2+"-31/status", d.Keys["supplier:31"],
			map[string]any{"status": "shipped", "tracking": map[string]any{"carrier": "DHL", "number": "JD9"}})
		if code != 200 {
			t.Fatalf("ship: %d %s", code, b)
		}
		apptest.Eventually(t, 5*time.Second, "shipped webhook", func() bool {
			for _, c := range rcv.calls() {
				if strings.Contains(string(c.body), `"supplier_order.shipped"`) && strings.Contains(string(c.body), "JD9") {
					return true
				}
			}
			return false
		})
		apptest.Eventually(t, 5*time.Second, "every webhook delivered", func() bool {
			ds, _ := d.App.Store.ListDeliveries(t.Context(), "", 0, 100)
			for _, dl := range ds {
				if dl.Kind == "webhook" && dl.Status != "delivered" {
					return false
				}
			}
			return true
		})
		if got := mails(t, d, "To: orders@acme.example"); len(got) != 1 {
			for _, m := range got {
				t.Logf("email:\n%.400s", m)
			}
			t.Errorf("%d emails to the retailer, want only the cancellation", len(got))
		}
	})
}
