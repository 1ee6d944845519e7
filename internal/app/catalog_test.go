package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/supplyhub/supplyhub/config"
	"github.com/supplyhub/supplyhub/connectors/webhook"
	"github.com/supplyhub/supplyhub/internal/app/apptest"
	"github.com/supplyhub/supplyhub/internal/domain"
	"github.com/supplyhub/supplyhub/internal/store/storetest"
)

// catalogOrder is an order of lines (JSON objects) from acme.
func catalogOrder(ext string, lines ...string) string {
	return `{"external_id":"` + ext + `","placed_at":"2026-11-22T10:00:00Z","currency":"EUR",
"customer":{"name":"Zoë Martin","email":"zoe@example.com"},
"shipping_address":{"name":"Zoë Martin","line1":"1 rue de Rivoli","city":"Paris","postal_code":"75001","country":"FR"},
"lines":[` + strings.Join(lines, ",") + `]}`
}

func hammer(qty int) string {
	return fmt.Sprintf(`{"sku":"HAM-1","supplier":"31","name":"Hammer","quantity":%d,"unit_price":1250}`, qty)
}

type orderJSON struct {
	Number         string `json:"number"`
	Status         string `json:"status"`
	SupplierOrders []struct {
		Number string        `json:"number"`
		Status string        `json:"status"`
		Lines  []domain.Line `json:"lines"`
	} `json:"supplier_orders"`
}

// publish sets supplier 31's catalog by API and returns the result.
func publish(t *testing.T, d *apptest.Daemon, items string) map[string]any {
	t.Helper()
	code, _, b := d.Do(t, "POST", "/api/v1/supplier/catalog", d.Keys["supplier:31"], `{"items":[`+items+`]}`)
	if code != 200 {
		t.Fatalf("publish catalog: %d %s", code, b)
	}
	var res map[string]any
	_ = json.Unmarshal(b, &res)
	return res
}

func stockOf(t *testing.T, d *apptest.Daemon, key, supplierPath, sku string) *int {
	t.Helper()
	code, _, b := d.Do(t, "GET", supplierPath, key, nil)
	if code != 200 {
		t.Fatalf("catalog: %d %s", code, b)
	}
	var page struct{ Items []domain.CatalogItem }
	_ = json.Unmarshal(b, &page)
	for _, it := range page.Items {
		if it.SKU == sku {
			return it.Stock
		}
	}
	t.Fatalf("no %s in %s", sku, b)
	return nil
}

func hasEvent(rcv *receiver, typ, number string) bool {
	for _, c := range rcv.calls() {
		if strings.Contains(string(c.body), `"type":"`+typ+`"`) && strings.Contains(string(c.body), number) {
			return true
		}
	}
	return false
}

// TestCatalogFeedReleasesWaitingOrder: with no stock an order waits
// (awaiting_stock, nothing sent to the supplier, the retailer told by
// webhook and email); a CSV feed uploaded with a real SFTP client to
// /inbound/catalog raises the stock, the waiting order is sent to the
// supplier (its file lands in the outbox) and the retailer is told again.
// The feed's bad row comes back in an errors report beside it.
func TestCatalogFeedReleasesWaitingOrder(t *testing.T) {
	storetest.Each(t, func(t *testing.T, kind string) {
		secret := webhook.NewSecret()
		rcv := newReceiver(t, func(int) (int, map[string]string) { return 204, nil })
		cfg := apptest.Config(t, storetest.URL(t, kind))
		cfg.Webhooks.AllowPrivate = []string{"127.0.0.1/32"}
		cfg.Retailers[0].Email = "orders@acme.example"
		cfg.Retailers[0].Channels = []config.Channel{{Type: "webhook", Settings: map[string]any{"url": rcv.srv.URL, "secret": secret}}}
		cfg.Suppliers[0].Channels = append(cfg.Suppliers[0].Channels, config.Channel{Type: "sftp", Settings: map[string]any{"hosted": true}})
		cfg.Suppliers[0].Catalog = config.Catalog{Mode: "enforce"}
		d := apptest.StartConfig(t, cfg)
		sftpAccount(t, d, "31")
		publish(t, d, `{"sku":"HAM-1","name":"Hammer","price":1250,"currency":"EUR","stock":0}`)

		code, _, b := d.Do(t, "POST", "/api/v1/orders", d.Keys["retailer:acme"], catalogOrder("S-1", hammer(2)))
		if code != 201 {
			t.Fatalf("order: %d %s", code, b)
		}
		var o orderJSON
		_ = json.Unmarshal(b, &o)
		if o.Status != domain.StatusAwaitingStock || o.SupplierOrders[0].Status != domain.StatusAwaitingStock {
			t.Fatalf("order %s", b)
		}
		soNumber := o.SupplierOrders[0].Number
		apptest.Eventually(t, 10*time.Second, "awaiting_stock webhook", func() bool {
			return hasEvent(rcv, "supplier_order.awaiting_stock", soNumber)
		})
		apptest.Eventually(t, 10*time.Second, "awaiting_stock email", func() bool {
			return len(mails(t, d, "To: orders@acme.example", "awaiting_stock")) == 1
		})
		if files, _ := os.ReadDir(d.Outbox("31")); len(files) != 0 {
			t.Fatalf("a waiting order was sent to the supplier: %v", files)
		}
		// The supplier's pull list does not show it either.
		_, _, b = d.Do(t, "GET", "/api/v1/supplier/orders?by=updated", d.Keys["supplier:31"], nil)
		if strings.Contains(string(b), soNumber) {
			t.Errorf("pull list shows the waiting order: %s", b)
		}

		c := sftpClient(t, d, "31")
		f, err := c.Create("/inbound/catalog/stock.csv")
		if err != nil {
			t.Fatal(err)
		}
		feed := "sku,name,price,currency,stock\r\nHAM-1,Hammer,1250,EUR,5\r\n=cmd(),Bad,abc,EUR,1\r\n"
		if _, err := f.Write([]byte(feed)); err != nil {
			t.Fatal(err)
		}
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
		apptest.Eventually(t, 15*time.Second, "feed archived", func() bool { _, err := c.Stat("/archive/stock.csv"); return err == nil })
		rf, err := c.Open("/inbound/catalog/stock.errors.csv")
		if err != nil {
			t.Fatalf("errors report: %v", err)
		}
		report, _ := io.ReadAll(rf)
		rf.Close()
		if !strings.Contains(string(report), "price must be a whole number") || !strings.Contains(string(report), "'=cmd()") {
			t.Errorf("errors report (bad row with its reason, formula neutralised):\n%s", report)
		}
		apptest.Eventually(t, 15*time.Second, "released order in the supplier's outbox", func() bool {
			files, _ := os.ReadDir(d.Outbox("31"))
			return len(files) == 1 && strings.Contains(files[0].Name(), soNumber)
		})
		apptest.Eventually(t, 10*time.Second, "stock_released webhook", func() bool {
			return hasEvent(rcv, "supplier_order.stock_released", soNumber)
		})
		apptest.Eventually(t, 10*time.Second, "stock_released email", func() bool {
			return len(mails(t, d, "To: orders@acme.example", "stock arrived")) == 1
		})
		if s := stockOf(t, d, d.Keys["retailer:acme"], "/api/v1/catalogs/31", "HAM-1"); s == nil || *s != 3 {
			t.Errorf("stock after release: %v, want 3", s)
		}
		_, _, b = d.Do(t, "GET", "/api/v1/orders/"+o.Number, d.Keys["retailer:acme"], nil)
		_ = json.Unmarshal(b, &o)
		if o.SupplierOrders[0].Status == domain.StatusAwaitingStock || o.Status == domain.StatusAwaitingStock {
			t.Errorf("order after release: %s", b)
		}
		_, _, b = d.Do(t, "GET", "/api/v1/supplier/orders/"+soNumber+"/history", d.Keys["supplier:31"], nil)
		if !strings.Contains(string(b), `"to_status":"awaiting_stock"`) || !strings.Contains(string(b), `"from_status":"awaiting_stock","to_status":"new"`) {
			t.Errorf("history: %s", b)
		}
	})
}

// TestLastUnitSoldOnce: 20 concurrent orders for the last unit: one is
// filled, 19 wait; raising the stock by two releases exactly two, and
// the stock never goes below zero.
func TestLastUnitSoldOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, kind string) {
		cfg := apptest.Config(t, storetest.URL(t, kind))
		cfg.Suppliers[0].Catalog = config.Catalog{Mode: "enforce"}
		d := apptest.StartConfig(t, cfg)
		publish(t, d, `{"sku":"HAM-1","name":"Hammer","price":1250,"currency":"EUR","stock":1}`)
		statuses := make([]string, 20)
		errs := parallel(20, 20, func(i int) error {
			code, b, err := call(context.Background(), d.URL, "POST", "/api/v1/orders", d.Keys["retailer:acme"],
				catalogOrder(fmt.Sprintf("L-%d", i), hammer(1)))
			if err != nil {
				return err
			}
			if code != 201 {
				return fmt.Errorf("order %d: %d %s", i, code, b)
			}
			var o orderJSON
			if err := json.Unmarshal(b, &o); err != nil {
				return err
			}
			statuses[i] = o.SupplierOrders[0].Status
			return nil
		})
		for _, err := range errs {
			t.Error(err)
		}
		filled := 0
		for _, s := range statuses {
			if s != domain.StatusAwaitingStock {
				filled++
			}
		}
		if filled != 1 {
			t.Fatalf("%d orders got the last unit: %v", filled, statuses)
		}
		if s := stockOf(t, d, d.Keys["supplier:31"], "/api/v1/supplier/catalog", "HAM-1"); s == nil || *s != 0 {
			t.Fatalf("stock %v, want 0", s)
		}
		res := publish(t, d, `{"sku":"HAM-1","name":"Hammer","price":1250,"currency":"EUR","stock":2}`)
		if rel, _ := res["released"].([]any); len(rel) != 2 {
			t.Errorf("released %v, want two orders", res["released"])
		}
		if s := stockOf(t, d, d.Keys["supplier:31"], "/api/v1/supplier/catalog", "HAM-1"); s == nil || *s != 0 {
			t.Errorf("stock after release %v, want 0", s)
		}
		ids, err := d.App.Store.AwaitingStock(context.Background(), d.App.Store.DB(), mustSupplier(t, d, "31").ID)
		if err != nil || len(ids) != 17 {
			t.Errorf("%d still waiting (%v), want 17", len(ids), err)
		}
	})
}

func mustSupplier(t *testing.T, d *apptest.Daemon, code string) *domain.Supplier {
	t.Helper()
	s, err := d.App.Store.SupplierByCode(context.Background(), code)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestCatalogEnforceAndWarn: enforce refuses an unknown SKU and a wrong
// price with field errors naming the line; warn accepts an unknown SKU,
// flags its line in the order JSON and logs it. Catalog reads are scoped:
// an unknown supplier is a 404 and a supplier key cannot use the
// retailer route.
func TestCatalogEnforceAndWarn(t *testing.T) {
	storetest.Each(t, func(t *testing.T, kind string) {
		cfg := apptest.Config(t, storetest.URL(t, kind))
		cfg.Suppliers[0].Catalog = config.Catalog{Mode: "enforce"}
		cfg.Suppliers[1].Catalog = config.Catalog{Mode: "warn"}
		d, logs := apptest.StartLogged(t, cfg)
		publish(t, d, `{"sku":"HAM-1","name":"Hammer","price":1250,"currency":"EUR"},{"sku":"OLD-1","name":"Old","price":100,"currency":"EUR","for_sale":false}`)
		paint := `{"sku":"PNT-404","supplier":"40","name":"Paint","quantity":1,"unit_price":900}`
		body := catalogOrder("E-1", hammer(1),
			`{"sku":"NOPE","supplier":"31","name":"Nope","quantity":1,"unit_price":100}`,
			`{"sku":"OLD-1","supplier":"31","name":"Old","quantity":1,"unit_price":100}`,
			`{"sku":"HAM-1","supplier":"31","name":"Hammer","quantity":1,"unit_price":999}`, paint)
		code, _, b := d.Do(t, "POST", "/api/v1/orders", d.Keys["retailer:acme"], body)
		if code != 422 {
			t.Fatalf("enforce: %d %s", code, b)
		}
		for _, want := range []string{`"field":"lines[1].sku"`, `not in supplier 31's catalog`, `"field":"lines[2].sku"`, `not for sale`,
			`"field":"lines[3].unit_price"`, `must be 1250 EUR`} {
			if !strings.Contains(string(b), want) {
				t.Errorf("422 lacks %s: %s", want, b)
			}
		}
		if strings.Contains(string(b), "lines[0]") || strings.Contains(string(b), "lines[4]") {
			t.Errorf("good lines reported: %s", b)
		}
		code, _, b = d.Do(t, "POST", "/api/v1/orders", d.Keys["retailer:acme"], catalogOrder("E-2", hammer(1), paint))
		if code != 201 {
			t.Fatalf("warn: %d %s", code, b)
		}
		var o orderJSON
		_ = json.Unmarshal(b, &o)
		var flag string
		for _, so := range o.SupplierOrders {
			for _, l := range so.Lines {
				if l.SKU == "PNT-404" {
					flag = l.CatalogFlag
				} else if l.CatalogFlag != "" {
					t.Errorf("line %s flagged %q", l.SKU, l.CatalogFlag)
				}
			}
		}
		if flag != domain.FlagUnknownSKU {
			t.Errorf("warn flag %q in %s", flag, b)
		}
		apptest.Eventually(t, 5*time.Second, "flag logged", func() bool {
			return strings.Contains(logs.String(), `"flag":"unknown_sku"`) && strings.Contains(logs.String(), `"sku":"PNT-404"`)
		})
		// The supplier's own view of the order shows the flag too.
		_, _, b = d.Do(t, "GET", "/api/v1/supplier/orders/"+o.Number+"-40", d.Keys["supplier:40"], nil)
		if !strings.Contains(string(b), `"catalog_flag":"unknown_sku"`) {
			t.Errorf("supplier view lacks the flag: %s", b)
		}
		if code, _, _ := d.Do(t, "GET", "/api/v1/catalogs/99", d.Keys["retailer:acme"], nil); code != http.StatusNotFound {
			t.Errorf("unknown supplier catalog: %d", code)
		}
		if code, _, _ := d.Do(t, "GET", "/api/v1/catalogs/31", d.Keys["supplier:40"], nil); code != http.StatusForbidden {
			t.Errorf("supplier on the retailer route: %d", code)
		}
	})
}

// TestCatalogAPIIdempotentAndPaged: a bulk upsert retried with its
// Idempotency-Key answers the first result without resetting stock sold
// since; the same key on another body is a 409; bad items are 422 naming
// the item; pages follow next_cursor; delete is idempotent.
func TestCatalogAPIIdempotentAndPaged(t *testing.T) {
	cfg := apptest.Config(t, storetest.URL(t, "sqlite"))
	cfg.Suppliers[0].Catalog = config.Catalog{Mode: "enforce"}
	d := apptest.StartConfig(t, cfg)
	key := d.Keys["supplier:31"]
	do := func(path, idem, body string) (int, []byte) {
		t.Helper()
		req, _ := http.NewRequest("POST", d.URL+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+key)
		if idem != "" {
			req.Header.Set("Idempotency-Key", idem)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b
	}
	body := `{"items":[{"sku":"HAM-1","name":"Hammer","price":1250,"currency":"EUR","stock":3},{"sku":"SAW-1","name":"Saw","price":990,"currency":"EUR"},{"sku":"AXE-1","name":"Axe","price":1990,"currency":"EUR","restock_date":"2026-12-24"}]}`
	if code, b := do("/api/v1/supplier/catalog", "k1", body); code != 200 || !strings.Contains(string(b), `"upserted":3`) {
		t.Fatalf("upsert: %d %s", code, b)
	}
	if code, _, b := d.Do(t, "POST", "/api/v1/orders", d.Keys["retailer:acme"], catalogOrder("I-1", hammer(2))); code != 201 {
		t.Fatalf("order: %d %s", code, b)
	}
	code, b := do("/api/v1/supplier/catalog", "k1", body)
	if code != 200 || !strings.Contains(string(b), `"idempotent_replay":true`) {
		t.Errorf("replay: %d %s", code, b)
	}
	if s := stockOf(t, d, key, "/api/v1/supplier/catalog", "HAM-1"); s == nil || *s != 1 {
		t.Errorf("a replay reset the stock to %v", s)
	}
	if code, b := do("/api/v1/supplier/catalog", "k1", `{"items":[{"sku":"X","name":"X","price":1,"currency":"EUR"}]}`); code != 409 {
		t.Errorf("key reused on another body: %d %s", code, b)
	}
	code, b = do("/api/v1/supplier/catalog", "", `{"items":[{"sku":"A","name":"A","price":-1,"currency":"eur","stock":-2,"restock_date":"soon"},{"sku":"A","name":"","price":1,"currency":"EUR"}]}`)
	for _, want := range []string{"items[0].price", "items[0].currency", "items[0].stock", "items[0].restock_date", "items[1].name", "items[1].sku"} {
		if code != 422 || !strings.Contains(string(b), `"field":"`+want+`"`) {
			t.Errorf("422 lacks %s: %d %s", want, code, b)
		}
	}
	if code, b := do("/api/v1/supplier/catalog", "", `{"items":[{"sku":"A","name":"A","price":1,"currency":"EUR","colour":"red"}]}`); code != 422 || !strings.Contains(string(b), "items[0].colour") {
		t.Errorf("unknown field: %d %s", code, b)
	}
	var skus []string
	path := "/api/v1/supplier/catalog?limit=2"
	for i := 0; path != "" && i < 5; i++ {
		code, h, b := d.Do(t, "GET", path, key, nil)
		if code != 200 {
			t.Fatalf("page: %d %s", code, b)
		}
		var page struct {
			Items []domain.CatalogItem
			Next  string `json:"next_cursor"`
		}
		_ = json.Unmarshal(b, &page)
		for _, it := range page.Items {
			skus = append(skus, it.SKU)
		}
		path = ""
		if page.Next != "" {
			path = strings.TrimSuffix(strings.TrimPrefix(h.Get("Link"), "<"), `>; rel="next"`)
		}
	}
	if strings.Join(skus, ",") != "AXE-1,HAM-1,SAW-1" {
		t.Errorf("pages gave %v", skus)
	}
	for i := 0; i < 2; i++ {
		if code, b := do("/api/v1/supplier/catalog/delete", "", `{"skus":["SAW-1"]}`); code != 200 || !strings.Contains(string(b), fmt.Sprintf(`"deleted":%d`, 1-i)) {
			t.Errorf("delete %d: %d %s", i, code, b)
		}
	}
	// Supplier 40 has its own (empty) catalog.
	if _, _, b := d.Do(t, "GET", "/api/v1/supplier/catalog", d.Keys["supplier:40"], nil); !strings.Contains(string(b), `"items":[]`) {
		t.Errorf("supplier 40 sees %s", b)
	}
}

// TestStockUnderConcurrentOrdersAndUpdates: orders naming two SKUs in
// either order race with catalog updates raising their stock. Every
// request succeeds (lock order and the deadlock retry keep writers from
// failing each other), stock never goes negative, and once the last
// update has run no order waits while its stock would fill it.
func TestStockUnderConcurrentOrdersAndUpdates(t *testing.T) {
	storetest.Each(t, func(t *testing.T, kind string) {
		cfg := apptest.Config(t, storetest.URL(t, kind))
		cfg.Suppliers[0].Catalog = config.Catalog{Mode: "enforce"}
		d := apptest.StartConfig(t, cfg)
		item := func(sku string, stock int) string {
			return fmt.Sprintf(`{"sku":"%s","name":"%s","price":100,"currency":"EUR","stock":%d}`, sku, sku, stock)
		}
		publish(t, d, item("A", 3)+","+item("B", 3))
		line := func(sku string) string {
			return `{"sku":"` + sku + `","supplier":"31","name":"` + sku + `","quantity":1,"unit_price":100}`
		}
		errs := parallel(36, 36, func(i int) error {
			ctx := context.Background()
			if i%6 == 5 { // six updates among the orders
				code, b, err := call(ctx, d.URL, "POST", "/api/v1/supplier/catalog", d.Keys["supplier:31"],
					`{"items":[`+item("B", 2+i/6)+","+item("A", 2+i/6)+`]}`)
				if err == nil && code != 200 {
					err = fmt.Errorf("update %d: %d %s", i, code, b)
				}
				return err
			}
			lines := []string{line("A"), line("B")}
			if i%2 == 1 {
				lines[0], lines[1] = lines[1], lines[0]
			}
			code, b, err := call(ctx, d.URL, "POST", "/api/v1/orders", d.Keys["retailer:acme"], catalogOrder(fmt.Sprintf("C-%d", i), lines...))
			if err == nil && code != 201 {
				err = fmt.Errorf("order %d: %d %s", i, code, b)
			}
			return err
		})
		for _, err := range errs {
			t.Error(err)
		}
		// A last update settles it: waiting orders take what it offers.
		res := publish(t, d, item("A", 4)+","+item("B", 4))
		a := stockOf(t, d, d.Keys["supplier:31"], "/api/v1/supplier/catalog", "A")
		b := stockOf(t, d, d.Keys["supplier:31"], "/api/v1/supplier/catalog", "B")
		ids, err := d.App.Store.AwaitingStock(context.Background(), d.App.Store.DB(), mustSupplier(t, d, "31").ID)
		if err != nil {
			t.Fatal(err)
		}
		// Every order needs one A and one B, so A and B move together.
		if *a < 0 || *a != *b || (len(ids) > 0 && *a > 0) {
			t.Errorf("after the last update (released %v): A %d, B %d, %d still waiting", res["released"], *a, *b, len(ids))
		}
	})
}
