package formats

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
)

// rowSummary is what the decoder tests compare: row number and the fields
// that were set, so table entries stay short.
func rowSummary(r StatusRow) string {
	s := fmt.Sprintf("%d %s %s", r.Row, r.SupplierOrderNumber, r.Status)
	add := func(k, v string) {
		if v != "" {
			s += " " + k + "=" + v
		}
	}
	add("note", r.Note)
	add("carrier", r.Carrier)
	add("tracking", r.TrackingNumber)
	add("url", r.TrackingURL)
	add("sku", r.SKU)
	if r.Quantity != 0 {
		add("qty", fmt.Sprint(r.Quantity))
	}
	if !r.ShippedAt.IsZero() {
		add("shipped", r.ShippedAt.Format(time.RFC3339))
	}
	if r.Line != 0 {
		add("line", fmt.Sprint(r.Line))
	}
	if !r.ExpectedDate.IsZero() {
		add("expected", r.ExpectedDate.Format("2006-01-02"))
	}
	add("reason", r.ReasonCode)
	return s
}

func errSummary(e RowError) string { return fmt.Sprintf("%d %s", e.Row, e.Reason) }

type decodeCase struct {
	name    string
	in      string
	rows    []string // rowSummary of each good row
	errs    []string // substrings: "N reason-part" per row error, in order
	fileErr string   // substring of a whole-file error
}

func runDecodeCases(t *testing.T, decode func(string) (*StatusFile, error), cases []decodeCase) {
	t.Helper()
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			f, err := decode(tt.in)
			if tt.fileErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.fileErr) {
					t.Fatalf("got error %v, want one containing %q", err, tt.fileErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var rows []string
			for _, r := range f.Rows {
				rows = append(rows, rowSummary(r))
			}
			if !reflect.DeepEqual(rows, tt.rows) {
				t.Errorf("rows:\n got %q\nwant %q", rows, tt.rows)
			}
			if len(f.Errors) != len(tt.errs) {
				t.Fatalf("errors: got %d %v, want %d %q", len(f.Errors), f.Errors, len(tt.errs), tt.errs)
			}
			for i, e := range f.Errors {
				if got := errSummary(e); !strings.HasPrefix(got, tt.errs[i][:strings.Index(tt.errs[i], " ")+1]) || !strings.Contains(got, tt.errs[i][strings.Index(tt.errs[i], " ")+1:]) {
					t.Errorf("error %d: got %q, want %q", i, got, tt.errs[i])
				}
			}
		})
	}
}

func TestDecodeStatusCSV(t *testing.T) {
	decode := func(s string) (*StatusFile, error) { return DecodeStatusCSV(strings.NewReader(s), DecodeOptions{}) }
	runDecodeCases(t, decode, []decodeCase{
		{name: "canonical", in: "supplier_order_number,status,note,carrier,tracking_number,tracking_url,sku,quantity,shipped_at\r\n" +
			"22-31,shipped,two parcels,DHL,0034,https://dhl.example/t?n=0034,TS-1,2,2026-03-14T09:30:00Z\r\n",
			rows: []string{"2 22-31 shipped note=two parcels carrier=DHL tracking=0034 url=https://dhl.example/t?n=0034 sku=TS-1 qty=2 shipped=2026-03-14T09:30:00Z"}},
		{name: "aliases, case, semicolon, BOM", in: "\xEF\xBB\xBFOrder;State;Tracking;Tracking Number2;QTY;SKU;Ship Date\n22-31;Shipped;00340;x;1;A;14.03.2026\n",
			rows: []string{"2 22-31 shipped tracking=00340 sku=A qty=1 shipped=2026-03-14T00:00:00Z"}},
		{name: "tab delimiter, unknown columns kept out", in: "order\tstatus\tcolour\n22-31\tacknowledged\tred\n",
			rows: []string{"2 22-31 acknowledged"}},
		{name: "quoted header with semicolon inside", in: "\"order;x\",status\n22-31,delivered\n", fileErr: "no supplier_order_number column"},
		{name: "status spellings", in: "order,status\n1,Canceled\n2,back-ordered\n3,REJECTED\n4,new\n5,\n",
			rows: []string{"2 1 cancelled", "3 2 backordered", "4 3 rejected"},
			errs: []string{"5 unknown status \"new\"", "6 status is required"}},
		{name: "bad rows do not stop the others", in: "order,status,quantity,sku,tracking_url,shipped_at\n" +
			"1,shipped,,,,\n" +
			",shipped,,,,\n" +
			"3,shipped,-1,A,,\n" +
			"4,shipped,2,,,\n" +
			"5,shipped,,,javascript:alert(1),\n" +
			"6,shipped,,,,03/14/2026\n" +
			"7,shipped,,,,\n" +
			"8,shipped\n" +
			"9,shipped,1.5,A,ftp://x/y,\n" +
			"10,shipped,,,,\n",
			rows: []string{"2 1 shipped", "8 7 shipped", "11 10 shipped"},
			errs: []string{
				"3 supplier_order_number is required",
				"4 quantity \"-1\" is not a positive whole number",
				"5 quantity needs a sku",
				"6 tracking_url: must start with http",
				"7 shipped_at: \"03/14/2026\" is not a date",
				"9 row has 2 fields, the header has 6",
				"10 tracking_url: must start with http:// or https://; quantity \"1.5\" is not a positive whole number",
			}},
		{name: "quote errors are per row", in: "order,status\n1,shipped\n2,ship\"ped\n3,\"shipped\"x\n4,shipped\n",
			rows: []string{"2 1 shipped", "5 4 shipped"},
			errs: []string{"3 bare \"", "4 extraneous or missing \""}},
		{name: "multi-line note keeps its row number", in: "order,status,note\n1,shipped,\"line one\nline two\"\n2,shipped,x\n",
			rows: []string{"2 1 shipped note=line one\nline two", "4 2 shipped note=x"}},
		{name: "blank and empty rows skipped", in: "order,status\n\n1,shipped\n,\n , \n2,shipped\n",
			rows: []string{"3 1 shipped", "6 2 shipped"}},
		{name: "spaces trimmed", in: "order , status \n 22-31 , shipped \n", rows: []string{"2 22-31 shipped"}},
		{name: "invalid utf-8 and control characters", in: "order,status,note,carrier\n1,shipped,caf\xe9,x\n2,shipped,a\tb,D\x00HL\n",
			errs: []string{"2 note is not valid UTF-8", "3 carrier contains control characters"}},
		{name: "too long", in: "order,status,carrier\n1,shipped," + strings.Repeat("x", 600) + "\n", errs: []string{"2 carrier is longer than 512"}},
		{name: "utf-16le with BOM", in: utf16le("order\tstatus\r\n22-31\tshipped\r\n"), rows: []string{"2 22-31 shipped"}},
		{name: "header only", in: "order,status\n"},
		{name: "empty file", in: "", fileErr: "header row is required"},
		{name: "blank file", in: "\n\n  \n", fileErr: "header row is required"},
		{name: "no status column", in: "order,tracking\n1,2\n", fileErr: "no status column"},
		{name: "duplicate alias", in: "order,supplier_order_number,status\n1,1,shipped\n", fileErr: `columns "order" and "supplier_order_number" both mean supplier_order_number`},
		{name: "order_number is not an alias", in: "order_number,status\n1,shipped\n", fileErr: "no supplier_order_number column"},
		{name: "broken header", in: "order,\"status\n", fileErr: "header"},
	})
}

// utf16le encodes ASCII s as UTF-16LE with a BOM, as Excel's "Unicode text".
func utf16le(s string) string {
	b := []byte{0xFF, 0xFE}
	for _, c := range []byte(s) {
		b = append(b, c, 0)
	}
	return string(b)
}

func TestDecodeStatusJSON(t *testing.T) {
	decode := func(s string) (*StatusFile, error) { return DecodeStatusJSON(strings.NewReader(s), DecodeOptions{}) }
	runDecodeCases(t, decode, []decodeCase{
		{name: "array", in: `[{"supplier_order_number":"22-31","status":"shipped","tracking":"0034","qty":2,"sku":"A"}]`,
			rows: []string{"1 22-31 shipped tracking=0034 sku=A qty=2"}},
		{name: "wrapped with metadata", in: `{"supplier":"acme","updates":[{"Order":2231,"Status":"Delivered","shipped_at":"2026-03-14 10:00"}],"count":1}`,
			rows: []string{"1 2231 delivered shipped=2026-03-14T10:00:00Z"}},
		{name: "bad elements", in: `[
			{"order":"1","status":"shipped"},
			"not an object",
			{"order":"3","status":{"x":1}},
			{"order":"4","supplier_order_number":"4","status":"shipped"},
			{"order":"5","status":"lost"},
			null,
			{"order":"7","status":"shipped","quantity":2.5,"sku":"A"},
			{"order":"8","status":"shipped","note":null}
		]`,
			rows: []string{"1 1 shipped", "8 8 shipped"},
			errs: []string{"2 not an object", "3 status: must be a string or a number", `4 keys "order" and "supplier_order_number" both mean`,
				`5 unknown status "lost"`, "6 not an object", `7 quantity "2.5"`}},
		{name: "empty array", in: `[]`},
		{name: "empty updates", in: `{"updates":[]}`},
		{name: "no updates key", in: `{"rows":[]}`, fileErr: `no "updates" array`},
		{name: "updates not an array", in: `{"updates":{}}`, fileErr: `"updates" must be an array`},
		{name: "scalar document", in: `"x"`, fileErr: "want an array"},
		{name: "syntax error", in: `[{"order":"1",}]`, fileErr: "status json"},
		{name: "truncated", in: `[{"order":"1","status":"shipped"}`, fileErr: "unexpected EOF"},
		{name: "trailing data", in: `[] []`, fileErr: "unexpected data after"},
		{name: "trailing garbage", in: `{"updates":[]} x`, fileErr: "unexpected data after"},
		{name: "empty", in: ``, fileErr: "unexpected EOF"},
		{name: "BOM", in: "\xEF\xBB\xBF[]"},
	})
}

func TestDecodeStatusXML(t *testing.T) {
	decode := func(s string) (*StatusFile, error) { return DecodeStatusXML(strings.NewReader(s), DecodeOptions{}) }
	runDecodeCases(t, decode, []decodeCase{
		{name: "elements", in: `<?xml version="1.0" encoding="UTF-8"?>
<status_updates>
  <update>
    <supplier_order_number>22-31</supplier_order_number>
    <status>shipped</status>
    <tracking_url>https://t.example/?a=1&amp;b=2</tracking_url>
    <note><![CDATA[fragile & <heavy>]]></note>
    <extra><nested/></extra>
  </update>
</status_updates>`,
			rows: []string{"1 22-31 shipped note=fragile & <heavy> url=https://t.example/?a=1&b=2"}},
		{name: "attributes and any root", in: `<updates><update order="1" status="acknowledged"/><update order="2"><State>Shipped</State></update></updates>`,
			rows: []string{"1 1 acknowledged", "2 2 shipped"}},
		{name: "bad updates", in: `<status_updates>
  <update><order>1</order><status>shipped</status></update>
  <row><order>2</order><status>shipped</status></row>
  <update><order>3</order><status><b>shipped</b></status></update>
  <update order="4"><order>4</order><status>shipped</status></update>
  <update><status>shipped</status></update>
  <update><order>6</order><status>shipped</status></update>
</status_updates>`,
			rows: []string{"1 1 shipped", "6 6 shipped"},
			errs: []string{"2 unexpected element <row>", "3 <status> must hold text", `4 "order" and "order" both mean`, "5 supplier_order_number is required"}},
		{name: "empty root", in: `<status_updates/>`},
		{name: "malformed", in: `<status_updates><update><order>1</update></status_updates>`, fileErr: "status xml"},
		{name: "truncated", in: `<status_updates><update>`, fileErr: "unexpected EOF"},
		{name: "no root", in: `<?xml version="1.0"?>`, fileErr: "no root element"},
		{name: "empty", in: ``, fileErr: "no root element"},
		{name: "text before root", in: `hello <a/>`, fileErr: "text outside the root"},
		{name: "second root", in: `<a/><b/>`, fileErr: "second root element"},
		{name: "unknown entity", in: `<a><update><order>&evil;</order></update></a>`, fileErr: "status xml"},
		{name: "latin-1 refused", in: `<?xml version="1.0" encoding="ISO-8859-1"?><a/>`, fileErr: "not supported"},
		{name: "ascii accepted", in: `<?xml version="1.0" encoding="US-ASCII"?><a><update order="1" status="shipped"/></a>`, rows: []string{"1 1 shipped"}},
		{name: "deep nesting in a field", in: `<a><update><order>1</order><status>shipped</status><x>` + strings.Repeat("<x>", 10000) + strings.Repeat("</x>", 10000) + `</x></update></a>`,
			rows: []string{"1 1 shipped"}},
	})
}

// TestDecodeStatusLines: per-line rows in every format, and what a line
// row must carry, each problem naming its column.
func TestDecodeStatusLines(t *testing.T) {
	csvDecode := func(s string) (*StatusFile, error) { return DecodeStatusCSV(strings.NewReader(s), DecodeOptions{}) }
	runDecodeCases(t, csvDecode, []decodeCase{
		{name: "csv lines", in: "supplier_order_number,line,status,expected_date,reason_code,note,quantity\n" +
			"22-31,1,backordered,2026-12-20,,,\n" +
			"22-31,2,rejected,,out_of_range,Discontinued,\n" +
			"22-31,3,Quantity Changed,,,only 2 left,2\n" +
			"22-31,4,accepted,,,,\n" +
			"22-31,,acknowledged,,,,\n",
			rows: []string{"2 22-31 backordered line=1 expected=2026-12-20", "3 22-31 rejected note=Discontinued line=2 reason=out_of_range",
				"4 22-31 quantity_changed note=only 2 left qty=2 line=3", "5 22-31 acknowledged line=4", "6 22-31 acknowledged"}},
		{name: "csv line problems", in: "order,line,status,eta,reason,quantity\n" +
			"22-31,1,backordered,,,\n" +
			"22-31,2,rejected,,,\n" +
			"22-31,x,acknowledged,,,\n" +
			"22-31,3,backordered,20.12.2026x,,\n" +
			"22-31,,backordered,2026-12-20,,\n" +
			"22-31,,quantity_changed,,,2\n" +
			"22-31,4,quantity_changed,,,\n" +
			"22-31,4,delivered,,,\n",
			errs: []string{"2 expected_date is required to backorder a line", "3 reason_code or note is required to reject a line",
				`4 line "x" is not a line position`, `5 expected_date "20.12.2026x" is not a date`, "6 expected_date goes with a backordered line",
				`7 unknown status "quantity_changed"`, "8 quantity is required", "9 delivered is for the whole order"}},
	})
	jsonDecode := func(s string) (*StatusFile, error) { return DecodeStatusJSON(strings.NewReader(s), DecodeOptions{}) }
	runDecodeCases(t, jsonDecode, []decodeCase{
		{name: "json lines", in: `[{"order":"22-31","line":1,"status":"backordered","expected_date":"2026-12-20"},{"order":"22-31","position":2,"status":"rejected","reason_code":"out_of_range","note":"Discontinued"}]`,
			rows: []string{"1 22-31 backordered line=1 expected=2026-12-20", "2 22-31 rejected note=Discontinued line=2 reason=out_of_range"}},
	})
	xmlDecode := func(s string) (*StatusFile, error) { return DecodeStatusXML(strings.NewReader(s), DecodeOptions{}) }
	runDecodeCases(t, xmlDecode, []decodeCase{
		{name: "xml lines", in: `<status_updates><update><order>22-31</order><line>1</line><status>backordered</status><expected_date>2026-12-20</expected_date></update>` +
			`<update order="22-31" line="2" status="rejected" reason_code="out_of_range"/></status_updates>`,
			rows: []string{"1 22-31 backordered line=1 expected=2026-12-20", "2 22-31 rejected line=2 reason=out_of_range"}},
	})
}

func TestDecodeStatusRaw(t *testing.T) {
	f, err := DecodeStatusXML(strings.NewReader(`<a> <update order="1" status="x"/> </a>`), DecodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Errors) != 1 || !reflect.DeepEqual(f.Errors[0].Raw, []string{`<update order="1" status="x"/>`}) {
		t.Errorf("xml raw: %+v", f.Errors)
	}
	f, err = DecodeStatusJSON(strings.NewReader("[ {\"order\": \"1\",\n \"status\": \"x\"} ]"), DecodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Errors) != 1 || !reflect.DeepEqual(f.Errors[0].Raw, []string{`{"order":"1","status":"x"}`}) {
		t.Errorf("json raw: %+v", f.Errors)
	}
	f, err = DecodeStatusCSV(strings.NewReader("order,status\r\n1,x\r\n2,a\"b\r\n"), DecodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Errors) != 2 || !reflect.DeepEqual(f.Errors[0].Raw, []string{"1", "x"}) || !reflect.DeepEqual(f.Errors[1].Raw, []string{`2,a"b`}) {
		t.Errorf("csv raw: %+v", f.Errors)
	}
}

func TestDecodeStatusLimits(t *testing.T) {
	csvRows := func(n int) string {
		var b strings.Builder
		b.WriteString("order,status\n")
		for i := range n {
			fmt.Fprintf(&b, "%d,shipped\n", i)
		}
		return b.String()
	}
	jsonRows := func(n int) string {
		return "[" + strings.TrimSuffix(strings.Repeat(`{"order":"1","status":"shipped"},`, n), ",") + "]"
	}
	xmlRows := func(n int) string {
		return "<a>" + strings.Repeat(`<update order="1" status="shipped"/>`, n) + "</a>"
	}
	decoders := map[string]func(string, DecodeOptions) (*StatusFile, error){
		"csv":  func(s string, o DecodeOptions) (*StatusFile, error) { return DecodeStatusCSV(strings.NewReader(s), o) },
		"json": func(s string, o DecodeOptions) (*StatusFile, error) { return DecodeStatusJSON(strings.NewReader(s), o) },
		"xml":  func(s string, o DecodeOptions) (*StatusFile, error) { return DecodeStatusXML(strings.NewReader(s), o) },
	}
	gens := map[string]func(int) string{"csv": csvRows, "json": jsonRows, "xml": xmlRows}
	for name, decode := range decoders {
		gen := gens[name]
		t.Run(name, func(t *testing.T) {
			f, err := decode(gen(DefaultMaxRows), DecodeOptions{})
			if err != nil || len(f.Rows) != DefaultMaxRows {
				t.Fatalf("at the default limit: %v, %d rows", err, len(f.Rows))
			}
			_, err = decode(gen(DefaultMaxRows+1), DecodeOptions{})
			if !errors.Is(err, ErrTooManyRows) || !strings.Contains(err.Error(), "more than 10000 rows") {
				t.Errorf("past the default limit: %v", err)
			}
			if _, err = decode(gen(4), DecodeOptions{MaxRows: 3}); !errors.Is(err, ErrTooManyRows) {
				t.Errorf("past MaxRows 3: %v", err)
			}
			if _, err = decode(gen(3), DecodeOptions{MaxBytes: 20}); !errors.Is(err, ErrTooLarge) {
				t.Errorf("past MaxBytes: %v", err)
			}
		})
	}
}

func TestDecodeStatusLocation(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	f, err := DecodeStatusCSV(strings.NewReader("order,status,shipped_at\n1,shipped,2026-03-14 10:00\n2,shipped,2026-03-14T10:00:00Z\n"), DecodeOptions{Location: berlin})
	if err != nil || len(f.Rows) != 2 {
		t.Fatalf("%v %+v", err, f)
	}
	if got := f.Rows[0].ShippedAt.UTC().Format(time.RFC3339); got != "2026-03-14T09:00:00Z" {
		t.Errorf("zone-less time: got %s", got)
	}
	if got := f.Rows[1].ShippedAt.UTC().Format(time.RFC3339); got != "2026-03-14T10:00:00Z" {
		t.Errorf("zoned time: got %s", got)
	}
}

func TestDecodeStatusDispatch(t *testing.T) {
	for _, format := range []string{"csv", "json", "xml"} {
		if _, err := DecodeStatus(format, strings.NewReader(""), DecodeOptions{}); err == nil || !strings.Contains(err.Error(), format) {
			t.Errorf("%s: got %v, want that decoder's error", format, err)
		}
	}
	if _, err := DecodeStatus("xls", strings.NewReader(""), DecodeOptions{}); err == nil || !strings.Contains(err.Error(), `unknown status format "xls"`) {
		t.Errorf("got %v", err)
	}
}

// errReader fails mid-file, as a broken upload stream would.
type errReader struct{}

var errRead = errors.New("connection reset")

func (errReader) Read([]byte) (int, error) { return 0, errRead }

func TestDecodeStatusReadError(t *testing.T) {
	for _, format := range []string{"csv", "json", "xml"} {
		if _, err := DecodeStatus(format, errReader{}, DecodeOptions{}); !errors.Is(err, errRead) {
			t.Errorf("%s: got %v, want it to wrap %v", format, err, errRead)
		}
	}
}

func TestWriteErrorsCSV(t *testing.T) {
	in := "order;status;note\n1;shipped;ok\n=2;lost;@home\n3;shipped\n4;a\"b;x\n"
	f, err := DecodeStatusCSV(strings.NewReader(in), DecodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := WriteErrorsCSV(&buf, f.Header, f.Errors); err != nil {
		t.Fatal(err)
	}
	checkGolden(t, "status_errors.csv", buf.Bytes())
	recs, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		{"order", "status", "note", "error"},
		{"'=2", "lost", "'@home", `unknown status "lost" (want one of acknowledged, shipped, delivered, cancelled, rejected, backordered)`},
		{"3", "shipped", "", "row has 2 fields, the header has 3"},
		{`4;a"b;x`, "", "", `bare " in non-quoted-field`},
	}
	if !reflect.DeepEqual(recs, want) {
		t.Errorf("got  %q\nwant %q", recs, want)
	}
}

func TestWriteErrorsCSVWideRow(t *testing.T) {
	var buf bytes.Buffer
	err := WriteErrorsCSV(&buf, []string{"order", "status"}, []RowError{{Row: 2, Raw: []string{"1", "shipped", "extra"}, Reason: "row has 3 fields, the header has 2"}})
	if err != nil {
		t.Fatal(err)
	}
	if want := "order,status,,error\r\n1,shipped,extra,\"row has 3 fields, the header has 2\"\r\n"; buf.String() != want {
		t.Errorf("got %q, want %q", buf.String(), want)
	}
}

func TestErrorsFileName(t *testing.T) {
	tests := map[string]string{
		"status.csv":            "status.errors.csv",
		"status-0314.json":      "status-0314.errors.csv",
		"in/acme/updates.xml":   "updates.errors.csv",
		`C:\uploads\status.csv`: "status.errors.csv",
		"noext":                 "noext.errors.csv",
		".hidden":               ".hidden.errors.csv",
		"":                      "status.errors.csv",
		"../":                   "status.errors.csv",
		"a/..":                  "status.errors.csv",
	}
	for in, want := range tests {
		if got := ErrorsFileName(in); got != want {
			t.Errorf("ErrorsFileName(%q) = %q, want %q", in, got, want)
		}
	}
}
