package portal_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/supplyhub/supplyhub/config"
	"github.com/supplyhub/supplyhub/internal/app/apptest"
	"github.com/supplyhub/supplyhub/internal/domain"
	"github.com/supplyhub/supplyhub/internal/store"
	"github.com/supplyhub/supplyhub/internal/store/storetest"
)

// TestScreenshotsOperator renders the back office from demo-like data:
// Paint Co's webhook endpoint is down (its deliveries died and it was
// disabled), two replies wait for review. With SUPPLYHUB_SCREENSHOTS=1 it
// writes docs/screenshots/operator-dashboard.png, operator-orders.png and
// operator-order.png; otherwise to a temporary folder.
func TestScreenshotsOperator(t *testing.T) {
	ctx := newChromium(t)
	recv := newFlakyReceiver(t)
	cfg := apptest.Config(t, storetest.URL(t, store.KindSQLite))
	cfg.Webhooks.AllowPrivate = []string{"127.0.0.1/32"}
	cfg.Suppliers[1].Channels = []config.Channel{{Type: "file"}, {Name: "erp", Type: "webhook", Settings: map[string]any{"url": recv.srv.URL,
		"secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "retry": []string{"20ms"}}}}
	d := apptest.StartConfig(t, cfg)
	st := d.App.Store
	bg := context.Background()
	orders := []struct {
		retailer, ext string
		lines         []string
	}{
		{"acme", "WEB-10231", []string{"HAM-16:31", "LVL-60:40"}},
		{"acme", "WEB-10232", []string{"SAW-550:31"}},
		{"other", "SHOP-884", []string{"PAINT-5L:40"}},
		{"acme", "WEB-10233", []string{"DRL-18V:31", "BRUSH-SET:40"}},
		{"other", "SHOP-885", []string{"TAPE-5M:31"}},
		{"acme", "WEB-10234", []string{"HAM-16:31"}},
	}
	var shown string
	for i, o := range orders {
		n, _ := postOrder(t, d, o.retailer, o.ext, o.lines...)
		if i == 0 {
			shown = n + "-40"
		}
		if i == 1 {
			d.Do(t, "POST", "/api/v1/supplier/orders/"+n+"-31/acknowledge", d.Keys["supplier:31"], map[string]any{})
		}
	}
	apptest.Eventually(t, 15*time.Second, "Paint Co's webhook deliveries to die", func() bool {
		ds, _ := st.FindDeliveries(bg, store.DeliveryFilter{Status: domain.DeliveryDead})
		return len(ds) == 3
	})
	sup40, _ := st.SupplierByCode(bg, "40")
	if _, err := st.DisableEndpoint(bg, sup40.ID, "erp", "the endpoint answered 410 (gone)"); err != nil {
		t.Fatal(err)
	}
	_ = st.AddReview(bg, "email", "<r1@paintco.example>", "sales@paintco.example", "Re: your order", "no supplier order number in the subject or the quoted text",
		[]byte("Subject: Re: your order\r\n\r\nHi, the brushes ship tomorrow. Regards, Paint Co"))
	_ = st.AddReview(bg, "email", "<r2@unknown.example>", "info@unknown.example", "Question about order 1042", "sender is not a known supplier address", nil)
	addUser(t, d, "ops@supplyhub.example", store.PortalOperator, "")
	addUser(t, d, "orders@toolsltd.example", store.PortalSupplier, "31")
	dir := screenshotsDir(t)
	login(t, ctx, d, "ops@supplyhub.example")
	step(t, ctx, "dashboard", chromedp.Navigate(d.URL+"/portal/"), chromedp.WaitVisible(chromedp.CSS(".tiles")))
	screenshot(t, ctx, filepath.Join(dir, "operator-dashboard.png"))
	step(t, ctx, "orders", chromedp.Navigate(d.URL+"/portal/admin/orders"), chromedp.WaitVisible(chromedp.CSS("table.orders")))
	screenshot(t, ctx, filepath.Join(dir, "operator-orders.png"))
	step(t, ctx, "order", chromedp.Navigate(d.URL+"/portal/admin/orders/"+shown), chromedp.WaitVisible(chromedp.CSS("table.attempts")))
	screenshot(t, ctx, filepath.Join(dir, "operator-order.png"))
	for _, p := range []string{"deliveries?status=dead", "parties", "review", "audit"} {
		step(t, ctx, p, chromedp.Navigate(d.URL+"/portal/admin/"+p), chromedp.WaitVisible(chromedp.CSS("main h1")))
		screenshot(t, ctx, filepath.Join(extraDir(t), "operator-"+filepath.Base(p[:min(len(p), 10)])+".png"))
	}
	step(t, ctx, "view as", chromedp.Navigate(d.URL+"/portal/admin/parties"),
		chromedp.Click(chromedp.CSS(`form[action="/portal/admin/view-as"] button`)), chromedp.WaitVisible(chromedp.CSS(".viewas")))
	screenshot(t, ctx, filepath.Join(extraDir(t), "operator-view-as.png"))
	step(t, ctx, "phone", chromedp.EmulateViewport(390, 844), chromedp.Click(chromedp.CSS(".viewas button")), chromedp.WaitVisible(chromedp.CSS("p.flash")),
		chromedp.Navigate(d.URL+"/portal/admin"), chromedp.WaitVisible(chromedp.CSS(".tiles")))
	screenshot(t, ctx, filepath.Join(extraDir(t), "operator-dashboard-phone.png"))
}
