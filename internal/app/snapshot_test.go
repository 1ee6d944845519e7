package app_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/supplyhub/supplyhub/config"
	"github.com/supplyhub/supplyhub/connectors/webhook"
	"github.com/supplyhub/supplyhub/internal/app/apptest"
	"github.com/supplyhub/supplyhub/internal/store/storetest"
)

// TestRetryRepeatsTheFirstBytes: a delivery fails, the supplier order
// then changes twice, and the retry sends exactly the bytes of the first
// attempt under the same webhook-id. A retailer notification used to
// render data.supplier_order from the row as it was at the attempt, so
// its retry showed "delivered" under the id of the "acknowledged" event.
func TestRetryRepeatsTheFirstBytes(t *testing.T) {
	for _, tc := range []struct {
		name     string
		retailer bool   // the webhook is the retailer's (else the supplier's)
		first    string // the first event the endpoint gets
		status   string // the supplier order's status it must carry
		changes  []string
	}{
		{"retailer status_changed", true, "supplier_order.status_changed", "acknowledged", []string{
			`{"status":"shipped","tracking":{"carrier":"DHL","number":"JD1"}}`, `{"status":"delivered"}`}},
		{"supplier order.created", false, "order.created", "new", []string{
			`{"status":"acknowledged"}`, `{"status":"shipped","tracking":{"carrier":"DHL","number":"JD2"}}`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rcv, up := gatedReceiver(t)
			cfg := apptest.Config(t, storetest.URL(t, "sqlite"))
			cfg.Webhooks.AllowPrivate = []string{"127.0.0.1/32"}
			ch := []config.Channel{{Type: "webhook", Settings: map[string]any{
				"url": rcv.srv.URL, "secret": webhook.NewSecret(), "retry": []any{"300ms", "300ms", "300ms", "300ms", "300ms", "300ms", "300ms", "300ms"}}}}
			if tc.retailer {
				cfg.Retailers[0].Channels = ch
			} else {
				cfg.Suppliers[0].Channels = ch
			}
			d := apptest.StartConfig(t, cfg)
			number := postOrder(t, d, "SNAP-1")
			so := "/api/v1/supplier/orders/" + number + "-31/status"
			if tc.retailer {
				if code, _, b := d.Do(t, "POST", so, d.Keys["supplier:31"], `{"status":"acknowledged"}`); code != 200 {
					t.Fatalf("acknowledge: %d %s", code, b)
				}
			}
			apptest.Eventually(t, 20*time.Second, "a failed first attempt", func() bool { return len(rcv.calls()) > 0 })
			firstID := rcv.calls()[0].id
			for _, c := range tc.changes {
				if code, _, b := d.Do(t, "POST", so, d.Keys["supplier:31"], c); code != 200 {
					t.Fatalf("%s: %d %s", c, code, b)
				}
			}
			up.Store(true)
			apptest.Eventually(t, 20*time.Second, "the first event delivered after the changes", func() bool {
				for _, c := range rcv.calls() {
					if c.id == firstID && c.status == 204 {
						return true
					}
				}
				return false
			})
			var first []byte
			n := 0
			for _, c := range rcv.calls() {
				if c.id != firstID {
					continue
				}
				n++
				if first == nil {
					first = c.body
					continue
				}
				if !bytes.Equal(c.body, first) {
					t.Errorf("%s attempt %d differs from the first:\n%s\n%s", firstID, n, first, c.body)
				}
			}
			if n < 2 {
				t.Fatalf("%s was sent %d times, want a retry", firstID, n)
			}
			var ev struct {
				Type string
				Data struct {
					Status        string
					SupplierOrder struct{ Status string } `json:"supplier_order"`
				}
			}
			if err := json.Unmarshal(first, &ev); err != nil {
				t.Fatal(err)
			}
			got := ev.Data.Status
			if tc.retailer {
				got = ev.Data.SupplierOrder.Status
			}
			if ev.Type != tc.first || got != tc.status {
				t.Errorf("first event %s with status %q, want %s with %q", ev.Type, got, tc.first, tc.status)
			}
			t.Logf("%s: %d attempts of %d bytes", firstID, n, len(first))
		})
	}
}

// TestDeliveryWithoutSnapshotRendersLive: a delivery created before
// snapshots were stored (snapshot NULL, as migration 0015 leaves older
// rows) still goes out, rendered from the supplier order at the attempt.
func TestDeliveryWithoutSnapshotRendersLive(t *testing.T) {
	d, rcv, up, so := gatedRetailerHook(t, "LEGACY-1", "300ms")
	if _, err := d.App.Store.SQLDB().Exec(`UPDATE deliveries SET snapshot = NULL`); err != nil {
		t.Fatal(err)
	}
	if code, _, b := d.Do(t, "POST", so, d.Keys["supplier:31"], `{"status":"shipped","tracking":{"carrier":"DHL","number":"JD3"}}`); code != 200 {
		t.Fatalf("ship: %d %s", code, b)
	}
	first := rcv.calls()[0]
	up.Store(true)
	var last received
	apptest.Eventually(t, 20*time.Second, "the first event delivered", func() bool {
		for _, c := range rcv.calls() {
			if c.id == first.id && c.status == 204 {
				last = c
				return true
			}
		}
		return false
	})
	var ev struct {
		Data struct {
			SupplierOrder struct{ Status string } `json:"supplier_order"`
		}
	}
	if err := json.Unmarshal(last.body, &ev); err != nil {
		t.Fatal(err)
	}
	if ev.Data.SupplierOrder.Status != "shipped" {
		t.Errorf("without a snapshot the retry rendered status %q, want the live %q", ev.Data.SupplierOrder.Status, "shipped")
	}
}

// TestUndecodableSnapshotDeadLetters: a retailer notification whose
// snapshot is a JSON object but no supplier order (the webhook channel
// decodes it for the order's number) is dead-lettered with the decode
// error and nothing sent, and, its endpoint having seen nothing, the
// endpoint is not marked failing.
func TestUndecodableSnapshotDeadLetters(t *testing.T) {
	d, rcv, up, so := gatedRetailerHook(t, "DAMAGED-1", "2s")
	first := rcv.calls()[0].id
	// The next notification waits behind the failed one: damage its
	// snapshot before it goes.
	if code, _, b := d.Do(t, "POST", so, d.Keys["supplier:31"], `{"status":"shipped","tracking":{"carrier":"DHL","number":"JD4"}}`); code != 200 {
		t.Fatalf("ship: %d %s", code, b)
	}
	db := d.App.Store.SQLDB()
	res, err := db.Exec(`UPDATE deliveries SET snapshot = '{"number":22}' WHERE channel LIKE 'retailer/%' AND 'msg_' || id <> ?`, first)
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		t.Fatal("no later notification to damage")
	}
	up.Store(true)
	var status, lastError string
	apptest.Eventually(t, 30*time.Second, "the damaged notification dead", func() bool {
		err := db.QueryRow(`SELECT status, last_error FROM deliveries WHERE channel LIKE 'retailer/%' AND 'msg_' || id <> ? ORDER BY id LIMIT 1`, first).
			Scan(&status, &lastError)
		return err == nil && status == "dead"
	})
	if !strings.Contains(lastError, "decode snapshot") {
		t.Errorf("last error %q, want the snapshot's decode error", lastError)
	}
	for _, c := range rcv.calls() {
		if c.id != first {
			t.Errorf("%s was sent: %s", c.id, c.body)
		}
	}
	var failing int
	if err := db.QueryRow(`SELECT count(*) FROM endpoints WHERE failing_since IS NOT NULL`).Scan(&failing); err != nil {
		t.Fatal(err)
	}
	if failing != 0 {
		t.Errorf("%d endpoints failing after the first notification got through; the damaged snapshot counted against its endpoint", failing)
	}
}

// gatedReceiver is a webhook receiver that answers 503 until up is set,
// then 204.
func gatedReceiver(t *testing.T) (rcv *receiver, up *atomic.Bool) {
	t.Helper()
	up = new(atomic.Bool)
	rcv = newReceiver(t, func(int) (int, map[string]string) {
		if up.Load() {
			return 204, nil
		}
		return 503, nil
	})
	return rcv, up
}

// gatedRetailerHook starts a daemon (SQLite) whose retailer has a webhook
// answering 503 until up is set, retried five times after retry each;
// posts order ext, acknowledges supplier 31's part of it and waits for
// the notification's first, failed, attempt. It returns the daemon, the
// receiver, the switch and the path of the supplier order's status.
func gatedRetailerHook(t *testing.T, ext, retry string) (*apptest.Daemon, *receiver, *atomic.Bool, string) {
	t.Helper()
	rcv, up := gatedReceiver(t)
	cfg := apptest.Config(t, storetest.URL(t, "sqlite"))
	cfg.Webhooks.AllowPrivate = []string{"127.0.0.1/32"}
	cfg.Retailers[0].Channels = []config.Channel{{Type: "webhook", Settings: map[string]any{
		"url": rcv.srv.URL, "secret": webhook.NewSecret(), "retry": []any{retry, retry, retry, retry, retry}}}}
	d := apptest.StartConfig(t, cfg)
	number := postOrder(t, d, ext)
	so := "/api/v1/supplier/orders/" + number + "-31/status"
	if code, _, b := d.Do(t, "POST", so, d.Keys["supplier:31"], `{"status":"acknowledged"}`); code != 200 {
		t.Fatalf("acknowledge: %d %s", code, b)
	}
	apptest.Eventually(t, 20*time.Second, "a failed first attempt", func() bool { return len(rcv.calls()) > 0 })
	return d, rcv, up, so
}
