package portal_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/supplyhub/supplyhub/internal/app/apptest"
	"github.com/supplyhub/supplyhub/internal/store"
	"github.com/supplyhub/supplyhub/internal/store/storetest"
)

// fillManualOrder fills the manual order form in the browser: retailer
// acme, a B2B customer, one line, and file attached.
func fillManualOrder(t *testing.T, ctx context.Context, ext, file string) {
	t.Helper()
	set := func(id, v string) chromedp.Action[chromedp.Void] { return chromedp.SetValue(chromedp.ID(id), v) }
	step(t, ctx, "fill the manual order form",
		chromedp.WaitVisible(chromedp.ID("external_id")),
		set("retailer", "acme"),
		chromedp.SendKeys(chromedp.ID("external_id"), ext),
		chromedp.Click(chromedp.CSS(`input[name="customer.type"][value="b2b"]`)),
		chromedp.SendKeys(chromedp.ID("customer-name"), "Camille Roux"),
		chromedp.SendKeys(chromedp.ID("customer-company"), "Lycée Victor Hugo"),
		chromedp.SendKeys(chromedp.ID("customer-email"), "c.roux@lycee-hugo.example"),
		chromedp.SendKeys(chromedp.ID("customer-phone"), "+33 1 42 72 00 00"),
		chromedp.SendKeys(chromedp.ID("shipping_address-name"), "Camille Roux, Atelier bois"),
		chromedp.SendKeys(chromedp.ID("shipping_address-line1"), "27 rue de Sévigné"),
		chromedp.SendKeys(chromedp.ID("shipping_address-postal_code"), "75003"),
		chromedp.SendKeys(chromedp.ID("shipping_address-city"), "Paris"),
		chromedp.SendKeys(chromedp.ID("shipping_address-country"), "FR"),
		chromedp.SendKeys(chromedp.ID("line-0-sku"), "HAM-16"),
		chromedp.SendKeys(chromedp.ID("line-0-supplier"), "31"),
		chromedp.SendKeys(chromedp.ID("line-0-name"), "Claw hammer 16 oz"),
		set("line-0-quantity", "12"),
		chromedp.SendKeys(chromedp.ID("line-0-unit_price"), "18.90"),
		chromedp.SendKeys(chromedp.ID("notes"), "School purchase order attached; deliver to the workshop entrance."),
		chromedp.SetUploadFiles(chromedp.ID("files-input"), []string{file}))
}

// addChiselLine adds a second line (6 chisel sets from supplier 31) to the
// manual order form with its "Add line" button, which works without script.
func addChiselLine() []chromedp.Action[chromedp.Void] {
	return []chromedp.Action[chromedp.Void]{
		chromedp.Click(chromedp.CSS(`button[value="add_line"]`)),
		chromedp.WaitVisible(chromedp.ID("line-1-sku")),
		chromedp.SendKeys(chromedp.ID("line-1-sku"), "CHS-SET"),
		chromedp.SendKeys(chromedp.ID("line-1-supplier"), "31"),
		chromedp.SendKeys(chromedp.ID("line-1-name"), "Wood chisel set, 4 pcs"),
		chromedp.SetValue(chromedp.ID("line-1-quantity"), "6"),
		chromedp.SendKeys(chromedp.ID("line-1-unit_price"), "34.50"),
	}
}

// TestBrowserManualOrder: in a real browser an operator enters a manual
// order with a purchase order file, adds a second line without script
// (the "Add line" button), confirms it; the supplier gets it on its file
// channel and sees the file, with its download link, on its portal order
// page (TestManualOrder downloads it over HTTP).
func TestBrowserManualOrder(t *testing.T) {
	ctx := newChromium(t)
	d := apptest.StartConfig(t, apptest.Config(t, storetest.URL(t, store.KindSQLite)))
	addUser(t, d, "ops@example.com", store.PortalOperator, "")
	addUser(t, d, "s31@example.com", store.PortalSupplier, "31")
	file := filepath.Join(t.TempDir(), "PO-2026-118.pdf")
	if err := os.WriteFile(file, []byte("%PDF-1.4\npurchase order 118\n"), 0o644); err != nil {
		t.Fatal(err)
	}

	login(t, ctx, d, "ops@example.com")
	step(t, ctx, "open the form", chromedp.Click(chromedp.CSS(`nav a[href="/portal/manual"]`)),
		chromedp.WaitVisible(chromedp.CSS(`a[href="/portal/manual/new"]`)),
		chromedp.Click(chromedp.CSS(`a[href="/portal/manual/new"]`)))
	fillManualOrder(t, ctx, "PO-2026-118", file)
	step(t, ctx, "add a line", addChiselLine()...)
	if got := text(t, ctx, "#files ul.files"); !strings.Contains(got, "PO-2026-118.pdf") || !strings.Contains(got, "application/pdf") {
		t.Fatalf("the file was not kept with the draft: %q", got)
	}
	step(t, ctx, "confirm",
		chromedp.Click(chromedp.CSS(`button[value="confirm"]`)),
		chromedp.WaitVisible(chromedp.CSS("p.flash")))
	flash := text(t, ctx, "p.flash")
	if !strings.Contains(flash, "confirmed and sent to its suppliers") {
		t.Fatalf("after confirm: %q (%s)", flash, text(t, ctx, "main"))
	}
	number := strings.Fields(strings.TrimPrefix(flash, "Order "))[0]

	apptest.Eventually(t, 10*time.Second, "the order in supplier 31's outbox", func() bool {
		b, err := os.ReadFile(filepath.Join(d.Outbox("31"), number+"-31.json"))
		return err == nil && strings.Contains(string(b), "PO-2026-118") && strings.Contains(string(b), "CHS-SET")
	})

	step(t, ctx, "sign out", chromedp.Click(chromedp.CSS(`form[action="/portal/logout"] button`)), chromedp.WaitVisible(chromedp.ID("email")))
	login(t, ctx, d, "s31@example.com")
	step(t, ctx, "open the order", chromedp.Navigate(d.URL+"/portal/orders/"+number+"-31"), chromedp.WaitVisible(chromedp.CSS("#files a")))
	if got := text(t, ctx, "#files"); !strings.Contains(got, "PO-2026-118.pdf") {
		t.Fatalf("supplier's order page files: %q", got)
	}
	href, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.CSS("#files a"), "href"))
	if err != nil || !strings.HasPrefix(href.Value, "/portal/orders/"+number+"-31/files/") {
		t.Fatalf("file link: %v %v", href, err)
	}
}
