package formats

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"text/template"
	"time"

	"github.com/supplyhub/supplyhub/internal/domain"
)

// templateEncoder executes an operator-written text/template with the
// *domain.SupplierOrder as data. Range over a map visits keys in sorted
// order, so templates are deterministic as long as they do not call out.
type templateEncoder struct {
	tmpl *template.Template
}

// templateFuncs are the helpers available to operator templates:
//
//	money      domain.Money → "12.50"
//	date       layout, time.Time → formatted in UTC, "" for the zero time
//	options    map[string]string → "k=v; k2=v2" sorted by key
//	csvescape  string → one neutralised, quoted-if-needed CSV cell
//	xmlescape  string → text safe inside an XML element or attribute
//	json       any → compact JSON (strings come out quoted)
func templateFuncs() template.FuncMap {
	return template.FuncMap{
		"money": func(m domain.Money) string { return m.Decimal() },
		"date": func(layout string, t time.Time) string {
			if t.IsZero() {
				return ""
			}
			return t.UTC().Format(layout)
		},
		"options":   formatOptions,
		"csvescape": csvEscape,
		"xmlescape": xmlEscape,
		"json":      jsonString,
	}
}

// parseTemplate is shared by Spec.Validate and New so that a template that
// validates is one that builds.
func parseTemplate(text string) (*template.Template, error) {
	// missingkey=zero: a line without the option a template asks for
	// renders as empty rather than "<no value>".
	t, err := template.New("supplier_order").Funcs(templateFuncs()).Option("missingkey=zero").Parse(text)
	if err != nil {
		return nil, fmt.Errorf("template does not parse: %w", err)
	}
	// Field typos such as {{.Order.Nmber}} only surface on execution; a dry
	// run on a sample order moves them to configuration time.
	if err := t.Execute(io.Discard, sampleOrder()); err != nil {
		return nil, fmt.Errorf("template fails on a sample order: %w", err)
	}
	return t, nil
}

// sampleOrder has every field and collection filled, so a dry run walks
// through ranges and conditionals as a real order would.
func sampleOrder() *domain.SupplierOrder {
	placed := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	return &domain.SupplierOrder{
		Number: "1-1", Supplier: "sample", Status: domain.StatusNew, Version: 1,
		Lines: []domain.Line{{
			Position: 1, SKU: "SKU-1", Supplier: "sample", Name: "Sample",
			Options: map[string]string{"size": "M"}, Quantity: 1,
			UnitPrice: 1000, Discount: 100, Total: 900,
		}},
		ItemTotal: 900, Shipping: 100, CommissionBP: domain.DefaultCommissionBP, Commission: 20, Payout: 880,
		Order: domain.OrderHeader{
			Number: "1", ExternalID: "ext-1", Retailer: "sample", PlacedAt: placed, Currency: "EUR",
			Customer:        domain.Customer{Type: domain.CustomerB2C, Name: "Sample", Email: "s@example.com"},
			ShippingAddress: domain.Address{Name: "Sample", Line1: "1 Street", City: "Town", PostalCode: "1", Country: "DE"},
			Notes:           "sample",
		},
		CreatedAt: placed, UpdatedAt: placed,
	}
}

// Encode executes the template; an execution error writes nothing.
func (e *templateEncoder) Encode(w io.Writer, so *domain.SupplierOrder) error {
	if so == nil {
		return errNilOrder
	}
	var buf bytes.Buffer
	if err := e.tmpl.Execute(&buf, so); err != nil {
		return fmt.Errorf("formats: template: %w", err)
	}
	return writeAll(w, buf.Bytes())
}

// Extension returns "txt"; set Spec.Extension for anything else.
func (e *templateEncoder) Extension() string { return "txt" }

// ContentType returns plain UTF-8 text; set Spec.ContentType for anything else.
func (e *templateEncoder) ContentType() string { return "text/plain; charset=utf-8" }

// csvEscape renders s as one comma-separated cell, neutralised and quoted
// when needed, for templates that build their own CSV.
func csvEscape(s string) string {
	s = NeutralizeCell(s)
	w := csvWriter{delim: defaultCSVDelimiter}
	if w.needsQuotes(s) {
		return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
	}
	return s
}

// xmlEscape escapes s for element text and attribute values alike.
func xmlEscape(s string) string {
	var b strings.Builder
	// EscapeText only fails when the writer does; a Builder never does.
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

// jsonString marshals v without HTML escaping, matching the json encoder.
func jsonString(v any) (string, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return "", fmt.Errorf("json: %w", err)
	}
	return strings.TrimSuffix(buf.String(), "\n"), nil
}
