package portal_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/supplyhub/supplyhub/internal/app/apptest"
	"github.com/supplyhub/supplyhub/internal/store"
)

// TestScreenshots renders the supplier pages from demo-like data. With
// SUPPLYHUB_SCREENSHOTS=1 it writes docs/screenshots/supplier-order-
// history.png and supplier-order.png (commit them); otherwise it writes
// to a temporary folder, so the pages still render in a real browser.
func TestScreenshots(t *testing.T) {
	ctx := newChromium(t)
	d := apptest.Start(t, store.KindSQLite)
	type item struct {
		sku, name string
		qty       int
		price     int
	}
	orders := []struct {
		retailer, ext, customer string
		items                   []item
		action                  string
	}{
		{"acme", "WEB-10231", "Zoë Martin", []item{{"HAM-16", "Claw hammer 16 oz", 2, 1890}, {"CHS-SET", "Wood chisel set, 4 pcs", 1, 3450}}, "part"},
		{"acme", "WEB-10232", "Liam O'Brien", []item{{"SAW-550", "Panel saw 550 mm", 1, 2490}}, "ack"},
		{"other", "SHOP-884", "Hannah Schmidt", []item{{"LVL-60", "Spirit level 60 cm", 3, 1575}}, "cancel"},
		{"acme", "WEB-10233", "Mateo García", []item{{"DRL-18V", "Cordless drill 18 V", 1, 8900}, {"BIT-SET", "HSS drill bit set", 2, 1290}}, ""},
		{"other", "SHOP-885", "Aiko Tanaka", []item{{"TAPE-5M", "Tape measure 5 m", 4, 690}}, ""},
		{"acme", "WEB-10234", "Olivia Brown", []item{{"HAM-16", "Claw hammer 16 oz", 1, 1890}}, "ship"},
		{"acme", "WEB-10235", "Noah Dubois", []item{{"SCR-KIT", "Screwdriver kit, 12 pcs", 1, 2990}}, ""},
	}
	var shown string
	for _, o := range orders {
		var lines []map[string]any
		for _, it := range o.items {
			lines = append(lines, map[string]any{"sku": it.sku, "supplier": "31", "name": it.name, "quantity": it.qty, "unit_price": it.price})
		}
		body := map[string]any{"external_id": o.ext, "placed_at": "2026-11-27T09:30:00Z", "currency": "EUR", "shipping": map[string]any{"31": 495},
			"customer":         map[string]any{"name": o.customer, "email": "customer@example.com", "phone": "+33 1 42 68 53 00"},
			"shipping_address": map[string]any{"name": o.customer, "line1": "12 rue des Archives", "city": "Paris", "postal_code": "75004", "country": "FR"},
			"notes":            "Please leave the parcel with the concierge.", "lines": lines}
		code, _, resp := d.Do(t, "POST", "/api/v1/orders", d.Keys["retailer:"+o.retailer], body)
		if code != 201 {
			t.Fatalf("post order: %d %s", code, resp)
		}
		number := fmt.Sprint(extractNumber(resp)) + "-31"
		key := d.Keys["supplier:31"]
		switch o.action {
		case "ack":
			d.Do(t, "POST", "/api/v1/supplier/orders/"+number+"/acknowledge", key, map[string]any{})
		case "ship":
			d.Do(t, "POST", "/api/v1/supplier/orders/"+number+"/acknowledge", key, map[string]any{})
			d.Do(t, "POST", "/api/v1/supplier/orders/"+number+"/status", key, map[string]any{"status": "shipped",
				"tracking": map[string]any{"carrier": "DHL", "number": "JD014600006281", "url": "https://www.dhl.com/track?id=JD014600006281"}})
			if shown == "" {
				shown = number
			}
		case "part":
			// The page a supplier works on most: one package sent, one
			// line backordered with a date, the rest still to ship.
			d.Do(t, "POST", "/api/v1/supplier/orders/"+number+"/acknowledge", key, map[string]any{})
			d.Do(t, "POST", "/api/v1/supplier/orders/"+number+"/status", key, map[string]any{"status": "shipped",
				"tracking": map[string]any{"carrier": "DHL", "number": "JD014600006281", "url": "https://www.dhl.com/track?id=JD014600006281"},
				"lines":    []map[string]any{{"sku": "HAM-16", "quantity": 2}}})
			d.Do(t, "POST", "/api/v1/supplier/orders/"+number+"/lines", key, map[string]any{
				"lines": []map[string]any{{"position": 2, "action": "backorder", "expected_date": "2026-12-18"}}})
			shown = number
		case "cancel":
			d.Do(t, "POST", "/api/v1/supplier/orders/"+number+"/cancel", key, map[string]any{"note": "Out of stock until March"})
		}
	}
	addUser(t, d, "orders@toolsltd.example", store.PortalSupplier, "31")
	dir := screenshotsDir(t)
	step(t, ctx, "sign-in page", chromedp.Navigate(d.URL+"/portal/login"), chromedp.WaitVisible(chromedp.ID("email")))
	screenshot(t, ctx, filepath.Join(extraDir(t), "login.png"))
	login(t, ctx, d, "orders@toolsltd.example")
	step(t, ctx, "history", chromedp.Navigate(d.URL+"/portal/orders"), chromedp.WaitVisible(chromedp.CSS("table.orders")))
	screenshot(t, ctx, filepath.Join(dir, "supplier-order-history.png"))
	step(t, ctx, "order", chromedp.Navigate(d.URL+"/portal/orders/"+shown), chromedp.WaitVisible(chromedp.CSS("main h1")))
	screenshot(t, ctx, filepath.Join(dir, "supplier-order.png"))
	step(t, ctx, "a form with a problem", chromedp.Navigate(d.URL+"/portal/orders/"+shown), chromedp.WaitVisible(chromedp.ID("carrier")),
		chromedp.Click(chromedp.CSS(`form[action$="/ship"] button[type=submit]`)), chromedp.WaitVisible(chromedp.ID("carrier-err")))
	screenshot(t, ctx, filepath.Join(extraDir(t), "form-error.png"))
	step(t, ctx, "not found", chromedp.Navigate(d.URL+"/portal/orders/999-31"), chromedp.WaitVisible(chromedp.ID("error-page")))
	screenshot(t, ctx, filepath.Join(extraDir(t), "not-found.png"))
	// The same on a phone.
	step(t, ctx, "phone", chromedp.EmulateViewport(390, 844), chromedp.Navigate(d.URL+"/portal/orders"), chromedp.WaitVisible(chromedp.CSS("table.orders")))
	screenshot(t, ctx, filepath.Join(dir, "supplier-order-history-phone.png"))
	step(t, ctx, "order on a phone", chromedp.Navigate(d.URL+"/portal/orders/"+shown), chromedp.WaitVisible(chromedp.CSS("main h1")))
	screenshot(t, ctx, filepath.Join(extraDir(t), "supplier-order-phone.png"))
}

// screenshotsDir is where the screenshot tests write the pictures the docs
// show: docs/screenshots with SUPPLYHUB_SCREENSHOTS=1 (commit them),
// otherwise a temporary folder.
func screenshotsDir(t *testing.T) string {
	t.Helper()
	if os.Getenv("SUPPLYHUB_SCREENSHOTS") != "1" {
		return t.TempDir()
	}
	dir := filepath.Join("..", "..", "docs", "screenshots")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// extraDir is where the screenshot tests write pages that are not
// committed (sign-in, 404): SUPPLYHUB_SCREENSHOTS_EXTRA, or a temporary
// folder.
func extraDir(t *testing.T) string {
	if d := os.Getenv("SUPPLYHUB_SCREENSHOTS_EXTRA"); d != "" {
		return d
	}
	return t.TempDir()
}

func extractNumber(resp []byte) string {
	var o struct {
		Number string `json:"number"`
	}
	_ = json.Unmarshal(resp, &o)
	return o.Number
}
