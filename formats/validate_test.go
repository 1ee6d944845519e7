package formats

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func TestSpecValidate(t *testing.T) {
	tests := []struct {
		name  string
		spec  Spec
		field string // the *FieldError.Field expected; "" means valid
		msg   string // a substring of the message
	}{
		{"zero spec is csv", Spec{}, "", ""},
		{"all csv options", Spec{Format: "csv", CSV: CSVOptions{
			Columns: []Column{{Field: "sku", Header: "Artikel"}, {Field: "quantity"}}, Delimiter: "|", Quoting: "all",
			DateFormat: "2006-01-02", TimeZone: "Europe/Berlin", DecimalFormat: "decimal", DecimalSeparator: ",",
			BOM: true, LineEnding: "lf", Neutralize: "strict",
		}}, "", ""},
		{"tab delimiter", Spec{CSV: CSVOptions{Delimiter: "\t"}}, "", ""},
		{"multibyte delimiter", Spec{CSV: CSVOptions{Delimiter: "¦"}}, "", ""},
		{"json", Spec{Format: "json"}, "", ""},
		{"xml", Spec{Format: "xml"}, "", ""},
		{"template", Spec{Format: "template", Template: "{{.Number}}"}, "", ""},

		{"unknown format", Spec{Format: "xls"}, "format", `unknown format "xls"`},
		{"upper-case format", Spec{Format: "CSV"}, "format", "unknown format"},
		{"two-char delimiter", Spec{CSV: CSVOptions{Delimiter: ";;"}}, "csv.delimiter", "must be a single character"},
		{"quote delimiter", Spec{CSV: CSVOptions{Delimiter: `"`}}, "csv.delimiter", "cannot be used"},
		{"newline delimiter", Spec{CSV: CSVOptions{Delimiter: "\n"}}, "csv.delimiter", "cannot be used"},
		{"letter delimiter", Spec{CSV: CSVOptions{Delimiter: "x"}}, "csv.delimiter", "letters and digits"},
		{"invalid utf-8 delimiter", Spec{CSV: CSVOptions{Delimiter: "\xff"}}, "csv.delimiter", "cannot be used"},
		{"quoting", Spec{CSV: CSVOptions{Quoting: "none"}}, "csv.quoting", `got "none"`},
		{"strftime date", Spec{CSV: CSVOptions{DateFormat: "%Y-%m-%d"}}, "csv.date_format", "no Go layout elements"},
		{"yyyy date", Spec{CSV: CSVOptions{DateFormat: "YYYY-MM-DD"}}, "csv.date_format", "no Go layout elements"},
		{"unknown zone", Spec{CSV: CSVOptions{TimeZone: "Mars/Olympus"}}, "csv.time_zone", `unknown time zone "Mars/Olympus"`},
		{"local zone", Spec{CSV: CSVOptions{TimeZone: "Local"}}, "csv.time_zone", "not allowed"},
		{"decimal format", Spec{CSV: CSVOptions{DecimalFormat: "float"}}, "csv.decimal_format", `got "float"`},
		{"decimal separator", Spec{CSV: CSVOptions{DecimalSeparator: "'"}}, "csv.decimal_separator", `must be "." or ","`},
		{"line ending", Spec{CSV: CSVOptions{LineEnding: "cr"}}, "csv.line_ending", `got "cr"`},
		{"neutralize off", Spec{CSV: CSVOptions{Neutralize: "off"}}, "csv.neutralize", "cannot be turned off"},
		{"unknown column", Spec{CSV: CSVOptions{Columns: []Column{{Field: "sku"}, {Field: "colour"}}}}, "csv.columns[1].field", `unknown field "colour"`},
		{"empty column field", Spec{CSV: CSVOptions{Columns: []Column{{Header: "x"}}}}, "csv.columns[0].field", "is required"},
		{"duplicate header", Spec{CSV: CSVOptions{Columns: []Column{{Field: "sku"}, {Field: "name", Header: "sku"}}}}, "csv.columns[1].header", `duplicate header "sku"`},
		{"template without text", Spec{Format: "template"}, "template", "is required"},
		{"template with csv", Spec{Format: "csv", Template: "x"}, "template", "only used with format"},
		{"template parse error", Spec{Format: "template", Template: "{{.Number"}, "template", "does not parse"},
		{"template unknown func", Spec{Format: "template", Template: "{{upper .Number}}"}, "template", `function "upper" not defined`},
		{"template field typo", Spec{Format: "template", Template: "{{.Order.Nmber}}"}, "template", "fails on a sample order"},
		{"extension with dot", Spec{Extension: ".csv"}, "extension", "without a dot"},
		{"extension path", Spec{Extension: "../x"}, "extension", "without a dot"},
		{"content type", Spec{ContentType: "not a type;;"}, "content_type", "not a MIME type"},
		{"content type header injection", Spec{ContentType: "text/plain\r\nBcc: x@example.com"}, "content_type", "not a MIME type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.spec.Validate()
			_, newErr := New(tt.spec)
			if tt.field == "" {
				if err != nil || newErr != nil {
					t.Fatalf("Validate: %v; New: %v; want both nil", err, newErr)
				}
				return
			}
			if err == nil || newErr == nil {
				t.Fatalf("Validate: %v; New: %v; want both to fail on %s", err, newErr, tt.field)
			}
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Field != tt.field {
				t.Errorf("got %v, want a *FieldError for %s", err, tt.field)
			}
			if want := tt.field + ": "; !strings.HasPrefix(err.Error(), want) || !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("message %q, want %q…%q", err, want, tt.msg)
			}
			if !errors.As(newErr, &fe) {
				t.Errorf("New's error %v does not wrap the *FieldError", newErr)
			}
		})
	}
}

// TestSpecValidateReportsAll: an operator fixing a config sees every
// problem at once, not one per attempt.
func TestSpecValidateReportsAll(t *testing.T) {
	err := Spec{Format: "csv", CSV: CSVOptions{Delimiter: "ab", LineEnding: "cr", Neutralize: "off"}}.Validate()
	for _, key := range []string{"csv.delimiter", "csv.line_ending", "csv.neutralize"} {
		if err == nil || !strings.Contains(err.Error(), key+":") {
			t.Errorf("error %v does not mention %s", err, key)
		}
	}
}

// TestCSVOptionsValidate names fields without the "csv." prefix that Spec adds.
func TestCSVOptionsValidate(t *testing.T) {
	if err := (CSVOptions{}).Validate(); err != nil {
		t.Fatal(err)
	}
	err := CSVOptions{Quoting: "some"}.Validate()
	if err == nil || !strings.HasPrefix(err.Error(), "quoting: ") {
		t.Errorf("got %v, want it to start with quoting:", err)
	}
}

// TestSpecFromJSON checks the documented keys decode into a Spec; the yaml
// tags are the same names.
func TestSpecFromJSON(t *testing.T) {
	var s Spec
	err := json.Unmarshal([]byte(`{"format":"csv","csv":{"columns":[{"field":"sku","header":"Artikel"}],
		"delimiter":";","quoting":"all","date_format":"02.01.2006","time_zone":"Europe/Berlin",
		"decimal_format":"decimal","decimal_separator":",","bom":true,"line_ending":"lf","neutralize":"strict"}}`), &s)
	if err != nil {
		t.Fatal(err)
	}
	want := CSVOptions{Columns: []Column{{Field: "sku", Header: "Artikel"}}, Delimiter: ";", Quoting: "all",
		DateFormat: "02.01.2006", TimeZone: "Europe/Berlin", DecimalFormat: "decimal", DecimalSeparator: ",",
		BOM: true, LineEnding: "lf", Neutralize: "strict"}
	got, _ := json.Marshal(s.CSV)
	exp, _ := json.Marshal(want)
	if string(got) != string(exp) {
		t.Errorf("got %s, want %s", got, exp)
	}
	if err := s.Validate(); err != nil {
		t.Error(err)
	}
}

func TestDefaultColumns(t *testing.T) {
	want := "order_number, supplier_order_number, external_id, placed_at, currency, sku, name, options, quantity, unit_price, discount, line_total, shipping, customer_name, customer_company, customer_email, customer_phone, ship_name, ship_company, ship_line1, ship_line2, ship_city, ship_region, ship_postal_code, ship_country, notes"
	var names []string
	for _, c := range DefaultColumns() {
		if c.Field != c.Header {
			t.Errorf("default column %s has header %s", c.Field, c.Header)
		}
		names = append(names, c.Field)
	}
	if got := strings.Join(names, ", "); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	// The slice is a copy: changing it must not change the defaults.
	DefaultColumns()[0].Field = "x"
	if DefaultColumns()[0].Field != "order_number" {
		t.Error("DefaultColumns shares its slice")
	}
}

func TestNeutralizeCell(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""}, {"a", "a"}, {"=1+1", "'=1+1"}, {"+49", "'+49"}, {"-1", "'-1"}, {"@SUM(A1)", "'@SUM(A1)"},
		{"\tx", "'\tx"}, {"\rx", "'\rx"}, {"'=x", "'=x"}, {" =x", " =x"}, {"a=b", "a=b"},
	}
	for _, tt := range tests {
		if got := NeutralizeCell(tt.in); got != tt.want {
			t.Errorf("NeutralizeCell(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	// Our own numbers keep their minus by default, never in strict mode,
	// and the exemption holds only for the shape of a number.
	numbers := []struct {
		in     string
		strict bool
		kind   cellKind
		want   string
	}{
		{"-5.00", false, numberCell, "-5.00"},
		{"-5,00", false, numberCell, "-5,00"},
		{"-500", false, numberCell, "-500"},
		{"-5.00", true, numberCell, "'-5.00"},
		{"-5.00", false, textCell, "'-5.00"},
		{"-1+1", false, numberCell, "'-1+1"},
		{"-", false, numberCell, "'-"},
		{"-5.", false, numberCell, "'-5."},
		{"12.50", true, numberCell, "12.50"},
	}
	for _, tt := range numbers {
		if got := neutralizeCell(tt.in, tt.kind, tt.strict); got != tt.want {
			t.Errorf("neutralizeCell(%q, %v, strict=%v) = %q, want %q", tt.in, tt.kind, tt.strict, got, tt.want)
		}
	}
}
