package api_test

import (
	"bytes"
	"encoding/json"
	"io/fs"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/supplyhub/supplyhub/internal/app/apptest"
	"github.com/supplyhub/supplyhub/internal/store/storetest"
)

// rawOrder is order(ext) as JSON with the literal bytes raw in place of
// the string "@RAW@" (so raw may hold invalid UTF-8, which json.Marshal
// would rewrite).
func rawOrder(t *testing.T, o map[string]any, raw string) []byte {
	t.Helper()
	b, err := json.Marshal(o)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b, []byte("@RAW@")) {
		t.Fatalf("no @RAW@ in %s", b)
	}
	return bytes.ReplaceAll(b, []byte("@RAW@"), []byte(raw))
}

// Two external ids that differ only in invalid bytes used to decode to the
// same U+FFFD text: the second order was answered 200 with the first one's
// number and silently dropped.
func TestInvalidUTF8ExternalIDsAreRefused(t *testing.T) {
	storetest.Each(t, func(t *testing.T, kind string) {
		d := apptest.Start(t, kind)
		acme := d.Keys["retailer:acme"]
		for _, id := range []string{"U\xff\xfe1", "U\xfe\xff1"} {
			code, _, body := d.Do(t, "POST", "/api/v1/orders", acme, rawOrder(t, order("@RAW@"), id))
			if code != http.StatusUnprocessableEntity {
				t.Fatalf("external_id %q: status %d, want 422: %s", id, code, body)
			}
			wantField(t, body, "external_id")
		}
	})
}

// wantField fails unless the error body names field.
func wantField(t *testing.T, body []byte, field string) {
	t.Helper()
	var e errBody
	if err := json.Unmarshal(body, &e); err != nil {
		t.Fatalf("error body is not JSON: %s", body)
	}
	for _, f := range e.Error.Fields {
		if f.Field == field {
			return
		}
	}
	t.Errorf("fields %+v lack %q", e.Error.Fields, field)
}

// edit returns order(ext) as JSON with old replaced by new (once); the
// test fails if old is absent, so a case cannot silently test nothing.
func edit(t *testing.T, ext string, pairs ...string) []byte {
	t.Helper()
	b, err := json.Marshal(order(ext))
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(pairs); i += 2 {
		if !bytes.Contains(b, []byte(pairs[i])) {
			t.Fatalf("%q not in %s", pairs[i], b)
		}
		b = bytes.Replace(b, []byte(pairs[i]), []byte(pairs[i+1]), 1)
	}
	return b
}

// manyLines returns order(ext) with n copies of line.
func manyLines(ext string, n int, line map[string]any) map[string]any {
	o := order(ext)
	lines := make([]any, n)
	for i := range lines {
		lines[i] = line
	}
	o["lines"] = lines
	delete(o, "shipping")
	return o
}

// TestOrderAbuse posts hostile order bodies to the real daemon: every one
// gets a clear 413 or 422 that names the field, and none is stored.
func TestOrderAbuse(t *testing.T) {
	storetest.Each(t, func(t *testing.T, kind string) {
		d := apptest.Start(t, kind)
		acme := d.Keys["retailer:acme"]
		with := func(mut func(o map[string]any)) map[string]any { o := order("AB-1"); mut(o); return o }
		line := func(o map[string]any, i int) map[string]any { return o["lines"].([]any)[i].(map[string]any) }
		hammer := map[string]any{"sku": "HAM-1", "supplier": "31", "name": "Hammer", "quantity": 1, "unit_price": 100}
		huge := map[string]any{"sku": "HAM-1", "supplier": "31", "name": "Hammer", "quantity": 1_000_000, "unit_price": 100_000_000_000}
		cases := []struct {
			name   string
			body   any
			status int
			field  string
		}{
			// Size and shape.
			{"oversized body", `{"notes":"` + strings.Repeat("x", 2<<20) + `"}`, 413, ""},
			{"100k nested arrays", strings.Repeat("[", 100_000), 422, "(body)"},
			{"100k nested arrays in a field", `{"notes":` + strings.Repeat("[", 100_000), 422, "notes"},
			{"50k nested objects", strings.Repeat(`{"customer":`, 50_000), 422, "customer.customer"},
			{"1001 lines", manyLines("AB-1", 1001, hammer), 422, "lines"},
			{"trailing data", string(edit(t, "AB-1")) + `{}`, 422, "(body)"},
			// Ambiguity.
			{"duplicate top-level key", edit(t, "AB-1", `{"currency"`, `{"external_id":"AB-2","currency"`), 422, "external_id"},
			{"duplicate nested key", edit(t, "AB-1", `"customer":{`, `"customer":{"name":"Eve",`), 422, "customer.name"},
			{"duplicate shipping key", edit(t, "AB-1", `"shipping":{"31":500}`, `"shipping":{"31":500,"31":1}`), 422, "shipping.31"},
			{"key differing in case", edit(t, "AB-1", `{"currency"`, `{"Currency":"USD","currency"`), 422, "Currency"},
			// Invalid UTF-8 anywhere.
			{"invalid UTF-8 line name", edit(t, "AB-1", `"Hammer"`, "\"Ham\xc3\""), 422, "lines[0].name"},
			{"invalid UTF-8 customer name", edit(t, "AB-1", `"name":"Zoë Martin","phone"`, "\"name\":\"Zo\xe9\",\"phone\""), 422, "customer.name"},
			{"invalid UTF-8 options key", edit(t, "AB-1", `"name":"Hammer",`, "\"name\":\"Hammer\",\"options\":{\"col\xffour\":\"red\"},"), 422, "lines[0].options"},
			{"invalid UTF-8 shipping key", edit(t, "AB-1", `"shipping":{"31":500}`, "\"shipping\":{\"3\xff\":500}"), 422, "shipping"},
			{"lone surrogate escape", edit(t, "AB-1", `"AB-1"`, `"AB-\udc00"`), 422, "external_id"},
			// Types, indexed paths.
			{"string quantity", with(func(o map[string]any) { line(o, 1)["quantity"] = "1" }), 422, "lines[1].quantity"},
			{"customer email number", with(func(o map[string]any) { o["customer"].(map[string]any)["email"] = 5 }), 422, "customer.email"},
			{"shipping string", with(func(o map[string]any) { o["shipping"] = map[string]any{"31": "x"} }), 422, "shipping.31"},
			// Numbers.
			{"negative quantity", with(func(o map[string]any) { line(o, 0)["quantity"] = -1 }), 422, "lines[0].quantity"},
			{"quantity over int64", edit(t, "AB-1", `"quantity":2`, `"quantity":99999999999999999999`), 422, "lines[0].quantity"},
			{"quantity over the maximum", with(func(o map[string]any) { line(o, 0)["quantity"] = 1_000_001 }), 422, "lines[0].quantity"},
			{"negative price", with(func(o map[string]any) { line(o, 0)["unit_price"] = -1 }), 422, "lines[0].unit_price"},
			{"price over int64", with(func(o map[string]any) { line(o, 0)["unit_price"] = "92233720368547758.08" }), 422, "lines[0].unit_price"},
			{"price at int64 max", with(func(o map[string]any) { line(o, 0)["unit_price"] = int64(math.MaxInt64) }), 422, "lines[0].unit_price"},
			{"negative discount", with(func(o map[string]any) { line(o, 1)["discount"] = -5 }), 422, "lines[1].discount"},
			{"negative shipping", with(func(o map[string]any) { o["shipping"] = map[string]any{"31": -1} }), 422, "shipping.31"},
			// 100 × 1e6 × 1e11 = 1e19 minor units: past int64, it used to wrap.
			{"order total over int64", manyLines("AB-1", 100, huge), 422, "lines"},
			{"order total over the cap", manyLines("AB-1", 2, huge), 422, "lines"},
			// Header injection through one-line fields.
			{"CRLF in customer name", with(func(o map[string]any) { o["customer"].(map[string]any)["name"] = "Zoë\r\nBcc: evil@example.com" }), 422, "customer.name"},
			{"LF in external_id", with(func(o map[string]any) { o["external_id"] = "AB-1\nX-Evil: 1" }), 422, "external_id"},
			{"CR in line name", with(func(o map[string]any) { line(o, 0)["name"] = "Hammer\rBcc: x" }), 422, "lines[0].name"},
			{"LF in email", with(func(o map[string]any) { o["customer"].(map[string]any)["email"] = "a@b.example\nBcc: c@d.example" }), 422, "customer.email"},
			{"LF in address", with(func(o map[string]any) { o["shipping_address"].(map[string]any)["line1"] = "1 rue\nx" }), 422, "shipping_address.line1"},
			{"LF in option value", with(func(o map[string]any) { line(o, 0)["options"] = map[string]any{"colour": "red\nBcc: x"} }), 422, "lines[0].options.colour"},
			{"NUL in notes", with(func(o map[string]any) { o["notes"] = "a\x00b" }), 422, "notes"},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				code, _, body := d.Do(t, "POST", "/api/v1/orders", acme, tc.body)
				if code != tc.status {
					t.Fatalf("status %d, want %d: %.300s", code, tc.status, body)
				}
				if tc.field != "" {
					wantField(t, body, tc.field)
				}
			})
		}
		_, _, body := d.Do(t, "GET", "/api/v1/orders", acme, nil)
		if !strings.Contains(string(body), `"orders":[]`) {
			t.Errorf("refused orders were stored: %.500s", body)
		}
		// The limits are inclusive: 1,000 lines and a multi-line note pass.
		ok := manyLines("AB-OK", 1000, hammer)
		ok["notes"] = "ring twice\r\nthen wait\tplease"
		if code, _, body := d.Do(t, "POST", "/api/v1/orders", acme, ok); code != http.StatusCreated {
			t.Fatalf("1,000 lines: status %d: %.300s", code, body)
		}
	})
}

// TestStatusAndAdminAbuse sends hostile bodies to the other endpoints with
// a body: they share the order decoder's rules.
func TestStatusAndAdminAbuse(t *testing.T) {
	storetest.Each(t, func(t *testing.T, kind string) {
		d := apptest.Start(t, kind)
		_, _, body := d.Do(t, "POST", "/api/v1/orders", d.Keys["retailer:acme"], order("SA-1"))
		var o orderBody
		if err := json.Unmarshal(body, &o); err != nil || o.Number == "" {
			t.Fatalf("order: %s", body)
		}
		sup := "/api/v1/supplier/orders/" + o.Number + "-31"
		cases := []struct {
			name, path, key string
			body            any
			status          int
			field           string
		}{
			{"status: invalid UTF-8 note", sup + "/status", "supplier:31", "{\"note\":\"n\xff\"}", 422, "note"},
			{"status: duplicate status", sup + "/status", "supplier:31", `{"status":"shipped","status":"cancelled","note":"x"}`, 422, "status"},
			{"status: CRLF in tracking number", sup + "/status", "supplier:31",
				map[string]any{"status": "shipped", "tracking": map[string]any{"carrier": "DHL", "number": "1\r\nBcc: x"}}, 422, "tracking.number"},
			{"status: typed line", sup + "/status", "supplier:31", `{"status":"shipped","lines":[{"sku":"A","quantity":1},{"sku":"B","quantity":"x"}]}`, 422, "lines[1].quantity"},
			{"status: unknown field", sup + "/status", "supplier:31", `{"status":"shipped","colour":1}`, 422, "colour"},
			{"status: nesting", sup + "/status", "supplier:31", `{"tracking":` + strings.Repeat("[", 100_000), 422, "tracking"},
			{"status: oversized", sup + "/status", "supplier:31", `{"note":"` + strings.Repeat("x", 2<<20) + `"}`, 413, ""},
			{"supplier cancel: lone surrogate", sup + "/cancel", "supplier:31", `{"note":"\ud800"}`, 422, "note"},
			{"supplier cancel: NUL in note", sup + "/cancel", "supplier:31", `{"note":"a\u0000b"}`, 422, "note"},
			{"retailer cancel: duplicate note", "/api/v1/orders/" + o.Number + "/cancel", "retailer:acme", `{"note":"a","note":"b"}`, 422, "note"},
			{"retailer cancel: invalid UTF-8", "/api/v1/orders/" + o.Number + "/cancel", "retailer:acme", "{\"note\":\"ok\",\"supplier_order\":\"\xfe\"}", 422, "supplier_order"},
			{"admin replay: typed id", "/api/v1/admin/deliveries/replay", "admin", `{"ids":[1,"x"]}`, 422, "ids[1]"},
			{"admin replay: duplicate ids", "/api/v1/admin/deliveries/replay", "admin", `{"ids":[1],"ids":[2]}`, 422, "ids"},
			{"admin replay: invalid UTF-8 endpoint", "/api/v1/admin/deliveries/replay", "admin", "{\"endpoint\":\"31/\xff\",\"since\":\"2026-01-01T00:00:00Z\"}", 422, "endpoint"},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				code, _, body := d.Do(t, "POST", tc.path, d.Keys[tc.key], tc.body)
				if code != tc.status {
					t.Fatalf("status %d, want %d: %.300s", code, tc.status, body)
				}
				if tc.field != "" {
					wantField(t, body, tc.field)
				}
			})
		}
		// Nothing above changed the supplier order.
		code, _, body := d.Do(t, "GET", sup+"/history", d.Keys["supplier:31"], nil)
		if code != 200 || strings.Contains(string(body), "cancelled") || strings.Contains(string(body), "shipped") {
			t.Errorf("history after refused updates: %d %.500s", code, body)
		}
	})
}

// TestHostileIDsStayInTheOutbox posts an order whose external id is a path:
// it is a valid id, and the file channel still writes only inside the
// supplier's outbox, under the supplier order number.
func TestHostileIDsStayInTheOutbox(t *testing.T) {
	storetest.Each(t, func(t *testing.T, kind string) {
		d := apptest.Start(t, kind)
		code, _, body := d.Do(t, "POST", "/api/v1/orders", d.Keys["retailer:acme"], order("../../../../tmp/evil"))
		if code != http.StatusCreated {
			t.Fatalf("status %d: %s", code, body)
		}
		var o orderBody
		if err := json.Unmarshal(body, &o); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(d.Outbox("31"), o.Number+"-31.json")
		apptest.Eventually(t, 5*time.Second, path, func() bool { _, err := os.Stat(path); return err == nil })
		err := filepath.WalkDir(d.DataDir, func(p string, e fs.DirEntry, err error) error {
			if err == nil && !e.IsDir() && strings.Contains(p, "outbox") && filepath.Dir(filepath.Dir(p)) != filepath.Join(d.DataDir, "outbox") {
				t.Errorf("file outside a supplier outbox: %s", p)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(filepath.Join(d.DataDir, "..", "..", "..", "..", "tmp", "evil.json")); err == nil {
			t.Error("a file was written at the external id's path")
		}
	})
}

// TestSupplierCSVNeutralisesEveryTextField sets every text field of an
// order to something a spreadsheet would run, pulls the supplier's CSV,
// and checks that no cell starts a formula.
func TestSupplierCSVNeutralisesEveryTextField(t *testing.T) {
	storetest.Each(t, func(t *testing.T, kind string) {
		d := apptest.Start(t, kind)
		o := order("=1+1")
		prefixes := []string{"=", "+", "-", "@"}
		n := 0
		evil := func(v string) string { n++; return prefixes[n%len(prefixes)] + v }
		for _, m := range []map[string]any{o["customer"].(map[string]any), o["shipping_address"].(map[string]any)} {
			for k := range m {
				if k != "country" && k != "email" {
					m[k] = evil(k)
				}
			}
		}
		m := o["shipping_address"].(map[string]any)
		m["company"], m["line2"], m["region"] = evil("company"), evil("line2"), evil("region")
		o["customer"].(map[string]any)["type"] = "b2b"
		o["customer"].(map[string]any)["company"] = evil(`HYPERLINK("http://evil.example","x")`)
		o["notes"] = evil("notes")
		l := o["lines"].([]any)[0].(map[string]any)
		l["sku"], l["name"], l["options"] = evil("sku"), evil("name"), map[string]any{"colour": evil("red")}
		code, _, body := d.Do(t, "POST", "/api/v1/orders", d.Keys["retailer:acme"], o)
		if code != http.StatusCreated {
			t.Fatalf("post: %d %s", code, body)
		}
		code, _, body = getAccept(t, d, "/api/v1/supplier/orders?by=created", d.Keys["supplier:31"], "text/csv")
		if code != http.StatusOK {
			t.Fatalf("CSV: %d %s", code, body)
		}
		recs := readCSV(t, body)
		if len(recs) != 2 {
			t.Fatalf("want a header and one row:\n%s", body)
		}
		neutralised := 0
		for i, cell := range recs[1] {
			if cell != "" && strings.ContainsRune("=+-@", rune(cell[0])) {
				t.Errorf("column %s starts a formula: %q", recs[0][i], cell)
			}
			if strings.HasPrefix(cell, "'") {
				neutralised++
			}
		}
		if neutralised < 5 {
			t.Errorf("only %d cells neutralised; the hostile fields are not in the CSV?\n%s", neutralised, body)
		}
	})
}

// Invalid UTF-8 in a query parameter or the Idempotency-Key header is a
// 400 naming it, on every route, before the handler could store or
// compare it.
func TestInvalidUTF8QueryAndHeaderAreRefused(t *testing.T) {
	d := apptest.Start(t, "sqlite")
	acme := d.Keys["retailer:acme"]
	sup := d.Keys["supplier:31"]
	cases := []struct {
		method, path, key, header, field string
	}{
		{"GET", "/api/v1/orders?status=%ff", acme, "", "status"},
		{"GET", "/api/v1/orders?cursor=ok&cursor=%fe%ff", acme, "", "cursor"},
		{"GET", "/api/v1/supplier/orders?since=%c3", sup, "", "since"},
		{"GET", "/api/v1/orders?%ff=1", acme, "", "query"},
		{"POST", "/api/v1/orders", acme, "K\xff1", "Idempotency-Key"},
	}
	for _, c := range cases {
		req, err := http.NewRequest(c.method, d.URL+c.path, bytes.NewReader(mustJSON(t, order("UTF8-Q"))))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+c.key)
		req.Header.Set("Content-Type", "application/json")
		if c.header != "" {
			req.Header.Set("Idempotency-Key", c.header)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		_, _ = buf.ReadFrom(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("%s %s: status %d, want 400: %s", c.method, c.path, resp.StatusCode, buf.Bytes())
			continue
		}
		wantField(t, buf.Bytes(), c.field)
	}
	// The order was never stored under the bad key.
	if code, _, body := d.Do(t, "GET", "/api/v1/orders", acme, nil); code == 200 && bytes.Contains(body, []byte("UTF8-Q")) {
		t.Errorf("an order sent with an invalid Idempotency-Key was stored: %s", body)
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
