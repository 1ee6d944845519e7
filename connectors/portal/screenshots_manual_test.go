package portal_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/supplyhub/supplyhub/config"
	"github.com/supplyhub/supplyhub/internal/app/apptest"
	"github.com/supplyhub/supplyhub/internal/store"
	"github.com/supplyhub/supplyhub/internal/store/storetest"
)

// TestScreenshotsManualAndRetailer renders the manual order form (with
// two lines and a file) and a retailer's webhook log from demo-like data.
// With SUPPLYHUB_SCREENSHOTS=1 it writes docs/screenshots/manual-order.png
// and retailer-webhooks.png (commit them); otherwise a temporary folder.
func TestScreenshotsManualAndRetailer(t *testing.T) {
	ctx := newChromium(t)
	// The retailer's endpoint: busy once for each notification of the
	// first order (then fine), always failing for WEB-10233's.
	var mu sync.Mutex
	seen := map[string]int{}
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		id := r.Header.Get("Webhook-Id")
		mu.Lock()
		seen[id]++
		n := seen[id]
		mu.Unlock()
		switch {
		case strings.Contains(string(body), "WEB-10233"):
			w.WriteHeader(http.StatusInternalServerError)
			_, _ = io.WriteString(w, `{"error":"order WEB-10233 not found in ERP"}`)
		case strings.Contains(string(body), "WEB-10231") && n == 1:
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = io.WriteString(w, `{"error":"upstream busy, try again later"}`)
		default:
			_, _ = io.WriteString(w, `{"ok":true}`)
		}
	}))
	t.Cleanup(hook.Close)
	cfg := apptest.Config(t, storetest.URL(t, store.KindSQLite))
	cfg.Webhooks.AllowPrivate = []string{"127.0.0.1/32"}
	cfg.Retailers[0].Email = "orders@acme.example"
	cfg.Retailers[0].Channels = []config.Channel{{Name: "erp", Type: "webhook", Settings: map[string]any{
		"url": hook.URL + "/hooks/supplyhub", "secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "retry": []any{"200ms"}}}}
	d := apptest.StartConfig(t, cfg)
	addUser(t, d, "ops@supplyhub.example", store.PortalOperator, "")
	addUser(t, d, "it@acme.example", store.PortalRetailer, "acme")
	key := d.Keys["supplier:31"]
	for i, ext := range []string{"WEB-10231", "WEB-10232", "WEB-10233"} {
		n, _ := postOrder(t, d, "acme", ext, "HAM-16:31")
		so := n + "-31"
		d.Do(t, "POST", "/api/v1/supplier/orders/"+so+"/acknowledge", key, map[string]any{})
		if i == 0 {
			d.Do(t, "POST", "/api/v1/supplier/orders/"+so+"/status", key, map[string]any{"status": "shipped",
				"tracking": map[string]any{"carrier": "DHL", "number": "JD014600006281", "url": "https://www.dhl.com/track?id=JD014600006281"}})
		}
	}
	dir := screenshotsDir(t)

	// The operator's form: two lines and a purchase order attached.
	file := filepath.Join(t.TempDir(), "PO-2026-118 Lycée Victor Hugo.pdf")
	if err := os.WriteFile(file, append([]byte("%PDF-1.4\n"), make([]byte, 184_000)...), 0o644); err != nil {
		t.Fatal(err)
	}
	login(t, ctx, d, "ops@supplyhub.example")
	step(t, ctx, "new manual order", chromedp.Navigate(d.URL+"/portal/manual/new"))
	fillManualOrder(t, ctx, "PO-2026-118", file)
	step(t, ctx, "add a line", append(addChiselLine(),
		chromedp.Click(chromedp.CSS(`button[value="save"]`)),
		chromedp.WaitVisible(chromedp.CSS("p.flash")),
		chromedp.Click(chromedp.ID("notify")),
		chromedp.SendKeys(chromedp.ID("notice_subject"), "Order PO-2026-118 entered for you"),
		chromedp.SendKeys(chromedp.ID("notice_message"), "We entered the Lycée Victor Hugo order from the purchase order you emailed us."),
		chromedp.ScrollIntoView(chromedp.CSS("h1")))...)
	screenshot(t, ctx, filepath.Join(dir, "manual-order.png"))
	// Supplier 31 publishes no catalog here: "fill from the catalog" says
	// so next to the SKU of the one line left to fill.
	step(t, ctx, "fill from an empty catalog", chromedp.Click(chromedp.CSS(`button[value="add_line"]`)),
		chromedp.WaitVisible(chromedp.ID("line-2-sku")),
		chromedp.SendKeys(chromedp.ID("line-2-sku"), "SAW-550"), chromedp.SendKeys(chromedp.ID("line-2-supplier"), "31"),
		chromedp.Click(chromedp.CSS(`button[value="fill_catalog"]`)),
		chromedp.WaitVisible(chromedp.ID("line-2-sku-err")), chromedp.ScrollIntoView(chromedp.ID("lines")))
	screenshot(t, ctx, filepath.Join(extraDir(t), "manual-order-catalog-errors.png"))
	step(t, ctx, "the form on a phone", chromedp.EmulateViewport(390, 844), chromedp.Navigate(d.URL+"/portal/manual/1"),
		chromedp.WaitVisible(chromedp.ID("lines")))
	screenshot(t, ctx, filepath.Join(extraDir(t), "manual-order-phone.png"))
	// The page does not scroll sideways: the lines table scrolls inside
	// its card (its screen-reader labels, absolutely placed, included).
	overflow, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth - window.innerWidth`))
	if err != nil || overflow > 0 {
		t.Errorf("the manual order form is %d px wider than a phone (%v)", overflow, err)
	}
	step(t, ctx, "manual orders", chromedp.EmulateViewport(1280, 900), chromedp.Navigate(d.URL+"/portal/manual"), chromedp.WaitVisible(chromedp.CSS("main h1")))
	screenshot(t, ctx, filepath.Join(extraDir(t), "manual-list.png"))

	// The retailer's webhook log, once every notification was tried.
	step(t, ctx, "sign out", chromedp.Click(chromedp.CSS(`form[action="/portal/logout"] button`)), chromedp.WaitVisible(chromedp.ID("email")))
	login(t, ctx, d, "it@acme.example")
	b := newBrowser(t, d)
	b.mustLogin("it@acme.example")
	apptest.Eventually(t, 20*time.Second, "every notification tried, one dead", func() bool {
		_, _, body := b.get("/portal/webhooks")
		return strings.Contains(body, "badge d-dead") && !strings.Contains(body, "badge d-pending") && !strings.Contains(body, "badge d-failed") &&
			strings.Count(body, `code-ok">200`) >= 3
	})
	step(t, ctx, "webhooks", chromedp.Navigate(d.URL+"/portal/webhooks"), chromedp.WaitVisible(chromedp.CSS("table.hooks")))
	screenshot(t, ctx, filepath.Join(dir, "retailer-webhooks.png"))
	step(t, ctx, "order", chromedp.Navigate(d.URL+"/portal/orders"), chromedp.WaitVisible(chromedp.CSS("main h1")))
	screenshot(t, ctx, filepath.Join(extraDir(t), "retailer-orders.png"))
	step(t, ctx, "an order", chromedp.Navigate(d.URL+"/portal/orders/1"), chromedp.WaitVisible(chromedp.CSS("main h1")))
	screenshot(t, ctx, filepath.Join(extraDir(t), "retailer-order.png"))
	step(t, ctx, "notifications", chromedp.Navigate(d.URL+"/portal/notifications"), chromedp.WaitVisible(chromedp.CSS("main h1")))
	screenshot(t, ctx, filepath.Join(extraDir(t), "retailer-notifications.png"))
	step(t, ctx, "summary", chromedp.Navigate(d.URL+"/portal/summaries"), chromedp.WaitVisible(chromedp.CSS("main h1")))
	screenshot(t, ctx, filepath.Join(extraDir(t), "retailer-summary.png"))
	step(t, ctx, "webhooks on a phone", chromedp.EmulateViewport(390, 844), chromedp.Navigate(d.URL+"/portal/webhooks"), chromedp.WaitVisible(chromedp.CSS("table.hooks")))
	screenshot(t, ctx, filepath.Join(extraDir(t), "retailer-webhooks-phone.png"))
	step(t, ctx, "order on a phone", chromedp.Navigate(d.URL+"/portal/orders/2"), chromedp.WaitVisible(chromedp.CSS("main h1")))
	screenshot(t, ctx, filepath.Join(extraDir(t), "retailer-order-phone.png"))
}
