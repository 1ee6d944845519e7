package portal_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/supplyhub/supplyhub/config"
	"github.com/supplyhub/supplyhub/internal/app/apptest"
	"github.com/supplyhub/supplyhub/internal/store"
	"github.com/supplyhub/supplyhub/internal/store/storetest"
)

// soStatus is a supplier order's status as the retailer API reports it.
func soStatus(t *testing.T, d *apptest.Daemon, retailer, number, so string) string {
	t.Helper()
	code, _, body := d.Do(t, "GET", "/api/v1/orders/"+number, d.Keys["retailer:"+retailer], nil)
	if code != 200 {
		t.Fatalf("get order %s: %d %s", number, code, body)
	}
	var o struct {
		Suppliers []struct{ Number, Status string } `json:"supplier_orders"`
	}
	_ = json.Unmarshal(body, &o)
	for _, s := range o.Suppliers {
		if s.Number == so {
			return s.Status
		}
	}
	t.Fatalf("order %s has no supplier order %s: %s", number, so, body)
	return ""
}

// TestRetailerCancel: a retailer cancels one supplier order with a note
// (the other goes on), is told next to the field when the note is
// missing, and cannot cancel another retailer's order (404, nothing
// changes). The supplier is told on its channel, as for the API.
func TestRetailerCancel(t *testing.T) {
	d := apptest.Start(t, store.KindSQLite)
	n, _ := postOrder(t, d, "acme", "R-1", "HAM-1:31", "PAINT-1:40")
	other, _ := postOrder(t, d, "other", "O-1", "PAINT-2:40")
	addUser(t, d, "acme@example.com", store.PortalRetailer, "acme")
	b := newBrowser(t, d)
	b.mustLogin("acme@example.com")

	code, _, body := b.get("/portal/orders/" + n)
	if code != 200 || !strings.Contains(body, "Cancel "+n+"-31 only") || !strings.Contains(body, "Cancel the whole order") {
		t.Fatalf("order page: %d\n%s", code, body)
	}
	code, _, body = b.post("/portal/orders/"+n+"/cancel-order", url.Values{"supplier_order": {n + "-31"}, "note": {"  "}})
	if code != http.StatusUnprocessableEntity || !strings.Contains(body, `id="note-`+n+`-31-err">A note is required`) {
		t.Fatalf("cancel without note: %d\n%s", code, body)
	}
	code, h, _ := b.post("/portal/orders/"+n+"/cancel-order", url.Values{"supplier_order": {n + "-31"}, "note": {"Customer changed their mind"}})
	if code != http.StatusSeeOther {
		t.Fatalf("cancel: %d", code)
	}
	_, _, body = b.get(h.Get("Location"))
	if !strings.Contains(body, "Cancelled "+n+"-31; the supplier is told.") || !strings.Contains(body, "Customer changed their mind") {
		t.Fatalf("after cancel:\n%s", body)
	}
	if got := soStatus(t, d, "acme", n, n+"-31"); got != "cancelled" {
		t.Fatalf("%s-31 is %s, want cancelled", n, got)
	}
	if got := soStatus(t, d, "acme", n, n+"-40"); got == "cancelled" {
		t.Fatalf("%s-40 was cancelled too", n)
	}
	apptest.Eventually(t, 10*time.Second, "the cancellation in supplier 31's outbox", func() bool {
		return outboxHas(d, "31", n+"-31.order.cancelled.json")
	})

	// Another retailer's order: 404 on GET and POST, and it stays as it is.
	for _, c := range []struct{ method, path string }{
		{"GET", "/portal/orders/" + other},
		{"POST", "/portal/orders/" + other + "/cancel-order"},
		{"POST", "/portal/orders/" + n + "9/cancel-order"},
	} {
		var code int
		if c.method == "GET" {
			code, _, _ = b.get(c.path)
		} else {
			code, _, _ = b.post(c.path, url.Values{"note": {"mine now"}})
		}
		if code != 404 {
			t.Errorf("%s %s = %d, want 404", c.method, c.path, code)
		}
	}
	if got := soStatus(t, d, "other", other, other+"-40"); got == "cancelled" {
		t.Fatal("another retailer's order was cancelled")
	}

	// The whole order: what can still be cancelled is.
	code, h, _ = b.post("/portal/orders/"+n+"/cancel-order", url.Values{"note": {"Duplicate order"}})
	if code != http.StatusSeeOther {
		t.Fatalf("cancel all: %d", code)
	}
	if got := soStatus(t, d, "acme", n, n+"-40"); got != "cancelled" {
		t.Fatalf("%s-40 is %s after cancelling the whole order", n, got)
	}
}

// TestRetailerWebhooks: the retailer's webhook log shows each attempt
// with its code, latency and answer; "send again" replays a notification
// with the same id; another retailer's notification is 404. The monthly
// summary page and its CSV, and the notification settings, render.
func TestRetailerWebhooks(t *testing.T) {
	storetest.Each(t, func(t *testing.T, kind string) {
		ids := make(chan string, 100)
		hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			ids <- r.Header.Get("Webhook-Id")
			w.WriteHeader(http.StatusAccepted)
			_, _ = w.Write([]byte(`{"received":true}`))
		}))
		t.Cleanup(hook.Close)
		cfg := apptest.Config(t, storetest.URL(t, kind))
		cfg.Webhooks.AllowPrivate = []string{"127.0.0.1/32"}
		cfg.Retailers[0].Email = "orders@acme.example"
		cfg.Retailers[0].Channels = []config.Channel{{Name: "hooks", Type: "webhook", Settings: map[string]any{"url": hook.URL + "/in?token=secret123", "secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}}}
		d := apptest.StartConfig(t, cfg)
		n, _ := postOrder(t, d, "acme", "W-1", "HAM-1:31")
		if code, _, body := d.Do(t, "POST", "/api/v1/supplier/orders/"+n+"-31/acknowledge", d.Keys["supplier:31"], map[string]any{}); code != 200 {
			t.Fatalf("acknowledge: %d %s", code, body)
		}
		select {
		case <-ids:
		case <-time.After(10 * time.Second):
			t.Fatal("no webhook")
		}
		addUser(t, d, "acme@example.com", store.PortalRetailer, "acme")
		addUser(t, d, "other@example.com", store.PortalRetailer, "other")
		b := newBrowser(t, d)
		b.mustLogin("acme@example.com")
		var body string
		apptest.Eventually(t, 10*time.Second, "the attempt on the webhook page", func() bool {
			_, _, body = b.get("/portal/webhooks")
			return strings.Contains(body, `<b class="code-ok">202</b>`)
		})
		if !regexp.MustCompile(`\d+ ms`).MatchString(body) || !strings.Contains(body, `{&#34;received&#34;:true}`) ||
			!strings.Contains(body, "supplier_order.status_changed") || strings.Contains(body, "secret123") {
			t.Fatalf("webhook page:\n%s", body)
		}
		m := regexp.MustCompile(`action="/portal/webhooks/(\d+)/replay"`).FindStringSubmatch(body)
		if m == nil {
			t.Fatalf("no replay button:\n%s", body)
		}
		code, h, _ := b.post("/portal/webhooks/"+m[1]+"/replay", url.Values{})
		if code != http.StatusSeeOther {
			t.Fatalf("replay: %d", code)
		}
		if _, _, body = b.get(h.Get("Location")); !strings.Contains(body, "will be sent again, with the same id") {
			t.Fatalf("after replay:\n%s", body)
		}
		deadline := time.After(10 * time.Second)
		for again := false; !again; {
			select {
			case id := <-ids:
				// The replay keeps the delivery's id (webhook.MessageID).
				again = id == "msg_"+m[1]
			case <-deadline:
				t.Fatal("the replayed webhook did not arrive with its first id")
			}
		}

		o := newBrowser(t, d)
		o.mustLogin("other@example.com")
		o.get("/portal/webhooks") // for its form token
		if code, _, _ := o.post("/portal/webhooks/"+m[1]+"/replay", url.Values{}); code != 404 {
			t.Errorf("other retailer replays acme's notification: %d, want 404", code)
		}
		if _, _, body := o.get("/portal/webhooks"); strings.Contains(body, n+"-31") {
			t.Error("other retailer sees acme's notifications")
		}

		month := time.Now().UTC().Format("2006-01")
		if code, _, body := b.get("/portal/summaries"); code != 200 || !strings.Contains(body, "Download CSV") {
			t.Fatalf("summaries: %d\n%s", code, body)
		}
		code, h, csv := b.get("/portal/summaries.csv?month=" + month)
		if code != 200 || !strings.Contains(csv, n+"-31") || !strings.Contains(h.Get("Content-Disposition"), "attachment") {
			t.Fatalf("summary CSV: %d %v\n%s", code, h, csv)
		}
		if _, _, csv := o.get("/portal/summaries.csv?month=" + month); strings.Contains(csv, n+"-31") {
			t.Error("other retailer's summary holds acme's order")
		}
		if code, _, body := b.get("/portal/notifications"); code != 200 || !strings.Contains(body, "Always on") || strings.Contains(body, "secret123") {
			t.Fatalf("notifications: %d\n%s", code, body)
		}
	})
}

// outboxHas reports whether supplier's file-channel folder holds file.
func outboxHas(d *apptest.Daemon, supplier, file string) bool {
	_, err := os.Stat(filepath.Join(d.Outbox(supplier), file))
	return err == nil
}

// The retailer's order page shows each line's answer: a line the supplier
// rejected with a reason, next to one it backordered with a date.
func TestRetailerSeesLineAnswers(t *testing.T) {
	d := apptest.Start(t, store.KindSQLite)
	n, _ := postOrder(t, d, "acme", "R-L1", "HAM-1:31", "SAW-2:31")
	body := map[string]any{"lines": []map[string]any{
		{"position": 1, "action": "backorder", "expected_date": "2026-12-24"},
		{"position": 2, "action": "reject", "reason_code": "discontinued", "reason": "No longer made"}}}
	if code, _, resp := d.Do(t, "POST", "/api/v1/supplier/orders/"+n+"-31/lines", d.Keys["supplier:31"], body); code != 200 {
		t.Fatalf("line answers: %d %s", code, resp)
	}
	addUser(t, d, "acme-lines@example.com", store.PortalRetailer, "acme")
	b := newBrowser(t, d)
	b.mustLogin("acme-lines@example.com")
	code, _, page := b.get("/portal/orders/" + n)
	if code != 200 {
		t.Fatalf("order page: %d", code)
	}
	for _, want := range []string{"expected 2026-12-24", "discontinued No longer made", `class="badge l-rejected"`, `class="badge l-backordered"`} {
		if !strings.Contains(page, want) {
			t.Errorf("order page lacks %q", want)
		}
	}
}
