package api_test

import (
	"bytes"
	"encoding/csv"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/supplyhub/supplyhub/formats"
	"github.com/supplyhub/supplyhub/internal/app/apptest"
	"github.com/supplyhub/supplyhub/internal/store/storetest"
)

// getAccept sends a GET with the key and an Accept header.
func getAccept(t *testing.T, d *apptest.Daemon, path, key, accept string) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequest("GET", d.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Accept", accept)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, body
}

func readCSV(t *testing.T, body []byte) [][]string {
	t.Helper()
	recs, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatalf("not CSV: %v\n%s", err, body)
	}
	return recs
}

func TestSupplierOrdersCSV(t *testing.T) {
	storetest.Each(t, func(t *testing.T, kind string) {
		d := apptest.Start(t, kind)
		k31 := d.Keys["supplier:31"]
		// Two lines for 31, a customer name a spreadsheet would run.
		evil := order("CSV-1")
		evil["customer"].(map[string]any)["name"] = `=HYPERLINK("http://evil.example","x")`
		evil["notes"] = "+1 call first"
		lines := evil["lines"].([]any)
		evil["lines"] = append(lines, map[string]any{"sku": "SAW-2", "supplier": "31", "name": "@Saw", "quantity": 1, "unit_price": 999})
		code, _, body := d.Do(t, "POST", "/api/v1/orders", d.Keys["retailer:acme"], evil)
		if code != 201 {
			t.Fatalf("post: %d %s", code, body)
		}
		numbers := postOrders(t, d, "CSV-PLAIN", 1)

		var header []string
		for _, c := range formats.DefaultColumns() {
			header = append(header, c.Header)
		}
		col := func(name string) int { return slices.Index(header, name) }

		code, hdr, body := getAccept(t, d, "/api/v1/supplier/orders?by=created", k31, "text/csv")
		if code != 200 || hdr.Get("Content-Type") != "text/csv; charset=utf-8" {
			t.Fatalf("list as CSV: %d %q %s", code, hdr.Get("Content-Type"), body)
		}
		recs := readCSV(t, body)
		if len(recs) != 1+3 || !slices.Equal(recs[0], header) {
			t.Fatalf("want the default header and 3 rows (2 + 1 lines):\n%s", body)
		}
		for _, r := range recs[1:] {
			if slices.Equal(r, header) {
				t.Errorf("header repeated:\n%s", body)
			}
		}
		first := recs[1]
		if first[col("supplier_order_number")] == "" || first[col("sku")] != "HAM-1" || recs[2][col("sku")] != "SAW-2" ||
			recs[3][col("supplier_order_number")] != numbers[0]+"-31" {
			t.Errorf("rows:\n%s", body)
		}
		if got := first[col("customer_name")]; got != `'=HYPERLINK("http://evil.example","x")` {
			t.Errorf("customer_name not neutralised: %q", got)
		}
		if got := first[col("notes")]; got != "'+1 call first" {
			t.Errorf("notes not neutralised: %q", got)
		}
		if got := recs[2][col("name")]; got != "'@Saw" {
			t.Errorf("line name not neutralised: %q", got)
		}
		if strings.Contains(string(body), "PNT-9") {
			t.Errorf("CSV carries 40's line:\n%s", body)
		}

		// Paging: the cursor is in the Link header only.
		code, hdr, body = getAccept(t, d, "/api/v1/supplier/orders?by=created&limit=1", k31, "text/csv")
		next := nextLink(hdr)
		if code != 200 || next == "" || len(readCSV(t, body)) != 3 {
			t.Fatalf("first CSV page: %d Link %q\n%s", code, hdr.Get("Link"), body)
		}
		code, hdr, body = getAccept(t, d, next, k31, "text/csv")
		if recs := readCSV(t, body); code != 200 || len(recs) != 2 || recs[1][col("supplier_order_number")] != numbers[0]+"-31" {
			t.Errorf("second CSV page: %d\n%s", code, body)
		}
		if nextLink(hdr) != "" {
			t.Errorf("last page has a Link: %s", hdr.Get("Link"))
		}

		// One order.
		number := recs[1][col("supplier_order_number")]
		code, hdr, body = getAccept(t, d, "/api/v1/supplier/orders/"+number, k31, "text/csv")
		if recs := readCSV(t, body); code != 200 || hdr.Get("Content-Type") != "text/csv; charset=utf-8" || len(recs) != 3 {
			t.Errorf("one order as CSV: %d\n%s", code, body)
		}

		// JSON unless CSV is preferred; errors stay JSON.
		for accept, wantCSV := range map[string]bool{
			"":                                       false,
			"*/*":                                    false,
			"application/json":                       false,
			"application/json, text/csv;q=0.5":       false,
			"text/csv;q=0.9, application/json;q=0.1": true,
			"text/csv, application/json":             true,
			"text/csv;q=0":                           false,
		} {
			_, hdr, _ := getAccept(t, d, "/api/v1/supplier/orders", k31, accept)
			if got := strings.HasPrefix(hdr.Get("Content-Type"), "text/csv"); got != wantCSV {
				t.Errorf("Accept %q: Content-Type %q", accept, hdr.Get("Content-Type"))
			}
		}
		code, hdr, _ = getAccept(t, d, "/api/v1/supplier/orders?limit=0", k31, "text/csv")
		if code != 400 || !strings.HasPrefix(hdr.Get("Content-Type"), "application/json") {
			t.Errorf("error as CSV request: %d %q", code, hdr.Get("Content-Type"))
		}
	})
}
