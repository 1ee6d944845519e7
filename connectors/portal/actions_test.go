package portal_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/supplyhub/supplyhub/config"
	"github.com/supplyhub/supplyhub/internal/app/apptest"
	"github.com/supplyhub/supplyhub/internal/store"
	"github.com/supplyhub/supplyhub/internal/store/storetest"
)

// TestSupplierActions: acknowledge, ship two packages (the second naming
// its lines), and the pipeline's refusals shown on the page: cancelling a
// shipped order, a bad tracking URL, missing carrier.
func TestSupplierActions(t *testing.T) {
	d := apptest.Start(t, store.KindSQLite)
	number, _ := postOrder(t, d, "acme", "ACT-1", "HAM-1:31", "SAW-2:31")
	so := number + "-31"
	addUser(t, d, "s31@example.com", store.PortalSupplier, "31")
	b := newBrowser(t, d)
	b.mustLogin("s31@example.com")
	b.get("/portal/orders/" + so)
	if code, _, _ := b.post("/portal/orders/"+so+"/acknowledge", nil); code != http.StatusSeeOther {
		t.Fatalf("acknowledge: %d", code)
	}
	_, _, body := b.get("/portal/orders/" + so)
	if !strings.Contains(body, "Order acknowledged.") || !strings.Contains(body, "badge s-acknowledged") {
		t.Fatalf("after acknowledge: %.400s", body)
	}
	code, _, body := b.post("/portal/orders/"+so+"/ship", url.Values{"carrier": {""}, "tracking_number": {"T1"}})
	if code != http.StatusUnprocessableEntity || !strings.Contains(body, `id="carrier-err"`) {
		t.Fatalf("no carrier: %d", code)
	}
	code, _, body = b.post("/portal/orders/"+so+"/ship", url.Values{"carrier": {"DHL"}, "tracking_number": {"T1"}, "tracking_url": {"javascript:alert(1)"}})
	if code != http.StatusUnprocessableEntity || !strings.Contains(body, `id="tu-err"`) || !strings.Contains(body, "tracking url must be an http(s) URL") {
		t.Fatalf("bad tracking url: %d", code)
	}
	if code, _, _ := b.post("/portal/orders/"+so+"/ship", url.Values{"carrier": {"DHL"}, "tracking_number": {"T1"}, "qty:HAM-1": {"2"}}); code != http.StatusSeeOther {
		t.Fatalf("first package: %d", code)
	}
	// The ship form offers only what is left: the hammers went in full.
	_, _, body = b.get("/portal/orders/" + so)
	if strings.Contains(body, `name="qty:HAM-1"`) || !strings.Contains(body, `name="qty:SAW-2"`) {
		t.Errorf("after the hammers shipped, the ship form should offer only the saws")
	}
	if code, _, _ := b.post("/portal/orders/"+so+"/ship", url.Values{"carrier": {"UPS"}, "tracking_number": {"T2"}, "tracking_url": {"https://ups.example/T2"}}); code != http.StatusSeeOther {
		t.Fatalf("second package: %d", code)
	}
	_, _, body = b.get("/portal/orders/" + so)
	// The second package, naming no lines, holds what was left: the saws.
	for _, want := range []string{"badge s-shipped", "2 × HAM-1", "2 × SAW-2", `href="https://ups.example/T2"`, "via portal"} {
		if !strings.Contains(body, want) {
			t.Errorf("order page lacks %q", want)
		}
	}
	// Shipped in full, nothing is left for another package: no ship form.
	if strings.Contains(body, "/portal/orders/"+so+"/ship\"") {
		t.Errorf("the ship form is still offered on an order shipped in full")
	}
	// The form is gone for a shipped order, but a stale page can still post:
	// pipeline refuses, and says why, as the API would.
	code, _, body = b.post("/portal/orders/"+so+"/cancel", url.Values{"note": {"too late"}})
	if code != http.StatusUnprocessableEntity || !strings.Contains(body, "cannot cancel a supplier order that is shipped") {
		t.Fatalf("cancel shipped: %d", code)
	}
	code, _, hist := d.Do(t, "GET", "/api/v1/supplier/orders/"+so+"/history", d.Keys["supplier:31"], nil)
	if code != 200 || strings.Count(string(hist), `"channel":"portal"`) != 3 || !strings.Contains(string(hist), "T2") {
		t.Errorf("history by API: %d %s", code, hist)
	}
}

// TestSupplierLineAnswers: the per-line form backorders one line and
// rejects another; a bad answer is shown next to its line and changes
// nothing; the form needs the session's CSRF token.
func TestSupplierLineAnswers(t *testing.T) {
	d := apptest.Start(t, store.KindSQLite)
	number, _ := postOrder(t, d, "acme", "LINES-1", "HAM-1:31", "SAW-2:31")
	so := number + "-31"
	addUser(t, d, "s31@example.com", store.PortalSupplier, "31")
	b := newBrowser(t, d)
	b.mustLogin("s31@example.com")
	_, _, body := b.get("/portal/orders/" + so)
	if !strings.Contains(body, `action="/portal/orders/`+so+`/lines"`) {
		t.Fatalf("no line form: %.400s", body)
	}
	code, _, body := b.post("/portal/orders/"+so+"/lines", url.Values{"action:1": {"backorder"}, "action:2": {"reject"}})
	if code != http.StatusUnprocessableEntity || !strings.Contains(body, "Enter the expected date") {
		t.Fatalf("backorder without a date: %d", code)
	}
	code, _, body = b.post("/portal/orders/"+so+"/lines", url.Values{"action:1": {"backorder"}, "date:1": {"2026-12-20"}, "action:2": {"reject"}})
	if code != http.StatusUnprocessableEntity || !strings.Contains(body, "a reason code or text is required to reject a line") {
		t.Fatalf("reject without a reason: %d", code)
	}
	code, _, _ = b.post("/portal/orders/"+so+"/lines", url.Values{"action:1": {"backorder"}, "date:1": {"2026-12-20"},
		"action:2": {"reject"}, "code:2": {"out_of_range"}, "reason:2": {"Discontinued"}})
	if code != http.StatusSeeOther {
		t.Fatalf("line answers: %d", code)
	}
	_, _, body = b.get("/portal/orders/" + so)
	for _, want := range []string{"2 line(s) answered", "badge s-backordered", "expected 2026-12-20", "out_of_range Discontinued", "badge l-rejected"} {
		if !strings.Contains(body, want) {
			t.Errorf("order page lacks %q", want)
		}
	}
	// Without the CSRF token the form is refused.
	if code, _, _ := b.post("/portal/orders/"+so+"/lines", url.Values{"action:1": {"accept"}, "csrf_token": {""}}); code != http.StatusForbidden {
		t.Errorf("without CSRF token: %d", code)
	}
}

// TestExportAndDownload: the CSV export follows the filter and
// neutralises formula cells; the order file is the supplier's channel
// format (here JSON from a file channel).
func TestExportAndDownload(t *testing.T) {
	cfg := apptest.Config(t, storetest.URL(t, store.KindSQLite))
	cfg.Suppliers[0].Channels = []config.Channel{{Type: "file", Settings: map[string]any{"format": "json"}}}
	d := apptest.StartConfig(t, cfg)
	n1, _ := postOrder(t, d, "acme", "=HYPERLINK(\"http://evil\")", "HAM-1:31")
	n2, _ := postOrder(t, d, "acme", "EXP-2", "SAW-2:31")
	postOrder(t, d, "other", "EXP-3", "PAINT-1:40")
	addUser(t, d, "s31@example.com", store.PortalSupplier, "31")
	b := newBrowser(t, d)
	b.mustLogin("s31@example.com")
	code, h, csv := b.get("/portal/orders.csv")
	if code != 200 || !strings.HasPrefix(h.Get("Content-Type"), "text/csv") || !strings.Contains(h.Get("Content-Disposition"), "attachment") {
		t.Fatalf("export: %d %v", code, h)
	}
	lines := strings.Split(strings.TrimSpace(csv), "\n")
	if len(lines) != 3 || !strings.Contains(csv, n1+"-31") || !strings.Contains(csv, n2+"-31") || strings.Contains(csv, "-40") {
		t.Fatalf("export rows:\n%s", csv)
	}
	if strings.Contains(csv, `,"=HYPERLINK`) || strings.Contains(csv, ",=HYPERLINK") || !strings.Contains(csv, "'=HYPERLINK") {
		t.Errorf("formula cell not neutralised:\n%s", csv)
	}
	_, _, csv = b.get("/portal/orders.csv?q=EXP-2")
	if strings.Count(strings.TrimSpace(csv), "\n") != 1 || !strings.Contains(csv, n2+"-31") {
		t.Errorf("filtered export:\n%s", csv)
	}
	code, h, file := b.get("/portal/orders/" + n2 + "-31/file")
	var doc map[string]any
	if code != 200 || !strings.Contains(h.Get("Content-Disposition"), n2+"-31.json") || json.Unmarshal([]byte(file), &doc) != nil {
		t.Fatalf("download: %d %v %.200s", code, h, file)
	}
}
