package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/supplyhub/supplyhub/config"
	"github.com/supplyhub/supplyhub/connectors/webhook"
	"github.com/supplyhub/supplyhub/internal/app/apptest"
	"github.com/supplyhub/supplyhub/internal/store/storetest"
)

// outageRetry is a fast schedule (a retry a second for the first half
// minute) that still outlasts a five-minute outage within the 50 entries
// a channel may have, so a slow machine (a -race run under load stretched
// a burst past 3 minutes) never turns a delivery dead before the receiver
// returns.
func outageRetry() []any {
	r := []any{"100ms", "200ms", "400ms", "800ms"}
	for i := 0; i < 26; i++ {
		r = append(r, "1s")
	}
	for i := 0; i < 20; i++ {
		r = append(r, "15s")
	}
	return r
}

// TestWebhookOutageThenRecovery: both the supplier's and the retailer's
// webhook endpoint are down (503, or nothing listening on the port) for a
// whole burst of orders and status changes; once they come back every
// message arrives, each webhook-id always with the same body, and per
// supplier order in the order Supplyhub created them: order.created before
// order.cancelled at the supplier, acknowledged before shipped before
// delivered at the retailer.
func TestWebhookOutageThenRecovery(t *testing.T) {
	for _, tc := range []struct {
		name   string
		orders int
	}{{"503", 300}, {"refused", 60}} {
		t.Run(tc.name, func(t *testing.T) { webhookOutage(t, tc.name, tc.orders) })
	}
}

func webhookOutage(t *testing.T, mode string, orders int) {
	l := newLedger()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	if mode == "refused" {
		ln.Close() // nothing listens until the receiver comes back
	} else {
		srv := &http.Server{Handler: l, ReadHeaderTimeout: 5 * time.Second}
		go func() { _ = srv.Serve(ln) }()
		t.Cleanup(func() { _ = srv.Close() })
	}
	cfg := apptest.Config(t, storetest.URL(t, "sqlite"))
	cfg.Webhooks.AllowPrivate = []string{"127.0.0.1/32"}
	cfg.Suppliers[0].Channels = []config.Channel{{Type: "webhook", Settings: map[string]any{
		"url": "http://" + addr + "/supplier", "secret": webhook.NewSecret(), "retry": outageRetry()}}}
	cfg.Retailers[0].Channels = []config.Channel{{Type: "webhook", Settings: map[string]any{
		"url": "http://" + addr + "/retailer", "secret": webhook.NewSecret(), "retry": outageRetry()}}}
	d := apptest.StartConfig(t, cfg)
	ctx := context.Background()
	retailer, supplier := d.Keys["retailer:acme"], d.Keys["supplier:31"]

	start := time.Now()
	numbers := make([]string, orders)
	errs := parallel(orders, 8, func(i int) error {
		code, b, err := call(ctx, d.URL, "POST", "/api/v1/orders", retailer, faultOrderBody(fmt.Sprintf("OUT-%d", i)))
		if err != nil || code != 201 {
			return fmt.Errorf("order %d: %d %s %v", i, code, b, err)
		}
		numbers[i] = orderNumber(b)
		so := "/api/v1/supplier/orders/" + numbers[i] + "-31"
		steps := [][3]string{{so + "/status", supplier, `{"status":"acknowledged"}`}}
		if i%3 == 0 {
			// The retailer cancels before the supplier acknowledged (after,
			// it could only ask): the supplier gets order.cancelled, which
			// must not overtake its order.created.
			steps = [][3]string{{"/api/v1/orders/" + numbers[i] + "/cancel", retailer, `{"note":"changed my mind"}`}}
		} else {
			steps = append(steps, [3]string{so + "/status", supplier, `{"status":"shipped","tracking":{"carrier":"DHL","number":"T` + strconv.Itoa(i) + `"}}`},
				[3]string{so + "/status", supplier, `{"status":"delivered"}`})
		}
		for _, s := range steps {
			code, b, err := call(ctx, d.URL, "POST", s[0], s[1], s[2])
			if err != nil || code != 200 {
				return fmt.Errorf("%s: %d %s %v", s[0], code, b, err)
			}
		}
		return nil
	})
	for _, err := range errs {
		t.Error(err)
	}
	if len(errs) > 0 {
		t.FailNow()
	}
	burst := time.Since(start)

	// Stay down until every supplier order's first message has failed.
	apptest.Eventually(t, 2*time.Minute, "a failed attempt at every order.created", func() bool {
		failed := 0
		for _, dl := range allDeliveries(t, d) {
			if dl.Event == "order.created" && dl.Kind == "webhook" && dl.Status == "failed" {
				failed++
			}
		}
		return failed == orders
	})
	down := time.Since(start)
	l.setUp(true)
	if mode == "refused" {
		listenOn(t, addr, l)
	}
	back := time.Now()

	var total int
	byStatus := map[string]int{}
	lastLog := time.Now()
	defer func() {
		if t.Failed() {
			t.Logf("webhook deliveries by status: %v", byStatus)
			dumpStuck(t, d)
		}
	}()
	apptest.Eventually(t, 90*time.Second, "every webhook delivered", func() bool {
		total = 0
		clear(byStatus)
		for _, dl := range allDeliveries(t, d) {
			if dl.Kind == "webhook" {
				byStatus[dl.Status]++
				total++
			}
		}
		if testing.Verbose() && time.Since(lastLog) > 5*time.Second {
			lastLog = time.Now()
			t.Logf("%s after recovery: %v", time.Since(back).Round(time.Second), byStatus)
		}
		return byStatus["delivered"] == total
	})
	recover := time.Since(back)
	distinct, dups := l.counts()
	l.mu.Lock()
	problems, calls := l.problems, l.calls
	l.mu.Unlock()
	for _, p := range problems {
		t.Error(p)
	}
	if distinct != total {
		t.Errorf("receiver accepted %d distinct webhook-ids, the store has %d webhook deliveries", distinct, total)
	}
	// Duplicates are allowed (delivery is at least once: an attempt whose
	// record times out on a busy database is sent again) but reported;
	// the ledger has checked that each carried the same content.
	// Per order: created (+ cancelled) at the supplier; acknowledged,
	// shipped, delivered or cancelled, each with the order's own move, at
	// the retailer: several per supplier order.
	if total < 3*orders {
		t.Errorf("only %d webhook deliveries for %d orders", total, orders)
	}
	t.Logf("FAULT webhook-outage-%s sent=%d stored=%d delivered=%d duplicates=%d recover=%s (burst %s, down %s, %d receiver calls)",
		mode, orders, total, distinct, dups, recover.Round(time.Millisecond), burst.Round(time.Millisecond),
		down.Round(time.Millisecond), calls)
}

// orderNumber reads "number" from a created order.
func orderNumber(b []byte) string {
	var o struct{ Number string }
	_ = json.Unmarshal(b, &o)
	return o.Number
}

// dumpStuck logs the unfinished deliveries with their attempts and jobs.
func dumpStuck(t *testing.T, d *apptest.Daemon) {
	n := 0
	for _, dl := range allDeliveries(t, d) {
		if dl.Status == "delivered" || n > 5 {
			continue
		}
		n++
		as, _ := d.App.Store.Attempts(context.Background(), dl.ID)
		t.Logf("delivery %d %s %s %s attempts=%d last=%q", dl.ID, dl.Channel, dl.Event, dl.Status, len(as), dl.LastError)
		for _, a := range as {
			t.Logf("   attempt %d %s %d %q", a.Number, a.Outcome, a.StatusCode, a.Error)
		}
		rows, err := d.App.Store.SQLDB().Query(`SELECT id, state, attempt, max_attempts, scheduled_at, coalesce(errors, '[]') FROM river_job WHERE json_extract(args, '$.delivery_id') = ?`, dl.ID)
		if err != nil {
			t.Log(err)
			continue
		}
		for rows.Next() {
			var id, attempt, max int64
			var state, errs string
			var sched any
			_ = rows.Scan(&id, &state, &attempt, &max, &sched, &errs)
			t.Logf("   job %d %s attempt %d/%d at %v errors %.600s", id, state, attempt, max, sched, errs)
		}
		rows.Close()
	}
}
