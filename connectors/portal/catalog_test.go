package portal_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/supplyhub/supplyhub/internal/app/apptest"
	"github.com/supplyhub/supplyhub/internal/store"
	"github.com/supplyhub/supplyhub/internal/store/storetest"
)

// TestCatalogPages: a supplier sees its own catalog (paged), a retailer
// picks a supplier's; another supplier sees none of it, an unknown
// supplier is the 404 page, and item text is escaped.
func TestCatalogPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, kind string) {
		d := apptest.Start(t, kind)
		items := []string{`{"sku":"HAM-1","name":"<b>Hammer</b>","price":1250,"currency":"EUR","stock":0}`,
			`{"sku":"SAW-1","name":"Saw","price":990,"currency":"EUR","for_sale":false}`}
		for i := 0; i < 100; i++ {
			items = append(items, fmt.Sprintf(`{"sku":"Z-%03d","name":"Filler","price":1,"currency":"EUR","stock":5}`, i))
		}
		if code, _, b := d.Do(t, "POST", "/api/v1/supplier/catalog", d.Keys["supplier:31"], `{"items":[`+strings.Join(items, ",")+`]}`); code != 200 {
			t.Fatalf("publish: %d %s", code, b)
		}
		addUser(t, d, "tools@example.com", store.PortalSupplier, "31")
		addUser(t, d, "paint@example.com", store.PortalSupplier, "40")
		addUser(t, d, "acme@example.com", store.PortalRetailer, "acme")

		b := newBrowser(t, d)
		b.mustLogin("tools@example.com")
		code, _, body := b.get("/portal/catalog")
		if code != 200 || !strings.Contains(body, "HAM-1") || !strings.Contains(body, "&lt;b&gt;Hammer&lt;/b&gt;") ||
			!strings.Contains(body, "12.50 EUR") || !strings.Contains(body, "not tracked") || strings.Contains(body, "Z-099") {
			t.Fatalf("supplier page 1: %d\n%s", code, body)
		}
		if !strings.Contains(body, `href="/portal/catalog?after=Z-097"`) {
			t.Fatalf("no next link on page 1:\n%s", body)
		}
		if _, _, body = b.get("/portal/catalog?after=Z-097"); !strings.Contains(body, "Z-098") || !strings.Contains(body, "Z-099") || strings.Contains(body, "HAM-1") {
			t.Errorf("supplier page 2:\n%s", body)
		}

		b = newBrowser(t, d)
		b.mustLogin("paint@example.com")
		if _, _, body = b.get("/portal/catalog?supplier=31"); strings.Contains(body, "HAM-1") || !strings.Contains(body, "No items") {
			t.Errorf("supplier 40 sees 31's catalog:\n%s", body)
		}

		b = newBrowser(t, d)
		b.mustLogin("acme@example.com")
		if code, _, body = b.get("/portal/catalog?supplier=31"); code != 200 || !strings.Contains(body, "HAM-1") || !strings.Contains(body, "Tools Ltd") {
			t.Errorf("retailer: %d\n%s", code, body)
		}
		if code, _, _ = b.get("/portal/catalog?supplier=nope"); code != http.StatusNotFound {
			t.Errorf("unknown supplier: %d", code)
		}
	})
}
