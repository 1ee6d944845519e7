package app_test

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/supplyhub/supplyhub/config"
	"github.com/supplyhub/supplyhub/connectors/webhook"
	"github.com/supplyhub/supplyhub/internal/app/apptest"
	"github.com/supplyhub/supplyhub/internal/store"
	"github.com/supplyhub/supplyhub/internal/store/storetest"
	"github.com/supplyhub/supplyhub/pipeline"
)

// overdueConfig: supplier 31 must acknowledge within 24h and its
// retailer is told; mail.admin gets the operator's email.
func overdueConfig(t *testing.T, dbURL, hookURL, secret string) *config.Config {
	t.Helper()
	cfg := apptest.Config(t, dbURL)
	cfg.Mail.Admin = "ops@hub.example"
	cfg.Webhooks.AllowPrivate = []string{"127.0.0.1/32"}
	cfg.Overdue.AcknowledgeWithin = "24h"
	notify := true
	cfg.Suppliers[0].Overdue = &config.SupplierOverdue{NotifyRetailer: &notify}
	cfg.Retailers[0].Email = "orders@acme.example"
	cfg.Retailers[0].Channels = []config.Channel{{Type: "webhook", Settings: map[string]any{"url": hookURL, "secret": secret}}}
	return cfg
}

// overdueHooks are the supplier_order.overdue webhooks rcv received.
func overdueHooks(rcv *receiver) []received {
	var out []received
	for _, c := range rcv.calls() {
		if strings.Contains(string(c.body), `"type":"supplier_order.overdue"`) {
			out = append(out, c)
		}
	}
	return out
}

// TestOverdueAlertOnce: of two orders, the one left unacknowledged past
// 24h raises exactly one alert: one email to the operator, one signed
// supplier_order.overdue webhook and one email to the retailer; the one
// acknowledged in time raises none. Scanning again, or twice at once,
// raises nothing more; once acknowledged the order is no longer counted
// as overdue. The scan runs with a clock 25h ahead: no waiting.
func TestOverdueAlertOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, kind string) {
		ctx := context.Background()
		secret := webhook.NewSecret()
		rcv := newReceiver(t, func(int) (int, map[string]string) { return 204, nil })
		d := apptest.StartConfig(t, overdueConfig(t, storetest.URL(t, kind), rcv.srv.URL, secret))
		late := postOrder(t, d, "OD-1") + "-31"
		onTime := postOrder(t, d, "OD-2") + "-31"
		if code, _, b := d.Do(t, "POST", "/api/v1/supplier/orders/"+onTime+"/acknowledge", d.Keys["supplier:31"], map[string]any{}); code != 200 {
			t.Fatalf("acknowledge: %d %s", code, b)
		}
		now := time.Now().Add(25 * time.Hour)
		if res, err := d.App.Overdue.Scan(ctx, now.Add(-2*time.Hour)); err != nil || res.Alerts[pipeline.OverdueAcknowledge] != 0 {
			t.Fatalf("scan before the limit: %+v %v, want no alert", res, err)
		}
		res, err := d.App.Overdue.Scan(ctx, now)
		if err != nil {
			t.Fatal(err)
		}
		if res.Alerts[pipeline.OverdueAcknowledge] != 1 || res.Alerts[pipeline.OverdueShip] != 0 {
			t.Fatalf("scan: %+v, want one acknowledge alert", res)
		}
		apptest.Eventually(t, 15*time.Second, "operator email, retailer webhook and email", func() bool {
			return len(mails(t, d, "To: ops@hub.example", late)) == 1 && len(overdueHooks(rcv)) == 1 &&
				len(mails(t, d, "To: orders@acme.example", "is late")) == 1
		})
		op := mails(t, d, "To: ops@hub.example", late)[0]
		if !strings.Contains(op, "not acknowledged within 24h") || !strings.Contains(op, "reference OD-1") || strings.Contains(op, "OD-2") {
			t.Errorf("operator email:\n%s", op)
		}
		if m := mails(t, d, "To: orders@acme.example", "is late")[0]; !strings.Contains(m, late) {
			t.Errorf("retailer email does not name %s:\n%s", late, m)
		}
		hook := overdueHooks(rcv)[0]
		wh, _ := standardwebhooks.NewWebhook(secret)
		if err := wh.Verify(hook.body, hook.header); err != nil {
			t.Errorf("signature: %v", err)
		}
		var ev struct {
			Data struct {
				Change struct {
					Type string `json:"type"`
					To   string `json:"to_status"`
					Data struct {
						Kind  string `json:"kind"`
						Limit string `json:"limit"`
					} `json:"data"`
				} `json:"change"`
				SupplierOrder struct {
					Number string `json:"number"`
				} `json:"supplier_order"`
			} `json:"data"`
		}
		if err := json.Unmarshal(hook.body, &ev); err != nil {
			t.Fatal(err)
		}
		if c := ev.Data.Change; c.Type != "supplier_order.overdue" || c.Data.Kind != "acknowledge" || c.Data.Limit != "24h" ||
			ev.Data.SupplierOrder.Number != late {
			t.Errorf("webhook: %s", hook.body)
		}

		// Again, and twice at once: nothing new.
		var wg sync.WaitGroup
		results := make([]pipeline.OverdueResult, 3)
		errs := make([]error, 3)
		for i := range results {
			wg.Add(1)
			go func() {
				defer wg.Done()
				results[i], errs[i] = d.App.Overdue.Scan(ctx, now.Add(time.Duration(i)*time.Minute))
			}()
		}
		wg.Wait()
		for i := range results {
			if errs[i] != nil || results[i].Alerts[pipeline.OverdueAcknowledge] != 0 {
				t.Errorf("rescan %d: %+v %v, want no alert", i, results[i], errs[i])
			}
		}
		checkOverdueDeliveries(t, d, late, 2) // the webhook and the email, once
		metricLines(t, d, `supplyhub_overdue_alerts_total{kind="acknowledge"} 1`, "supplyhub_overdue_supplier_orders 1")
		// Answered late: no longer overdue, and the alert is resolved.
		if code, _, b := d.Do(t, "POST", "/api/v1/supplier/orders/"+late+"/acknowledge", d.Keys["supplier:31"], map[string]any{}); code != 200 {
			t.Fatalf("acknowledge late: %d %s", code, b)
		}
		metricLines(t, d, "supplyhub_overdue_supplier_orders 0")
		res, err = d.App.Overdue.Scan(ctx, now.Add(time.Hour))
		if err != nil || res.Resolved != 1 || res.Alerts[pipeline.OverdueAcknowledge] != 0 {
			t.Errorf("scan after acknowledging: %+v %v, want one resolved", res, err)
		}
		if n := len(mails(t, d, "To: ops@hub.example")); n != 1 {
			t.Errorf("%d operator emails, want 1", n)
		}
	})
}

// metricLines checks that the daemon's /metrics has every one of want.
func metricLines(t *testing.T, d *apptest.Daemon, want ...string) {
	t.Helper()
	code, _, body := d.Do(t, "GET", "/metrics", "", nil)
	if code != 200 {
		t.Fatalf("/metrics: %d", code)
	}
	for _, w := range want {
		if !strings.Contains(string(body), "\n"+w+"\n") {
			t.Errorf("/metrics has no line %q", w)
		}
	}
}

// checkOverdueDeliveries counts the supplier_order.overdue deliveries of
// supplier order number (of supplier 31).
func checkOverdueDeliveries(t *testing.T, d *apptest.Daemon, number string, want int) {
	t.Helper()
	ctx := context.Background()
	sup, err := d.App.Store.SupplierByCode(ctx, "31")
	if err != nil {
		t.Fatal(err)
	}
	so, err := d.App.Store.SupplierOrderByNumber(ctx, sup.ID, number)
	if err != nil {
		t.Fatal(err)
	}
	dels, err := d.App.Store.DeliveriesOf(ctx, so.ID)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, del := range dels {
		if strings.HasPrefix(del.Event, pipeline.EventSupplierOrderOverdue+":") {
			n++
		}
	}
	if n != want {
		t.Errorf("%d overdue deliveries of %s, want %d", n, number, want)
	}
}

// TestOverdueTwoReplicas: two daemons on one PostgreSQL database scan at
// the same moment; the breach is told once, whichever wins.
func TestOverdueTwoReplicas(t *testing.T) {
	storetest.SkipWithoutPostgres(t)
	ctx := context.Background()
	rcv := newReceiver(t, func(int) (int, map[string]string) { return 204, nil })
	cfg := overdueConfig(t, storetest.URL(t, store.KindPostgres), rcv.srv.URL, webhook.NewSecret())
	d1 := apptest.StartConfig(t, cfg)
	cfg2 := *cfg
	cfg2.DataDir = t.TempDir()
	d2 := apptest.StartConfig(t, &cfg2)
	late := postOrder(t, d1, "OD-R1") + "-31"
	now := time.Now().Add(25 * time.Hour)
	var wg sync.WaitGroup
	var n [2]int
	for i, d := range []*apptest.Daemon{d1, d2} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := d.App.Overdue.Scan(ctx, now)
			if err != nil {
				t.Errorf("replica %d: %v", i+1, err)
			}
			n[i] = res.Alerts[pipeline.OverdueAcknowledge]
		}()
	}
	wg.Wait()
	if n[0]+n[1] != 1 {
		t.Fatalf("alerts %v, want one in all", n)
	}
	apptest.Eventually(t, 15*time.Second, "operator email and webhook", func() bool {
		return len(mails(t, d1, "To: ops@hub.example", late))+len(mails(t, d2, "To: ops@hub.example", late)) == 1 &&
			len(overdueHooks(rcv)) == 1
	})
	// A later scan on either replica: nothing.
	for i, d := range []*apptest.Daemon{d2, d1} {
		if res, err := d.App.Overdue.Scan(ctx, now.Add(time.Hour)); err != nil || res.Alerts[pipeline.OverdueAcknowledge] != 0 {
			t.Errorf("rescan on replica %d: %+v %v", 2-i, res, err)
		}
	}
	checkOverdueDeliveries(t, d1, late, 2)
}

// TestOverdueShipOperatorOnly: supplier 40 must ship within 3 days and
// its retailer is not to be told. An acknowledged order of 40 left
// unshipped raises one ship alert, told to the operator only (no webhook,
// no retailer email); supplier 31, with no limits, raises nothing.
func TestOverdueShipOperatorOnly(t *testing.T) {
	storetest.Each(t, func(t *testing.T, kind string) {
		ctx := context.Background()
		rcv := newReceiver(t, func(int) (int, map[string]string) { return 204, nil })
		cfg := overdueConfig(t, storetest.URL(t, kind), rcv.srv.URL, webhook.NewSecret())
		cfg.Overdue.AcknowledgeWithin = "off"
		cfg.Suppliers[0].Overdue = nil
		cfg.Suppliers[1].Overdue = &config.SupplierOverdue{ShipWithin: "3d"}
		d := apptest.StartConfig(t, cfg)
		body := `{"external_id":"OS-1","placed_at":"2026-11-22T10:00:00Z","currency":"EUR",
"customer":{"name":"Zoë Martin"},
"shipping_address":{"name":"Zoë Martin","line1":"1 rue de Rivoli","city":"Paris","postal_code":"75001","country":"FR"},
"lines":[{"sku":"HAM-1","supplier":"31","name":"Hammer","quantity":1,"unit_price":1250},
{"sku":"PNT-9","supplier":"40","name":"Paint","quantity":1,"unit_price":900}]}`
		code, _, resp := d.Do(t, "POST", "/api/v1/orders", d.Keys["retailer:acme"], body)
		if code != 201 {
			t.Fatalf("post order: %d %s", code, resp)
		}
		var o struct{ Number string }
		_ = json.Unmarshal(resp, &o)
		if code, _, b := d.Do(t, "POST", "/api/v1/supplier/orders/"+o.Number+"-40/acknowledge", d.Keys["supplier:40"], map[string]any{}); code != 200 {
			t.Fatalf("acknowledge: %d %s", code, b)
		}
		if res, err := d.App.Overdue.Scan(ctx, time.Now().Add(71*time.Hour)); err != nil || res.Alerts[pipeline.OverdueShip] != 0 {
			t.Fatalf("scan at 71h: %+v %v, want nothing", res, err)
		}
		res, err := d.App.Overdue.Scan(ctx, time.Now().Add(73*time.Hour))
		if err != nil || res.Alerts[pipeline.OverdueShip] != 1 || res.Alerts[pipeline.OverdueAcknowledge] != 0 {
			t.Fatalf("scan at 73h: %+v %v, want one ship alert", res, err)
		}
		apptest.Eventually(t, 15*time.Second, "operator email", func() bool {
			return len(mails(t, d, "To: ops@hub.example", "not shipped within 3d", o.Number+"-40")) == 1
		})
		rows, err := d.App.Store.OpenOverdue(ctx, pipeline.OverdueStatuses(), 10)
		if err != nil || len(rows) != 1 || rows[0].Number != o.Number+"-40" || rows[0].Kind != pipeline.OverdueShip {
			t.Fatalf("open alerts %+v %v", rows, err)
		}
		sup, _ := d.App.Store.SupplierByCode(ctx, "40")
		so, _ := d.App.Store.SupplierOrderByNumber(ctx, sup.ID, o.Number+"-40")
		dels, _ := d.App.Store.DeliveriesOf(ctx, so.ID)
		for _, del := range dels {
			if strings.HasPrefix(del.Event, pipeline.EventSupplierOrderOverdue) {
				t.Errorf("retailer delivery %s on %s although notify_retailer is off", del.Event, del.Channel)
			}
		}
		if n := len(overdueHooks(rcv)); n != 0 {
			t.Errorf("%d overdue webhooks, want none", n)
		}
	})
}
