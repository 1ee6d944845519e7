package formats

import (
	"bytes"
	"encoding/csv"
	"reflect"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/supplyhub/supplyhub/internal/domain"
)

// fuzzOpts keeps fuzz inputs small enough to hit the row limit too.
func fuzzOpts() DecodeOptions { return DecodeOptions{MaxRows: 50, MaxBytes: 64 << 10} }

// checkStatusFile holds for any file a decoder accepted: rows are valid,
// every record is accounted for once, and the rejected rows render as a
// CSV that parses back and cannot run formulas.
func checkStatusFile(t *testing.T, f *StatusFile, decode func() (*StatusFile, error)) {
	t.Helper()
	if len(f.Rows)+len(f.Errors) > fuzzOpts().MaxRows {
		t.Fatalf("%d rows + %d errors past MaxRows %d", len(f.Rows), len(f.Errors), fuzzOpts().MaxRows)
	}
	seen := map[int]bool{}
	for _, r := range f.Rows {
		if r.Row < 1 || seen[r.Row] {
			t.Fatalf("row number %d is invalid or repeated", r.Row)
		}
		seen[r.Row] = true
		if r.SupplierOrderNumber == "" || r.SupplierOrderNumber != strings.TrimSpace(r.SupplierOrderNumber) {
			t.Fatalf("row %d: supplier order number %q", r.Row, r.SupplierOrderNumber)
		}
		if !slices.Contains(supplierStatuses(), r.Status) {
			t.Fatalf("row %d: status %q", r.Row, r.Status)
		}
		if r.TrackingURL != "" && checkTrackingURL(r.TrackingURL) != nil {
			t.Fatalf("row %d: tracking url %q", r.Row, r.TrackingURL)
		}
		if r.Quantity < 0 || (r.Quantity > 0 && r.SKU == "") {
			t.Fatalf("row %d: quantity %d sku %q", r.Row, r.Quantity, r.SKU)
		}
		for _, s := range []string{r.SupplierOrderNumber, r.Status, r.Carrier, r.TrackingNumber, r.TrackingURL, r.SKU} {
			if !utf8.ValidString(s) || hasControl(s, false) {
				t.Fatalf("row %d: field %q is not clean text", r.Row, s)
			}
		}
		if !utf8.ValidString(r.Note) || hasControl(r.Note, true) {
			t.Fatalf("row %d: note %q is not clean text", r.Row, r.Note)
		}
	}
	for _, e := range f.Errors {
		if e.Row < 1 || e.Reason == "" {
			t.Fatalf("row error %+v", e)
		}
	}

	again, err := decode()
	if err != nil || !reflect.DeepEqual(f, again) {
		t.Fatalf("decoding twice differs: %v", err)
	}

	var buf bytes.Buffer
	if err := WriteErrorsCSV(&buf, f.Header, f.Errors); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatalf("errors file does not parse: %v\n%q", err, buf.String())
	}
	if len(recs) != len(f.Errors)+1 {
		t.Fatalf("errors file has %d records, want %d", len(recs), len(f.Errors)+1)
	}
	for _, rec := range recs {
		for _, cell := range rec {
			if cell != "" && isFormulaStart(cell[0]) {
				t.Fatalf("errors file cell %q starts with a formula character", cell)
			}
		}
	}
}

func FuzzDecodeStatusCSV(f *testing.F) {
	seeds := []string{
		"supplier_order_number,status,note,carrier,tracking_number,tracking_url,sku,quantity,shipped_at\r\n22-31,shipped,two parcels,DHL,0034,https://dhl.example/t,TS-1,2,2026-03-14T09:30:00Z\r\n",
		"\xEF\xBB\xBFOrder;State;Tracking;QTY;SKU;Ship Date\n22-31;Shipped;00340;1;A;14.03.2026\n",
		"order\tstatus\n1\tdelivered\n",
		"order,status,quantity,sku\n1,shipped,-1,A\n,shipped,,\n2,ship\"ped,,\n3,\"x\"y,,\n4,shipped\n",
		"order,status,note\n1,shipped,\"multi\nline\"\n=2,lost,@home\n",
		"order,status,note\n1,shipped,caf\xe9\n2,shipped,a\x00b\n",
		utf16le("order\tstatus\r\n1\tshipped\r\n"),
		"order,status\n\"unterminated\n",
		"order,supplier_order_number,status\n",
		"",
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		decode := func() (*StatusFile, error) { return DecodeStatusCSV(bytes.NewReader(data), fuzzOpts()) }
		file, err := decode()
		if err != nil {
			return
		}
		checkStatusFile(t, file, decode)
		for _, e := range file.Errors {
			if len(e.Raw) == 0 {
				t.Fatalf("csv row error without raw fields: %+v", e)
			}
		}
	})
}

func FuzzDecodeStatusJSON(f *testing.F) {
	seeds := []string{
		`[{"supplier_order_number":"22-31","status":"shipped","tracking":"0034","qty":2,"sku":"A","shipped_at":"2026-03-14"}]`,
		`{"supplier":"acme","updates":[{"Order":2231,"Status":"Delivered"}],"n":[1,{"a":2}]}`,
		`[{"order":"1","status":"shipped"},"x",{"order":"3","status":{"x":1}},null,{"order":"4","supplier_order_number":"4","status":"shipped"},{"order":"5","status":"shipped","quantity":2.5,"sku":"A"}]`,
		`{"updates":{}}`,
		`[] []`,
		`[{"order":"1","status":"shipped"}`,
		`[{"order":"\u0000","status":"shipped","tracking_url":"javascript:alert(1)"}]`,
		"\xEF\xBB\xBF[]",
		``,
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		decode := func() (*StatusFile, error) { return DecodeStatusJSON(bytes.NewReader(data), fuzzOpts()) }
		file, err := decode()
		if err != nil {
			return
		}
		checkStatusFile(t, file, decode)
	})
}

func FuzzDecodeStatusXML(f *testing.F) {
	seeds := []string{
		`<?xml version="1.0" encoding="UTF-8"?><status_updates><update><supplier_order_number>22-31</supplier_order_number><status>shipped</status><note><![CDATA[a & <b>]]></note></update></status_updates>`,
		`<updates><update order="1" status="acknowledged"/><update order="2"><State>Shipped</State></update></updates>`,
		`<a><row/><update><order>3</order><status><b>x</b></status></update><update order="4"><order>4</order></update></a>`,
		`<a><update><order>&evil;</order></update></a>`,
		`<?xml version="1.0" encoding="US-ASCII"?><a/>`,
		`<a/><b/>`,
		`<a><update>`,
		``,
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		decode := func() (*StatusFile, error) { return DecodeStatusXML(bytes.NewReader(data), fuzzOpts()) }
		file, err := decode()
		if err != nil {
			return
		}
		checkStatusFile(t, file, decode)
	})
}

// FuzzCSVRoundTrip encodes an order whose free text comes from the fuzzer,
// reads the file back with encoding/csv, and wants every free-text cell
// back (neutralised exactly when it starts with a formula character) and
// no cell that a spreadsheet would run.
func FuzzCSVRoundTrip(f *testing.F) {
	f.Add("=HYPERLINK(\"x\")", "line1\r\nline2 \"q\"", "-SKU", "@k", "+v", "Name", uint8(0), false, false, false, false, int64(-500), 3)
	f.Add("\tTab", "\rCR first", "", "", "", "", uint8(1), true, true, true, true, int64(0), 0)
	f.Add("Zoë 日本語", "a;b,c\td|e", " lead", "k=v; x", "y", "=Hdr", uint8(2), false, true, false, true, int64(-9223372036854775808), -2)
	f.Add("", "", "", "", "", "", uint8(3), true, false, true, false, int64(12), 1)
	f.Add("\xff\xfe", "\"", "'=x", "", "\n", " sp ", uint8(0), false, false, false, false, int64(-1), -1)
	f.Fuzz(func(t *testing.T, name, notes, sku, optKey, optVal, header string, delimIdx uint8, quoteAll, strict, lf, bom bool, discount int64, quantity int) {
		delims := []string{",", ";", "\t", "|", "'", "¦", " "}
		opts := CSVOptions{Delimiter: delims[int(delimIdx)%len(delims)], BOM: bom}
		if quoteAll {
			opts.Quoting = QuotingAll
		}
		if strict {
			opts.Neutralize = NeutralizeStrict
		}
		if lf {
			opts.LineEnding = LineEndingLF
		}
		if header != "" {
			opts.Columns = DefaultColumns()
			opts.Columns[6].Header = header // "name"
		}
		enc, err := New(Spec{CSV: opts})
		if err != nil {
			return // a header equal to another column's is refused, rightly
		}

		so := fixtureOrder()
		so.Order.Notes = notes
		so.Order.Customer.Name = name
		so.Lines[0].Name = name
		so.Lines[0].SKU = sku
		so.Lines[0].Options = map[string]string{optKey: optVal}
		so.Lines[0].Discount = domain.Money(discount)
		so.Lines[0].Quantity = quantity

		var out bytes.Buffer
		if err := enc.Encode(&out, so); err != nil {
			t.Fatal(err)
		}
		var again bytes.Buffer
		if err := enc.Encode(&again, so); err != nil || !bytes.Equal(out.Bytes(), again.Bytes()) {
			t.Fatalf("not deterministic: %v", err)
		}
		data := out.Bytes()
		if bom != bytes.HasPrefix(data, []byte(utf8BOM)) {
			t.Fatalf("BOM %v but file starts %q", bom, data[:min(3, len(data))])
		}
		data = bytes.TrimPrefix(data, []byte(utf8BOM))

		r := csv.NewReader(bytes.NewReader(data))
		r.Comma, _ = utf8.DecodeRuneInString(opts.Delimiter)
		r.FieldsPerRecord = len(DefaultColumns())
		recs, err := r.ReadAll()
		if err != nil {
			t.Fatalf("output does not parse: %v\n%q", err, data)
		}
		if len(recs) != 1+len(so.Lines) {
			t.Fatalf("got %d records, want %d", len(recs), 1+len(so.Lines))
		}

		// encoding/csv folds CRLF inside quoted fields to LF; nothing else
		// may differ.
		want := func(s string) string { return strings.ReplaceAll(NeutralizeCell(s), "\r\n", "\n") }
		wantHeader := "name"
		if header != "" {
			wantHeader = header
		}
		col := func(field string) int {
			return slices.IndexFunc(DefaultColumns(), func(c Column) bool { return c.Field == field })
		}
		checks := []struct {
			got, orig, what string
		}{
			{recs[0][col("name")], wantHeader, "header"},
			{recs[1][col("name")], name, "name"},
			{recs[1][col("customer_name")], name, "customer_name"},
			{recs[2][col("customer_name")], name, "customer_name row 2"},
			{recs[1][col("sku")], sku, "sku"},
			{recs[1][col("options")], optKey + "=" + optVal, "options"},
			{recs[1][col("notes")], notes, "notes"},
			{recs[3][col("notes")], notes, "notes row 3"},
		}
		for _, c := range checks {
			if c.got != want(c.orig) {
				t.Errorf("%s: got %q, want %q", c.what, c.got, want(c.orig))
			}
		}

		numeric := map[int]bool{}
		for _, d := range []string{"quantity", "unit_price", "discount", "line_total", "shipping"} {
			numeric[col(d)] = true
		}
		for ri, rec := range recs {
			for ci, cell := range rec {
				if cell == "" || !isFormulaStart(cell[0]) {
					continue
				}
				if ri > 0 && numeric[ci] && !strict && isPlainNumber(cell) {
					continue // our own negative number, exempt by default
				}
				t.Errorf("record %d column %d: %q starts with a formula character", ri, ci, cell)
			}
		}
	})
}
