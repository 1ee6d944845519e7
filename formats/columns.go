package formats

import (
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/supplyhub/supplyhub/internal/domain"
)

// Column is one CSV column: which field it shows and the header it goes by.
// An empty Header means the field name.
type Column struct {
	Field  string `yaml:"field" json:"field"`
	Header string `yaml:"header,omitempty" json:"header,omitempty"`
}

// fieldDef is one field a CSV column can show.
type fieldDef struct {
	name string
	kind cellKind
	// extra fields can be selected but are not in DefaultColumns, so adding
	// one never changes the files of suppliers on the default layout.
	extra bool
	value func(so *domain.SupplierOrder, l *domain.Line, f *cellFormat) string
}

// fieldDefs is a function rather than a package variable so that nothing
// can mutate the catalogue at run time.
func fieldDefs() []fieldDef {
	type (
		so = domain.SupplierOrder
		ln = domain.Line
		cf = cellFormat
	)
	text := func(name string, v func(*so, *ln) string) fieldDef {
		return fieldDef{name: name, kind: textCell, value: func(s *so, l *ln, _ *cf) string { return v(s, l) }}
	}
	money := func(name string, v func(*so, *ln) domain.Money) fieldDef {
		return fieldDef{name: name, kind: numberCell, value: func(s *so, l *ln, f *cf) string { return f.money(v(s, l)) }}
	}
	return []fieldDef{
		text("order_number", func(s *so, _ *ln) string { return s.Order.Number }),
		text("supplier_order_number", func(s *so, _ *ln) string { return s.Number }),
		text("external_id", func(s *so, _ *ln) string { return s.Order.ExternalID }),
		// Dates are text on purpose: a layout like "-2006" must not be exempt.
		{name: "placed_at", kind: textCell, value: func(s *so, _ *ln, f *cf) string { return f.date(s.Order.PlacedAt) }},
		text("currency", func(s *so, _ *ln) string { return s.Order.Currency }),
		text("sku", func(_ *so, l *ln) string { return l.SKU }),
		text("name", func(_ *so, l *ln) string { return l.Name }),
		text("options", func(_ *so, l *ln) string { return formatOptions(l.Options) }),
		{name: "quantity", kind: numberCell, value: func(_ *so, l *ln, _ *cf) string { return strconv.Itoa(l.Quantity) }},
		money("unit_price", func(_ *so, l *ln) domain.Money { return l.UnitPrice }),
		money("discount", func(_ *so, l *ln) domain.Money { return l.Discount }),
		money("line_total", func(_ *so, l *ln) domain.Money { return l.Total }),
		money("shipping", func(s *so, _ *ln) domain.Money { return s.Shipping }),
		text("customer_name", func(s *so, _ *ln) string { return s.Order.Customer.Name }),
		text("customer_company", func(s *so, _ *ln) string { return s.Order.Customer.Company }),
		text("customer_email", func(s *so, _ *ln) string { return s.Order.Customer.Email }),
		text("customer_phone", func(s *so, _ *ln) string { return s.Order.Customer.Phone }),
		text("ship_name", func(s *so, _ *ln) string { return s.Order.ShippingAddress.Name }),
		text("ship_company", func(s *so, _ *ln) string { return s.Order.ShippingAddress.Company }),
		text("ship_line1", func(s *so, _ *ln) string { return s.Order.ShippingAddress.Line1 }),
		text("ship_line2", func(s *so, _ *ln) string { return s.Order.ShippingAddress.Line2 }),
		text("ship_city", func(s *so, _ *ln) string { return s.Order.ShippingAddress.City }),
		text("ship_region", func(s *so, _ *ln) string { return s.Order.ShippingAddress.Region }),
		text("ship_postal_code", func(s *so, _ *ln) string { return s.Order.ShippingAddress.PostalCode }),
		text("ship_country", func(s *so, _ *ln) string { return s.Order.ShippingAddress.Country }),
		text("notes", func(s *so, _ *ln) string { return s.Order.Notes }),

		{name: "position", kind: numberCell, extra: true, value: func(_ *so, l *ln, _ *cf) string { return strconv.Itoa(l.Position) }},
		text("supplier", func(s *so, _ *ln) string { return s.Supplier }).asExtra(),
		money("item_total", func(s *so, _ *ln) domain.Money { return s.ItemTotal }).asExtra(),
		text("customer_type", func(s *so, _ *ln) string { return s.Order.Customer.Type }).asExtra(),
		// What the retailer cancelled of a line, and what is left to ship:
		// the order.lines_cancelled file of a partial cancellation needs
		// them, since quantity stays what was ordered.
		{name: "cancelled_quantity", kind: numberCell, extra: true, value: func(_ *so, l *ln, _ *cf) string { return strconv.Itoa(l.CancelledQty) }},
		{name: "open_quantity", kind: numberCell, extra: true, value: func(_ *so, l *ln, _ *cf) string { return strconv.Itoa(l.Open()) }},
	}
}

func (d fieldDef) asExtra() fieldDef { d.extra = true; return d }

// DefaultColumns returns the columns a CSV has when CSVOptions.Columns is
// empty, each headed by its field name.
func DefaultColumns() []Column {
	var cols []Column
	for _, d := range fieldDefs() {
		if !d.extra {
			cols = append(cols, Column{Field: d.name, Header: d.name})
		}
	}
	return cols
}

// Fields returns every field name a CSV column can show, defaults first.
func Fields() []string {
	defs := fieldDefs()
	names := make([]string, len(defs))
	for i, d := range defs {
		names[i] = d.name
	}
	return names
}

// formatOptions renders line options as "k=v; k2=v2", sorted by key so the
// output does not depend on map order.
func formatOptions(opts map[string]string) string {
	var b strings.Builder
	for i, k := range slices.Sorted(maps.Keys(opts)) {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(k)
		b.WriteByte('=')
		b.WriteString(opts[k])
	}
	return b.String()
}

// cellFormat holds the resolved per-supplier formatting of dates and money.
type cellFormat struct {
	loc        *time.Location
	dateLayout string
	minor      bool
	decimalSep byte
}

// money formats an amount as "12.50", "12,50" or minor units "1250".
func (f *cellFormat) money(m domain.Money) string {
	if f.minor {
		return strconv.FormatInt(int64(m), 10)
	}
	s := m.Decimal()
	if f.decimalSep != '.' {
		s = strings.Replace(s, ".", string(f.decimalSep), 1)
	}
	return s
}

// date renders a zero time as an empty cell rather than year 1.
func (f *cellFormat) date(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(f.loc).Format(f.dateLayout)
}
