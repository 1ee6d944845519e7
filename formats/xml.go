package formats

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"maps"
	"slices"
	"time"

	"github.com/supplyhub/supplyhub/internal/domain"
)

// xmlEncoder writes the layout shown in the package doc. The structs below
// are that layout; changing them changes every supplier's files.
type xmlEncoder struct{}

type xmlSupplierOrder struct {
	XMLName    xml.Name      `xml:"supplier_order"`
	Number     string        `xml:"number,attr"`
	Supplier   string        `xml:"supplier"`
	Status     string        `xml:"status"`
	Version    int           `xml:"version"`
	Currency   string        `xml:"currency"`
	Order      xmlOrder      `xml:"order"`
	Lines      xmlLines      `xml:"lines"`
	ItemTotal  string        `xml:"item_total"`
	Shipping   string        `xml:"shipping"`
	Commission xmlCommission `xml:"commission"`
	Payout     string        `xml:"payout"`
}

type xmlOrder struct {
	Number          string      `xml:"number,attr"`
	ExternalID      string      `xml:"external_id"`
	Retailer        string      `xml:"retailer"`
	PlacedAt        string      `xml:"placed_at"`
	Customer        xmlCustomer `xml:"customer"`
	ShippingAddress xmlAddress  `xml:"shipping_address"`
	Notes           string      `xml:"notes"`
}

type xmlCustomer struct {
	Type    string `xml:"type,attr"`
	Name    string `xml:"name"`
	Company string `xml:"company"`
	Email   string `xml:"email"`
	Phone   string `xml:"phone"`
}

type xmlAddress struct {
	Name       string `xml:"name"`
	Company    string `xml:"company"`
	Line1      string `xml:"line1"`
	Line2      string `xml:"line2"`
	City       string `xml:"city"`
	Region     string `xml:"region"`
	PostalCode string `xml:"postal_code"`
	Country    string `xml:"country"`
}

type xmlLine struct {
	Position int        `xml:"position,attr"`
	SKU      string     `xml:"sku"`
	Name     string     `xml:"name"`
	Options  xmlOptions `xml:"options"`
	Quantity int        `xml:"quantity"`
	// CancelledQuantity is there only once the retailer cancelled units
	// of the line, so the files of uncut orders keep their layout.
	CancelledQuantity int    `xml:"cancelled_quantity,omitempty"`
	UnitPrice         string `xml:"unit_price"`
	Discount          string `xml:"discount"`
	Total             string `xml:"total"`
}

// xmlLines and xmlOptions are wrappers rather than "lines>line" paths
// because encoding/xml drops the parent of an empty path, and the layout
// promises <lines/> and <options/> even when there are none.
type xmlLines struct {
	Line []xmlLine `xml:"line"`
}

type xmlOptions struct {
	Option []xmlOption `xml:"option"`
}

type xmlOption struct {
	Key   string `xml:"key,attr"`
	Value string `xml:",chardata"`
}

type xmlCommission struct {
	RateBP int    `xml:"rate_bp,attr"`
	Amount string `xml:",chardata"`
}

// Encode writes so in the layout above.
func (xmlEncoder) Encode(w io.Writer, so *domain.SupplierOrder) error {
	if so == nil {
		return errNilOrder
	}
	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	enc := xml.NewEncoder(&buf)
	enc.Indent("", "  ")
	if err := enc.Encode(toXML(so)); err != nil {
		return fmt.Errorf("formats: xml: %w", err)
	}
	buf.WriteByte('\n')
	return writeAll(w, buf.Bytes())
}

// Extension returns "xml".
func (xmlEncoder) Extension() string { return "xml" }

// ContentType returns "application/xml".
func (xmlEncoder) ContentType() string { return "application/xml" }

func toXML(so *domain.SupplierOrder) xmlSupplierOrder {
	h := &so.Order
	x := xmlSupplierOrder{
		Number:   so.Number,
		Supplier: so.Supplier,
		Status:   so.Status,
		Version:  so.Version,
		Currency: h.Currency,
		Order: xmlOrder{
			Number:     h.Number,
			ExternalID: h.ExternalID,
			Retailer:   h.Retailer,
			PlacedAt:   xmlTime(h.PlacedAt),
			Customer: xmlCustomer{
				Type: h.Customer.Type, Name: h.Customer.Name, Company: h.Customer.Company,
				Email: h.Customer.Email, Phone: h.Customer.Phone,
			},
			ShippingAddress: xmlAddress(h.ShippingAddress),
			Notes:           h.Notes,
		},
		ItemTotal:  so.ItemTotal.Decimal(),
		Shipping:   so.Shipping.Decimal(),
		Commission: xmlCommission{RateBP: so.CommissionBP, Amount: so.Commission.Decimal()},
		Payout:     so.Payout.Decimal(),
	}
	for _, l := range so.Lines {
		xl := xmlLine{
			Position:          l.Position,
			SKU:               l.SKU,
			Name:              l.Name,
			Quantity:          l.Quantity,
			CancelledQuantity: l.CancelledQty,
			UnitPrice:         l.UnitPrice.Decimal(),
			Discount:          l.Discount.Decimal(),
			Total:             l.Total.Decimal(),
		}
		for _, k := range slices.Sorted(maps.Keys(l.Options)) {
			xl.Options.Option = append(xl.Options.Option, xmlOption{Key: k, Value: l.Options[k]})
		}
		x.Lines.Line = append(x.Lines.Line, xl)
	}
	return x
}

// xmlTime renders the zero time as empty rather than year 1.
func xmlTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}
