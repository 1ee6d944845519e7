package pipeline

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/supplyhub/supplyhub/internal/domain"
	"github.com/supplyhub/supplyhub/internal/strictjson"
)

// OrderRequest is a retailer's order as posted to the API.
type OrderRequest struct {
	ExternalID      string                  `json:"external_id"`
	PlacedAt        string                  `json:"placed_at"`
	Currency        string                  `json:"currency"`
	Customer        domain.Customer         `json:"customer"`
	ShippingAddress domain.Address          `json:"shipping_address"`
	Lines           []LineRequest           `json:"lines"`
	Shipping        map[string]domain.Money `json:"shipping,omitempty"`
	Notes           string                  `json:"notes,omitempty"`
}

// LineRequest is one requested item.
type LineRequest struct {
	SKU       string            `json:"sku"`
	Supplier  string            `json:"supplier"`
	Name      string            `json:"name"`
	Options   map[string]string `json:"options,omitempty"`
	Quantity  int               `json:"quantity"`
	UnitPrice domain.Money      `json:"unit_price"`
	Discount  domain.Money      `json:"discount,omitempty"`
}

// FieldError names one invalid field by its JSON path.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// ValidationError lists every invalid field of a request.
type ValidationError struct{ Fields []FieldError }

func (e *ValidationError) Error() string {
	parts := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		parts[i] = f.Field + ": " + f.Message
	}
	return "invalid order: " + strings.Join(parts, "; ")
}

// DecodeOrderRequest parses a JSON body strictly (see internal/strictjson):
// invalid UTF-8, duplicate keys, unknown fields, wrongly typed values,
// excessive nesting and trailing data are field errors that name the field,
// never silently rewritten or ignored. A failure to read the body (such as
// *http.MaxBytesError) is returned as it is, wrapped.
func DecodeOrderRequest(r io.Reader) (*OrderRequest, error) {
	body, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("read order body: %w", err)
	}
	var req OrderRequest
	if err := DecodeJSON(body, &req); err != nil {
		return nil, err
	}
	return &req, nil
}

// DecodeJSON decodes body into v with internal/strictjson, the one decoder
// every request body goes through; its problems come back as a
// *ValidationError.
func DecodeJSON(body []byte, v any) error {
	err := strictjson.Decode(body, v)
	var se *strictjson.Error
	if errors.As(err, &se) {
		ve := &ValidationError{Fields: make([]FieldError, len(se.Fields))}
		for i, f := range se.Fields {
			ve.Fields[i] = FieldError{Field: f.Field, Message: f.Message}
		}
		return ve
	}
	return err
}

// Hash fingerprints the request's content, independent of whitespace and
// key order, to tell an idempotent repeat from a conflicting one.
func (r *OrderRequest) Hash() string {
	var buf bytes.Buffer
	_ = json.NewEncoder(&buf).Encode(r) // struct fields encode in a fixed order, maps sorted
	sum := sha256.Sum256(buf.Bytes())
	return hex.EncodeToString(sum[:])
}

// Limits bound what one order may hold.
const (
	maxLines    = 1000
	maxQuantity = 1_000_000
	maxAmount   = domain.Money(1_000_000_000_00) // one billion in major units
	maxText     = 1000
	maxNotes    = 10000
)

// Validate checks the request against the known suppliers and returns
// every problem at once.
func (r *OrderRequest) Validate(supplierExists func(code string) bool) (placedAt time.Time, err error) {
	var fe []FieldError
	add := func(field, format string, a ...any) {
		fe = append(fe, FieldError{Field: field, Message: fmt.Sprintf(format, a...)})
	}
	text := func(field, v string, required bool, max int) {
		switch {
		case required && strings.TrimSpace(v) == "":
			add(field, "is required")
		case len(v) > max:
			add(field, "must be at most %d bytes", max)
		case field != "notes" && HasControl(v, false):
			// One-line values reach email headers, CSV cells and file
			// names: a CR or LF there could forge a header or a row.
			add(field, "must be one line without control characters (CR, LF, tab, …)")
		case field == "notes" && HasControl(v, true):
			add(field, "must not hold control characters other than tab, CR and LF")
		}
	}
	text("external_id", r.ExternalID, true, 200)
	if r.PlacedAt == "" {
		add("placed_at", "is required (RFC 3339, e.g. 2026-11-22T10:00:00Z)")
	} else if t, perr := time.Parse(time.RFC3339Nano, r.PlacedAt); perr != nil {
		add("placed_at", "must be an RFC 3339 time such as 2026-11-22T10:00:00Z")
	} else {
		placedAt = t.UTC()
	}
	if !isCurrency(r.Currency) {
		add("currency", "must be a three-letter ISO 4217 code such as EUR")
	}
	switch r.Customer.Type {
	case "", domain.CustomerB2C:
	case domain.CustomerB2B:
		text("customer.company", r.Customer.Company, true, maxText)
	default:
		add("customer.type", "must be b2c or b2b")
	}
	text("customer.name", r.Customer.Name, true, maxText)
	text("customer.phone", r.Customer.Phone, false, 64)
	text("customer.email", r.Customer.Email, false, 320)
	if r.Customer.Email != "" && !isEmail(r.Customer.Email) {
		add("customer.email", "is not an email address")
	}
	a := r.ShippingAddress
	text("shipping_address.name", a.Name, true, maxText)
	text("shipping_address.company", a.Company, false, maxText)
	text("shipping_address.line1", a.Line1, true, maxText)
	text("shipping_address.line2", a.Line2, false, maxText)
	text("shipping_address.city", a.City, true, maxText)
	text("shipping_address.region", a.Region, false, maxText)
	text("shipping_address.postal_code", a.PostalCode, false, 32)
	if !isCountry(a.Country) {
		add("shipping_address.country", "must be an ISO 3166-1 alpha-2 code such as FR")
	}
	text("notes", r.Notes, false, maxNotes)
	if len(r.Lines) == 0 {
		add("lines", "must hold at least one line")
	}
	if len(r.Lines) > maxLines {
		add("lines", "must hold at most %d lines", maxLines)
	}
	suppliers := map[string]bool{}
	var orderTotal domain.Money
	for i, l := range r.Lines {
		p := fmt.Sprintf("lines[%d]", i)
		text(p+".sku", l.SKU, true, 200)
		text(p+".name", l.Name, true, maxText)
		switch {
		case l.Supplier == "":
			add(p+".supplier", "is required")
		case !supplierExists(l.Supplier):
			add(p+".supplier", "unknown supplier %q", l.Supplier)
		default:
			suppliers[l.Supplier] = true
		}
		if l.Quantity <= 0 {
			add(p+".quantity", "must be > 0")
		} else if l.Quantity > maxQuantity {
			add(p+".quantity", "must be at most %d", maxQuantity)
		}
		if l.UnitPrice < 0 {
			add(p+".unit_price", "must be >= 0")
		} else if l.UnitPrice > maxAmount {
			add(p+".unit_price", "is too large")
		}
		if l.Discount < 0 {
			add(p+".discount", "must be >= 0")
		} else if l.Quantity > 0 && l.Quantity <= maxQuantity && l.UnitPrice >= 0 && l.UnitPrice <= maxAmount &&
			l.Discount > domain.Money(l.Quantity)*l.UnitPrice {
			add(p+".discount", "must not exceed quantity × unit_price")
		}
		if len(l.Options) > 50 {
			add(p+".options", "must hold at most 50 entries")
		}
		for _, k := range slices.Sorted(maps.Keys(l.Options)) {
			if k == "" {
				add(p+".options", "option names must not be empty")
				continue
			}
			text(p+".options", k, false, 200)
			text(p+".options."+k, l.Options[k], false, maxText)
		}
		if total, ok := lineTotal(l); ok {
			orderTotal = addMoney(orderTotal, total)
		}
	}
	for _, code := range slices.Sorted(maps.Keys(r.Shipping)) {
		m := r.Shipping[code]
		if !suppliers[code] {
			add("shipping."+code, "no line of this order is from supplier %q", code)
		}
		if m < 0 || m > maxAmount {
			add("shipping."+code, "must be between 0 and %d", maxAmount)
		} else {
			orderTotal = addMoney(orderTotal, m)
		}
	}
	if orderTotal > maxAmount {
		// Totals are int64 minor units: capping them keeps every sum far
		// from overflow.
		add("lines", "the order total (lines and shipping) must be at most %d minor units", maxAmount)
	}
	if len(fe) > 0 {
		return placedAt, &ValidationError{Fields: fe}
	}
	return placedAt, nil
}

// lineTotal is quantity × unit_price − discount when every part is within
// its limits (so the product cannot overflow); ok is false otherwise, and
// the line has its own errors then.
func lineTotal(l LineRequest) (domain.Money, bool) {
	if l.Quantity <= 0 || l.Quantity > maxQuantity || l.UnitPrice < 0 || l.UnitPrice > maxAmount ||
		l.Discount < 0 || l.Discount > domain.Money(l.Quantity)*l.UnitPrice {
		return 0, false
	}
	return domain.Money(l.Quantity)*l.UnitPrice - l.Discount, true
}

// addMoney adds two non-negative amounts, saturating at MaxInt64 instead
// of wrapping.
func addMoney(a, b domain.Money) domain.Money {
	if a > math.MaxInt64-b {
		return math.MaxInt64
	}
	return a + b
}

// HasControl reports a control character (C0, DEL, C1) in s; multiline
// allows tab, CR and LF.
func HasControl(s string, multiline bool) bool {
	return strings.IndexFunc(s, func(r rune) bool {
		if multiline && (r == '\t' || r == '\r' || r == '\n') {
			return false
		}
		return r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0)
	}) >= 0
}

func isCurrency(s string) bool {
	if len(s) != 3 {
		return false
	}
	for _, c := range s {
		if c < 'A' || c > 'Z' {
			return false
		}
	}
	return true
}

func isCountry(s string) bool {
	if len(s) != 2 {
		return false
	}
	return s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' && s[1] <= 'Z'
}

func isEmail(s string) bool {
	at := strings.LastIndexByte(s, '@')
	return at > 0 && at < len(s)-3 && strings.Contains(s[at:], ".") && !strings.ContainsAny(s, " \t\r\n<>")
}
