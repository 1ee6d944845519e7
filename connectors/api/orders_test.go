package api_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/supplyhub/supplyhub/internal/app/apptest"
	"github.com/supplyhub/supplyhub/internal/store/storetest"
)

func order(ext string) map[string]any {
	return map[string]any{
		"external_id": ext,
		"placed_at":   "2026-11-22T10:00:00Z",
		"currency":    "EUR",
		"customer":    map[string]any{"name": "Zoë Martin", "email": "zoe@example.com", "phone": "+33 1 23 45 67 89"},
		"shipping_address": map[string]any{"name": "Zoë Martin", "line1": "1 rue de Rivoli", "city": "Paris",
			"postal_code": "75001", "country": "FR"},
		"lines": []any{
			map[string]any{"sku": "HAM-1", "supplier": "31", "name": "Hammer", "quantity": 2, "unit_price": "12.50"},
			map[string]any{"sku": "PNT-9", "supplier": "40", "name": "Paint", "quantity": 1, "unit_price": 2000, "discount": 100},
		},
		"shipping": map[string]any{"31": 500},
	}
}

type errBody struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Fields  []struct {
			Field   string `json:"field"`
			Message string `json:"message"`
		} `json:"fields"`
	} `json:"error"`
}

type orderBody struct {
	Number         string `json:"number"`
	ExternalID     string `json:"external_id"`
	Total          int64  `json:"total"`
	SupplierOrders []struct {
		Number     string `json:"number"`
		Supplier   string `json:"supplier"`
		Status     string `json:"status"`
		ItemTotal  int64  `json:"item_total"`
		Shipping   int64  `json:"shipping"`
		Commission int64  `json:"commission"`
		Payout     int64  `json:"payout"`
	} `json:"supplier_orders"`
}

func TestCreateOrderSplitsPerSupplier(t *testing.T) {
	storetest.Each(t, func(t *testing.T, kind string) {
		d := apptest.Start(t, kind)
		code, hdr, body := d.Do(t, "POST", "/api/v1/orders", d.Keys["retailer:acme"], order("A-1"))
		if code != http.StatusCreated {
			t.Fatalf("status %d: %s", code, body)
		}
		var o orderBody
		if err := json.Unmarshal(body, &o); err != nil {
			t.Fatal(err)
		}
		if hdr.Get("Location") != "/api/v1/orders/"+o.Number {
			t.Errorf("Location %q", hdr.Get("Location"))
		}
		if len(o.SupplierOrders) != 2 {
			t.Fatalf("supplier orders: %s", body)
		}
		s31, s40 := o.SupplierOrders[0], o.SupplierOrders[1]
		// 31: 2 × 12.50 = 25.00, 2.2 % = 0.55, payout 25.00 − 0.55 + 5.00 shipping.
		// 40: 20.00 − 1.00 discount = 19.00, 5 % = 0.95, payout 18.05.
		want := []struct {
			number                         string
			item, ship, commission, payout int64
		}{{o.Number + "-31", 2500, 500, 55, 2945}, {o.Number + "-40", 1900, 0, 95, 1805}}
		for i, so := range []struct {
			Number     string `json:"number"`
			Supplier   string `json:"supplier"`
			Status     string `json:"status"`
			ItemTotal  int64  `json:"item_total"`
			Shipping   int64  `json:"shipping"`
			Commission int64  `json:"commission"`
			Payout     int64  `json:"payout"`
		}{s31, s40} {
			w := want[i]
			if so.Number != w.number || so.ItemTotal != w.item || so.Shipping != w.ship || so.Commission != w.commission || so.Payout != w.payout {
				t.Errorf("supplier order %d = %+v, want %+v", i, so, w)
			}
		}
		if o.Total != 2500+1900+500 {
			t.Errorf("total %d", o.Total)
		}
		// Both suppliers get their file, and the supplier orders become dispatched.
		for _, sup := range []string{"31", "40"} {
			path := d.Outbox(sup) + "/" + o.Number + "-" + sup + ".json"
			apptest.Eventually(t, 5*time.Second, path, func() bool { _, err := os.Stat(path); return err == nil })
		}
		apptest.Eventually(t, 5*time.Second, "dispatched", func() bool {
			_, _, b := d.Do(t, "GET", "/api/v1/orders/"+o.Number, d.Keys["retailer:acme"], nil)
			var got struct {
				Status         string
				SupplierOrders []struct{ Status string } `json:"supplier_orders"`
			}
			_ = json.Unmarshal(b, &got)
			return got.Status == "dispatched" && len(got.SupplierOrders) == 2 &&
				got.SupplierOrders[0].Status == "dispatched" && got.SupplierOrders[1].Status == "dispatched"
		})
	})
}

func TestCreateOrderErrors(t *testing.T) {
	storetest.Each(t, func(t *testing.T, kind string) {
		d := apptest.Start(t, kind)
		acme := d.Keys["retailer:acme"]
		with := func(mut func(o map[string]any)) map[string]any { o := order("E-1"); mut(o); return o }
		line := func(o map[string]any, i int) map[string]any { return o["lines"].([]any)[i].(map[string]any) }
		cases := []struct {
			name   string
			key    string
			body   any
			status int
			code   string
			field  string
		}{
			{"no key", "", order("E-1"), 401, "unauthorized", ""},
			{"bad key", "sh_r_nope", order("E-1"), 401, "unauthorized", ""},
			{"supplier key", d.Keys["supplier:31"], order("E-1"), 403, "forbidden", ""},
			{"not json", acme, "{", 422, "invalid", "(body)"},
			{"empty body", acme, "", 422, "invalid", "(body)"},
			{"unknown field", acme, with(func(o map[string]any) { o["colour"] = "red" }), 422, "invalid", "colour"},
			{"wrong type", acme, with(func(o map[string]any) { line(o, 0)["quantity"] = "two" }), 422, "invalid", "lines[0].quantity"},
			{"float money", acme, with(func(o map[string]any) { line(o, 0)["unit_price"] = 12.5 }), 422, "invalid", "lines[0].unit_price"},
			{"zero quantity", acme, with(func(o map[string]any) { line(o, 1)["quantity"] = 0 }), 422, "invalid", "lines[1].quantity"},
			{"unknown supplier", acme, with(func(o map[string]any) { line(o, 0)["supplier"] = "99" }), 422, "invalid", "lines[0].supplier"},
			{"bad country", acme, with(func(o map[string]any) { o["shipping_address"].(map[string]any)["country"] = "France" }), 422, "invalid", "shipping_address.country"},
			{"bad currency", acme, with(func(o map[string]any) { o["currency"] = "euro" }), 422, "invalid", "currency"},
			{"bad placed_at", acme, with(func(o map[string]any) { o["placed_at"] = "yesterday" }), 422, "invalid", "placed_at"},
			{"no lines", acme, with(func(o map[string]any) { o["lines"] = []any{} }), 422, "invalid", "lines"},
			{"discount too big", acme, with(func(o map[string]any) { line(o, 1)["discount"] = 999999 }), 422, "invalid", "lines[1].discount"},
			{"shipping for absent supplier", acme, with(func(o map[string]any) { o["shipping"] = map[string]any{"40": 100, "77": 1} }), 422, "invalid", "shipping.77"},
			{"b2b without company", acme, with(func(o map[string]any) { o["customer"].(map[string]any)["type"] = "b2b" }), 422, "invalid", "customer.company"},
			{"too large", acme, `{"external_id":"` + strings.Repeat("x", 2<<20) + `"}`, 413, "too_large", ""},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				status, hdr, body := d.Do(t, "POST", "/api/v1/orders", tc.key, tc.body)
				if status != tc.status {
					t.Fatalf("status %d, want %d: %s", status, tc.status, body)
				}
				if ct := hdr.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
					t.Errorf("content type %q", ct)
				}
				var e errBody
				if err := json.Unmarshal(body, &e); err != nil {
					t.Fatalf("error body is not JSON: %s", body)
				}
				if e.Error.Code != tc.code || e.Error.Message == "" {
					t.Errorf("error %+v, want code %s", e.Error, tc.code)
				}
				if tc.field != "" {
					found := false
					for _, f := range e.Error.Fields {
						found = found || f.Field == tc.field
					}
					if !found {
						t.Errorf("fields %+v lack %s", e.Error.Fields, tc.field)
					}
				}
			})
		}
		// Nothing of the above was stored.
		_, _, body := d.Do(t, "GET", "/api/v1/orders", acme, nil)
		if !strings.Contains(string(body), `"orders":[]`) {
			t.Errorf("rejected orders were stored: %s", body)
		}
	})
}

func TestIdempotentCreate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, kind string) {
		d := apptest.Start(t, kind)
		acme := d.Keys["retailer:acme"]
		var wg sync.WaitGroup
		statuses := make([]int, 20)
		numbers := make([]string, 20)
		for i := range statuses {
			wg.Add(1)
			go func() {
				defer wg.Done()
				code, _, body := d.Do(t, "POST", "/api/v1/orders", acme, order("SAME-1"))
				var o orderBody
				_ = json.Unmarshal(body, &o)
				statuses[i], numbers[i] = code, o.Number
			}()
		}
		wg.Wait()
		created := 0
		for i, s := range statuses {
			switch s {
			case 201:
				created++
			case 200:
			default:
				t.Errorf("post %d: status %d", i, s)
			}
			if numbers[i] != numbers[0] {
				t.Errorf("post %d: order %s, want %s", i, numbers[i], numbers[0])
			}
		}
		if created != 1 {
			t.Errorf("%d posts created the order, want exactly 1", created)
		}
		_, _, body := d.Do(t, "GET", "/api/v1/orders", acme, nil)
		var list struct{ Orders []orderBody }
		_ = json.Unmarshal(body, &list)
		if len(list.Orders) != 1 {
			t.Errorf("%d orders stored, want 1", len(list.Orders))
		}
		// Same external id, different content: 409.
		changed := order("SAME-1")
		changed["notes"] = "leave at the door"
		if code, _, body := d.Do(t, "POST", "/api/v1/orders", acme, changed); code != http.StatusConflict {
			t.Errorf("changed repeat: status %d: %s", code, body)
		}
		// The same external id from another retailer is another order.
		if code, _, body := d.Do(t, "POST", "/api/v1/orders", d.Keys["retailer:other"], order("SAME-1")); code != http.StatusCreated {
			t.Errorf("other retailer: status %d: %s", code, body)
		}
	})
}

func TestReadOrdersScopedToRetailer(t *testing.T) {
	storetest.Each(t, func(t *testing.T, kind string) {
		d := apptest.Start(t, kind)
		acme := d.Keys["retailer:acme"]
		var numbers []string
		for i := 0; i < 5; i++ {
			_, _, body := d.Do(t, "POST", "/api/v1/orders", acme, order(fmt.Sprintf("L-%d", i)))
			var o orderBody
			_ = json.Unmarshal(body, &o)
			numbers = append(numbers, o.Number)
		}
		if code, _, _ := d.Do(t, "GET", "/api/v1/orders/"+numbers[0], d.Keys["retailer:other"], nil); code != 404 {
			t.Errorf("other retailer reads acme's order: %d", code)
		}
		for _, bad := range []string{"x", "0", "-1", "99999"} {
			if code, _, _ := d.Do(t, "GET", "/api/v1/orders/"+bad, acme, nil); code != 404 {
				t.Errorf("GET /orders/%s: %d", bad, code)
			}
		}
		// Page through with limit 2 following the Link header.
		var seen []string
		path := "/api/v1/orders?limit=2"
		for path != "" {
			code, hdr, body := d.Do(t, "GET", path, acme, nil)
			if code != 200 {
				t.Fatalf("%s: %d %s", path, code, body)
			}
			var page struct{ Orders []orderBody }
			_ = json.Unmarshal(body, &page)
			for _, o := range page.Orders {
				seen = append(seen, o.Number)
			}
			path = ""
			if l := hdr.Get("Link"); l != "" {
				path = strings.TrimSuffix(strings.TrimPrefix(strings.Split(l, ";")[0], "<"), ">")
			}
		}
		if strings.Join(seen, ",") != strings.Join(numbers, ",") {
			t.Errorf("paged %v, want %v", seen, numbers)
		}
		_, _, body := d.Do(t, "GET", "/api/v1/orders", d.Keys["retailer:other"], nil)
		if !strings.Contains(string(body), `"orders":[]`) {
			t.Errorf("other retailer lists acme's orders: %s", body)
		}
		for _, q := range []string{"from=yesterday", "from=2026-11-22T10:00:00Z&to=2026-11-22T10:00:00Z", "limit=0", "limit=501", "cursor=!!"} {
			if code, _, body := d.Do(t, "GET", "/api/v1/orders?"+q, acme, nil); code != 400 {
				t.Errorf("?%s: %d %s", q, code, body)
			}
		}
	})
}
