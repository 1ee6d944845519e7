package formats

import (
	"bytes"
	"strings"
	"testing"
)

func TestDecodeCatalogCSV(t *testing.T) {
	in := "SKU;Name;Price;Currency;For sale;Stock;Restock date\r\n" +
		"A-1;Hammer;1250;EUR;yes;3;\r\n" +
		"B-2;Saw;990;EUR;no;;2026-12-24\r\n" +
		"C-3;Drill;12.50;EUR;maybe;-1;\r\n" +
		";;;;;;\r\n"
	f, err := DecodeCatalogCSV(strings.NewReader(in), DecodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Rows) != 2 || len(f.Errors) != 1 {
		t.Fatalf("rows %+v errors %+v", f.Rows, f.Errors)
	}
	a, b := f.Rows[0], f.Rows[1]
	if a.SKU != "A-1" || a.Price != 1250 || !a.ForSale || a.Stock == nil || *a.Stock != 3 || a.Row != 2 {
		t.Errorf("row A: %+v", a)
	}
	if b.ForSale || b.Stock != nil || b.RestockDate != "2026-12-24" {
		t.Errorf("row B: %+v (empty stock must read as not tracked)", b)
	}
	e := f.Errors[0]
	for _, want := range []string{"price must be a whole number", "for_sale must be true or false", "stock must be"} {
		if !strings.Contains(e.Reason, want) {
			t.Errorf("row C reason %q lacks %q", e.Reason, want)
		}
	}
}

func TestDecodeCatalogRefusesWholeFile(t *testing.T) {
	tests := []struct{ name, format, in, want string }{
		{"misspelt column", "csv", "sku,name,price,currency,stok\nA,B,1,EUR,3\n", `unknown column "stok"`},
		{"missing column", "csv", "sku,name,price\nA,B,1\n", `"currency" column is required`},
		{"twice", "csv", "sku,name,price,currency,qty,stock\n", `column "stock" given twice`},
		{"empty", "csv", "  \n", "empty"},
		{"json shape", "json", `{"products": []}`, `unknown key "products"`},
		{"json syntax", "json", `[{"sku": }]`, "catalog json"},
		{"format", "xml", `<x/>`, "unknown catalog format"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := DecodeCatalog(tc.format, strings.NewReader(tc.in), DecodeOptions{})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err %v, want one saying %q", err, tc.want)
			}
		})
	}
}

func TestDecodeCatalogJSON(t *testing.T) {
	in := `{"items": [
		{"sku": "A-1", "name": "Hammer", "price": 1250, "currency": "EUR", "stock": 2},
		{"sku": "B-2", "name": "Saw", "price": 990, "currency": "EUR", "stock": null, "for_sale": false},
		{"sku": "C-3", "name": "Drill", "price": "1250", "currency": "EUR"},
		{"sku": "D-4", "name": "X", "price": 1, "currency": "EUR", "colour": "red"},
		{"sku": "E-5", "sku": "E-6", "name": "X", "price": 1, "currency": "EUR"}
	]}`
	f, err := DecodeCatalogJSON(strings.NewReader(in), DecodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Rows) != 2 || len(f.Errors) != 3 {
		t.Fatalf("rows %+v errors %+v", f.Rows, f.Errors)
	}
	if f.Rows[0].Stock == nil || *f.Rows[0].Stock != 2 || f.Rows[1].Stock != nil || f.Rows[1].ForSale {
		t.Errorf("rows %+v", f.Rows)
	}
	for i, want := range []string{"price must be a JSON integer", `unknown key "colour"`, `key "sku" given twice`} {
		if !strings.Contains(f.Errors[i].Reason, want) || f.Errors[i].Row != i+3 {
			t.Errorf("error %d: %+v, want row %d saying %q", i, f.Errors[i], i+3, want)
		}
	}
}

// TestCatalogErrorsReportNeutralised: a formula in a rejected row reaches
// the errors report as text, not as a formula.
func TestCatalogErrorsReportNeutralised(t *testing.T) {
	f, err := DecodeCatalogCSV(strings.NewReader("sku,name,price,currency\n=HYPERLINK(\"x\"),n,abc,EUR\n"), DecodeOptions{})
	if err != nil || len(f.Errors) != 1 {
		t.Fatalf("%v %+v", err, f)
	}
	var buf bytes.Buffer
	if err := WriteErrorsCSV(&buf, f.Header, f.Errors); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(buf.String(), "\n=HYPERLINK") || !strings.Contains(buf.String(), "'=HYPERLINK") {
		t.Errorf("report not neutralised:\n%s", buf.String())
	}
}

func FuzzDecodeCatalog(f *testing.F) {
	f.Add("csv", []byte("sku,name,price,currency,stock\nA,B,1,EUR,2\n"))
	f.Add("json", []byte(`[{"sku":"A","name":"B","price":1,"currency":"EUR","stock":null}]`))
	f.Add("json", []byte(`{"items":[{"sku":"A","for_sale":true}]}`))
	f.Fuzz(func(t *testing.T, format string, data []byte) {
		file, err := DecodeCatalog(format, bytes.NewReader(data), DecodeOptions{MaxRows: 100, MaxBytes: 1 << 16})
		if err != nil {
			return
		}
		for _, r := range file.Rows {
			if r.SKU == "" || r.Price < 0 || (r.Stock != nil && *r.Stock < 0) {
				t.Fatalf("decoder let through %+v", r)
			}
		}
	})
}
