package portal

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/supplyhub/supplyhub/internal/domain"
	"github.com/supplyhub/supplyhub/pipeline"
)

// draft is a manual order as the operator typed it, kept as text so that
// a half-filled form (a quantity of "2x") is saved as it is and shown
// back; it becomes a pipeline.OrderRequest only when confirmed. Form
// fields are named by the request's JSON paths ("customer.company",
// "lines[0].sku"), so the pipeline's field errors land next to them.
type draft struct {
	ExternalID string          `json:"external_id"`
	Currency   string          `json:"currency"`
	Customer   domain.Customer `json:"customer"`
	Ship       domain.Address  `json:"shipping_address"`
	Lines      []draftLine     `json:"lines"`
	Notes      string          `json:"notes"`
	// PlacedAt is set when the draft is first confirmed and kept while it
	// is being confirmed, so that finishing an interrupted confirmation
	// sends the identical request (the pipeline then returns the stored
	// order instead of refusing a conflicting one).
	PlacedAt string `json:"placed_at,omitempty"`
	// The optional email to the retailer on confirmation.
	Notify        bool   `json:"notify"`
	NoticeSubject string `json:"notice_subject"`
	NoticeMessage string `json:"notice_message"`
}

type draftLine struct {
	SKU       string `json:"sku"`
	Supplier  string `json:"supplier"`
	Name      string `json:"name"`
	Quantity  string `json:"quantity"`
	UnitPrice string `json:"unit_price"`
}

func (l draftLine) empty() bool {
	return l.SKU == "" && l.Supplier == "" && l.Name == "" && l.Quantity == "" && l.UnitPrice == ""
}

// maxDraftLines bounds the rows of the form (the pipeline's own limit is
// higher; nobody types a thousand lines).
const maxDraftLines = 200

// draftFromForm reads the form. Lines are the rows lines[i].* present.
func draftFromForm(f url.Values) draft {
	g := func(k string) string { return strings.TrimSpace(f.Get(k)) }
	d := draft{ExternalID: g("external_id"), Currency: strings.ToUpper(g("currency")),
		Customer: domain.Customer{Type: g("customer.type"), Name: g("customer.name"), Company: g("customer.company"),
			Email: g("customer.email"), Phone: g("customer.phone")},
		Ship: domain.Address{Name: g("shipping_address.name"), Company: g("shipping_address.company"), Line1: g("shipping_address.line1"),
			Line2: g("shipping_address.line2"), City: g("shipping_address.city"), Region: g("shipping_address.region"),
			PostalCode: g("shipping_address.postal_code"), Country: strings.ToUpper(g("shipping_address.country"))},
		Notes: strings.TrimSpace(f.Get("notes")), Notify: f.Get("notify") == "on",
		NoticeSubject: g("notice_subject"), NoticeMessage: strings.TrimSpace(f.Get("notice_message"))}
	for i := 0; i < maxDraftLines; i++ {
		p := fmt.Sprintf("lines[%d].", i)
		if _, ok := f[p+"sku"]; !ok {
			break
		}
		d.Lines = append(d.Lines, draftLine{SKU: g(p + "sku"), Supplier: g(p + "supplier"), Name: g(p + "name"),
			Quantity: g(p + "quantity"), UnitPrice: g(p + "unit_price")})
	}
	if len(d.Lines) == 0 {
		d.Lines = []draftLine{{}}
	}
	return d
}

// request turns the draft into the order request the API would get, or
// the fields that are not even numbers. Empty rows are left out.
func (d draft) request(now time.Time) (*pipeline.OrderRequest, map[string]string) {
	errs := map[string]string{}
	placed := d.PlacedAt
	if placed == "" {
		placed = now.UTC().Format(time.RFC3339)
	}
	req := &pipeline.OrderRequest{ExternalID: d.ExternalID, PlacedAt: placed, Currency: d.Currency,
		Customer: d.Customer, ShippingAddress: d.Ship, Notes: d.Notes}
	for i, l := range d.Lines {
		if l.empty() {
			continue
		}
		p := fmt.Sprintf("lines[%d].", i)
		lr := pipeline.LineRequest{SKU: l.SKU, Supplier: l.Supplier, Name: l.Name}
		q, err := strconv.Atoi(l.Quantity)
		if err != nil {
			errs[p+"quantity"] = "Enter a whole number, such as 2."
		}
		lr.Quantity = q
		places := 2
		if c, ok := currencyPlaces[d.Currency]; ok {
			places = c
		}
		price, err := domain.ParseDecimal(l.UnitPrice, places)
		if err != nil {
			errs[p+"unit_price"] = fmt.Sprintf("Enter a price such as 12.50 (at most %d decimals).", places)
		}
		lr.UnitPrice = price
		req.Lines = append(req.Lines, lr)
	}
	return req, errs
}

// currencyPlaces are the currencies without two minor digits that a
// manual order is likely to use (ISO 4217).
var currencyPlaces = map[string]int{"JPY": 0, "KRW": 0, "ISK": 0, "CLP": 0, "BHD": 3, "KWD": 3, "OMR": 3, "TND": 3}

// fieldErrors turns the pipeline's validation errors into messages by
// form field. Line paths count the rows sent, so they are mapped back to
// the row numbers of the form, which may hold empty rows.
func (d draft) fieldErrors(ve *pipeline.ValidationError) map[string]string {
	var rows []int
	for i, l := range d.Lines {
		if !l.empty() {
			rows = append(rows, i)
		}
	}
	out := map[string]string{}
	for _, f := range ve.Fields {
		field := f.Field
		var n int
		var rest string
		if _, err := fmt.Sscanf(field, "lines[%d]", &n); err == nil && n < len(rows) {
			_, rest, _ = strings.Cut(field, "]")
			field = fmt.Sprintf("lines[%d]%s", rows[n], rest)
		}
		if _, seen := out[field]; !seen {
			out[field] = humanize(f.Message)
		}
	}
	return out
}

// humanize starts the pipeline's message ("is required") as a sentence.
func humanize(msg string) string {
	switch {
	case strings.HasPrefix(msg, "is "), strings.HasPrefix(msg, "must "):
		return "This " + msg + "."
	case msg == "":
		return ""
	}
	return strings.ToUpper(msg[:1]) + msg[1:] + "."
}

// totals are each row's quantity × price, and their sum, for the rows
// that parse; "" where a row does not (yet).
func (d draft) totals() ([]string, string) {
	places := 2
	if c, ok := currencyPlaces[d.Currency]; ok {
		places = c
	}
	out := make([]string, len(d.Lines))
	var sum domain.Money
	n := 0
	for i, l := range d.Lines {
		q, err1 := strconv.Atoi(l.Quantity)
		p, err2 := domain.ParseDecimal(l.UnitPrice, places)
		if err1 != nil || err2 != nil || q <= 0 || q > 1_000_000 || p < 0 || p > 1_000_000_000_00 {
			continue
		}
		t := domain.Money(q) * p
		out[i] = formatMinor(t, places)
		sum += t
		n++
	}
	if n == 0 {
		return out, ""
	}
	return out, formatMinor(sum, places) + " " + d.Currency
}

// formatMinor writes a non-negative amount of minor units with places
// decimals (2 for EUR, 0 for JPY).
func formatMinor(m domain.Money, places int) string {
	if places == 0 {
		return strconv.FormatInt(int64(m), 10)
	}
	div := int64(1)
	for range places {
		div *= 10
	}
	return fmt.Sprintf("%d.%0*d", int64(m)/div, places, int64(m)%div)
}
