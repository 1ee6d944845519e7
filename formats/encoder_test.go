package formats

import (
	"bytes"
	"encoding/csv"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/supplyhub/supplyhub/internal/domain"
)

// sampleTemplate exercises every template helper.
const sampleTemplate = `ORDER {{.Number}} for {{.Supplier}} placed {{date "2006-01-02 15:04" .Order.PlacedAt}}
customer: {{json .Order.Customer.Name}}
{{range .Lines -}}
LINE {{.Position}};{{csvescape .SKU}};{{csvescape .Name}};{{.Quantity}};{{money .UnitPrice}};{{money .Discount}};{{money .Total}};{{options .Options}}
{{end -}}
<note>{{xmlescape .Order.Notes}}</note>
{{with index .Lines 0}}{{.Options.size}}|{{.Options.missing}}|{{end}}
total {{money .ItemTotal}} + {{money .Shipping}} {{.Order.Currency}}
`

// goldenCases maps golden file names to the spec that renders them.
func goldenCases() map[string]Spec {
	csvSpec := func(o CSVOptions) Spec { return Spec{Format: FormatCSV, CSV: o} }
	return map[string]Spec{
		"csv_default.csv":                 {},
		"csv_columns.csv":                 csvSpec(CSVOptions{Columns: []Column{{Field: "supplier_order_number", Header: "PO"}, {Field: "position"}, {Field: "sku", Header: "Artikel"}, {Field: "quantity", Header: "Menge"}, {Field: "discount"}, {Field: "notes", Header: "=Hinweis"}, {Field: "customer_type"}, {Field: "supplier"}, {Field: "item_total"}}}),
		"csv_delimiter_semicolon.csv":     csvSpec(CSVOptions{Delimiter: ";"}),
		"csv_delimiter_tab.tsv":           csvSpec(CSVOptions{Delimiter: "\t"}),
		"csv_quote_all.csv":               csvSpec(CSVOptions{Quoting: QuotingAll}),
		"csv_date_format.csv":             csvSpec(CSVOptions{DateFormat: "02.01.2006 15:04"}),
		"csv_time_zone.csv":               csvSpec(CSVOptions{TimeZone: "America/New_York", DateFormat: "2006-01-02T15:04:05-07:00"}),
		"csv_decimal_minor.csv":           csvSpec(CSVOptions{DecimalFormat: DecimalFormatMinor}),
		"csv_decimal_comma.csv":           csvSpec(CSVOptions{DecimalSeparator: ","}),
		"csv_decimal_comma_semicolon.csv": csvSpec(CSVOptions{DecimalSeparator: ",", Delimiter: ";"}),
		"csv_bom.csv":                     csvSpec(CSVOptions{BOM: true}),
		"csv_lf.csv":                      csvSpec(CSVOptions{LineEnding: LineEndingLF}),
		"csv_strict.csv":                  csvSpec(CSVOptions{Neutralize: NeutralizeStrict}),
		"json.json":                       {Format: FormatJSON},
		"xml.xml":                         {Format: FormatXML},
		"template.txt":                    {Format: FormatTemplate, Template: sampleTemplate},
	}
}

func TestGolden(t *testing.T) {
	for name, spec := range goldenCases() {
		t.Run(name, func(t *testing.T) {
			enc, err := New(spec)
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			if err := enc.Encode(&buf, fixtureOrder()); err != nil {
				t.Fatal(err)
			}
			checkGolden(t, name, buf.Bytes())
		})
	}
}

// TestGoldenCut renders an order the retailer cut (2 of line 1's units
// cancelled), as an order.lines_cancelled file carries it: XML gains the
// line's cancelled_quantity, and CSV shows it, and what is left to ship,
// in the columns a supplier picks for them.
func TestGoldenCut(t *testing.T) {
	so := fixtureOrder()
	so.Lines[0].CancelledQty = 2
	for name, spec := range map[string]Spec{
		"cut.xml": {Format: FormatXML},
		"cut.csv": {Format: FormatCSV, CSV: CSVOptions{Columns: []Column{{Field: "position"}, {Field: "sku"},
			{Field: "quantity"}, {Field: "cancelled_quantity"}, {Field: "open_quantity"}}}},
	} {
		t.Run(name, func(t *testing.T) {
			enc, err := New(spec)
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			if err := enc.Encode(&buf, so); err != nil {
				t.Fatal(err)
			}
			checkGolden(t, name, buf.Bytes())
		})
	}
}

// TestGoldenEmpty renders a supplier order without lines or optional fields.
func TestGoldenEmpty(t *testing.T) {
	for _, format := range []string{FormatCSV, FormatJSON, FormatXML} {
		t.Run(format, func(t *testing.T) {
			enc, err := New(Spec{Format: format})
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			if err := enc.Encode(&buf, emptyOrder()); err != nil {
				t.Fatal(err)
			}
			checkGolden(t, "empty."+enc.Extension(), buf.Bytes())
		})
	}
}

// TestDeterministic re-encodes an equal order built differently (other map
// insertion order, other time zone, concurrently) and wants identical bytes.
func TestDeterministic(t *testing.T) {
	variant := func() *domain.SupplierOrder {
		so := fixtureOrder()
		opts := map[string]string{}
		opts["gift"] = "yes, wrapped"
		opts["engraving"] = "@home"
		so.Lines[1].Options = opts
		tokyo := time.FixedZone("JST", 9*3600)
		so.Order.PlacedAt = so.Order.PlacedAt.In(tokyo)
		so.CreatedAt = so.CreatedAt.In(tokyo)
		so.UpdatedAt = so.UpdatedAt.In(tokyo)
		return so
	}
	for name, spec := range goldenCases() {
		t.Run(name, func(t *testing.T) {
			enc, err := New(spec)
			if err != nil {
				t.Fatal(err)
			}
			var want bytes.Buffer
			if err := enc.Encode(&want, fixtureOrder()); err != nil {
				t.Fatal(err)
			}
			var wg sync.WaitGroup
			results := make([][]byte, 8)
			for i := range results {
				wg.Go(func() {
					var b bytes.Buffer
					if err := enc.Encode(&b, variant()); err != nil {
						t.Error(err)
					}
					results[i] = b.Bytes()
				})
			}
			wg.Wait()
			for i, got := range results {
				if !bytes.Equal(got, want.Bytes()) {
					t.Errorf("encoding %d differs:\n got %q\nwant %q", i, got, want.Bytes())
				}
			}
		})
	}
}

func TestEncoderMetadata(t *testing.T) {
	tests := []struct {
		spec       Spec
		ext, ctype string
	}{
		{Spec{}, "csv", "text/csv; charset=utf-8"},
		{Spec{Format: FormatCSV, CSV: CSVOptions{Delimiter: "\t"}}, "csv", "text/csv; charset=utf-8"},
		{Spec{Format: FormatJSON}, "json", "application/json"},
		{Spec{Format: FormatXML}, "xml", "application/xml"},
		{Spec{Format: FormatTemplate, Template: "x"}, "txt", "text/plain; charset=utf-8"},
		{Spec{Format: FormatTemplate, Template: "x", Extension: "edi", ContentType: "application/edifact"}, "edi", "application/edifact"},
		{Spec{Format: FormatCSV, Extension: "tsv"}, "tsv", "text/csv; charset=utf-8"},
	}
	for _, tt := range tests {
		enc, err := New(tt.spec)
		if err != nil {
			t.Fatal(err)
		}
		if enc.Extension() != tt.ext || enc.ContentType() != tt.ctype {
			t.Errorf("%+v: got %q %q, want %q %q", tt.spec, enc.Extension(), enc.ContentType(), tt.ext, tt.ctype)
		}
	}
}

func TestEncodeNil(t *testing.T) {
	for _, spec := range []Spec{{}, {Format: FormatJSON}, {Format: FormatXML}, {Format: FormatTemplate, Template: "x"}} {
		enc, err := New(spec)
		if err != nil {
			t.Fatal(err)
		}
		if err := enc.Encode(&bytes.Buffer{}, nil); err == nil {
			t.Errorf("%s: want an error for a nil order", spec.Format)
		}
	}
}

// failingWriter fails every write, to check errors are wrapped.
type failingWriter struct{}

var errWrite = errors.New("disk full")

func (failingWriter) Write([]byte) (int, error) { return 0, errWrite }

func TestEncodeWriteError(t *testing.T) {
	enc, err := New(Spec{})
	if err != nil {
		t.Fatal(err)
	}
	if err := enc.Encode(failingWriter{}, fixtureOrder()); !errors.Is(err, errWrite) {
		t.Errorf("got %v, want it to wrap %v", err, errWrite)
	}
}

// TestTemplateExecErrorWritesNothing: a template that fails on a real order
// (here: the first line of an order without lines) leaves the writer untouched.
func TestTemplateExecErrorWritesNothing(t *testing.T) {
	enc, err := New(Spec{Format: FormatTemplate, Template: `head {{(index .Lines 0).SKU}}`})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	err = enc.Encode(&buf, emptyOrder())
	if err == nil || !strings.Contains(err.Error(), "formats: template") {
		t.Fatalf("got %v, want a template execution error", err)
	}
	if buf.Len() != 0 {
		t.Errorf("wrote %q on error", buf.String())
	}
}

// TestCSVDefaultParses reads the default CSV back with encoding/csv and
// checks the cells the neutralisation rule is about.
func TestCSVDefaultParses(t *testing.T) {
	for _, strict := range []bool{false, true} {
		opts := CSVOptions{}
		if strict {
			opts.Neutralize = NeutralizeStrict
		}
		enc, err := New(Spec{CSV: opts})
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := enc.Encode(&buf, fixtureOrder()); err != nil {
			t.Fatal(err)
		}
		recs, err := csv.NewReader(&buf).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if len(recs) != 4 {
			t.Fatalf("got %d records, want header + 3", len(recs))
		}
		col := map[string]int{}
		for i, h := range recs[0] {
			col[h] = i
		}
		if len(recs[0]) != len(DefaultColumns()) {
			t.Errorf("header has %d columns, want %d", len(recs[0]), len(DefaultColumns()))
		}
		wantDiscount := "-5.00"
		if strict {
			wantDiscount = "'-5.00"
		}
		checks := []struct {
			row       int
			col, want string
		}{
			{2, "discount", wantDiscount},
			{2, "name", `'=HYPERLINK("http://evil.example","click")`},
			{2, "sku", "'-SALE-01"},
			{2, "options", "engraving=@home; gift=yes, wrapped"},
			{1, "options", "colour=red; size=M"},
			{3, "sku", "'\tTAB-3"},
			{3, "name", "Café crème 日本語 "},
			{1, "customer_company", "'@corp & Söhne <GmbH>"},
			{1, "customer_phone", "'+49 30 1234567"},
			{1, "external_id", "'+shop-7781"},
			{1, "ship_line2", "'-2. OG"},
			{1, "placed_at", "2026-03-14T09:26:53Z"},
			{1, "notes", "Please ring twice.\nSay \"hello\"; then leave it at the door,\nthanks"}, // encoding/csv folds \r\n
			{3, "line_total", "6.50"},
			{1, "shipping", "4.90"},
		}
		for _, c := range checks {
			if got := recs[c.row][col[c.col]]; got != c.want {
				t.Errorf("strict=%v row %d %s = %q, want %q", strict, c.row, c.col, got, c.want)
			}
		}
	}
}
