package formats

import (
	"time"

	"github.com/supplyhub/supplyhub/internal/domain"
)

// fixtureOrder is the supplier order every golden file renders. It holds
// the awkward cases on purpose: non-ASCII text, a negative discount, notes
// with line breaks and quotes, and cells starting with '=', '@', '-', '+'
// and a tab.
func fixtureOrder() *domain.SupplierOrder {
	cet := time.FixedZone("CET", 3600)
	placed := time.Date(2026, 3, 14, 10, 26, 53, 123_000_000, cet) // 09:26:53.123Z
	return &domain.SupplierOrder{
		ID: 31, OrderID: 22, SupplierID: 7,
		Number:   "1022-7",
		Supplier: "acme",
		Status:   domain.StatusNew,
		Lines: []domain.Line{
			{
				Position: 1, SKU: "TS-RED-M", Supplier: "acme",
				Name:      "T-Shirt „Größe M“ – rot",
				Options:   map[string]string{"size": "M", "colour": "red"},
				Quantity:  2,
				UnitPrice: 1990,
				Total:     3980,
			},
			{
				Position: 2, SKU: "-SALE-01", Supplier: "acme",
				Name:      `=HYPERLINK("http://evil.example","click")`,
				Options:   map[string]string{"engraving": "@home", "gift": "yes, wrapped"},
				Quantity:  1,
				UnitPrice: 4999,
				Discount:  -500, // a surcharge: the total goes up
				Total:     5499,
			},
			{
				Position: 3, SKU: "\tTAB-3", Supplier: "acme",
				Name:      "Café crème 日本語 ",
				Quantity:  3,
				UnitPrice: 250,
				Discount:  100,
				Total:     650,
			},
		},
		ItemTotal:    10129,
		Shipping:     490,
		CommissionBP: domain.DefaultCommissionBP,
		Commission:   223,
		Payout:       10396,
		Version:      1,
		Order: domain.OrderHeader{
			Number:     "1022",
			ExternalID: "+shop-7781",
			Retailer:   "shop",
			PlacedAt:   placed,
			Currency:   "EUR",
			Customer: domain.Customer{
				Type:    domain.CustomerB2B,
				Name:    "Zoë Ängström-O'Brien",
				Company: "@corp & Söhne <GmbH>",
				Email:   "zoe@example.com",
				Phone:   "+49 30 1234567",
			},
			ShippingAddress: domain.Address{
				Name:       "Zoë Ängström",
				Company:    "@corp & Söhne <GmbH>",
				Line1:      "Hauptstraße 5",
				Line2:      "-2. OG",
				City:       "München",
				Region:     "BY",
				PostalCode: "80331",
				Country:    "DE",
			},
			Notes: "Please ring twice.\nSay \"hello\"; then leave it at the door,\r\nthanks",
		},
		CreatedAt: placed,
		UpdatedAt: placed.Add(time.Minute),
	}
}

// emptyOrder has no lines and no optional fields: the edge of every layout.
func emptyOrder() *domain.SupplierOrder {
	return &domain.SupplierOrder{Number: "9-1", Supplier: "acme", Status: domain.StatusNew}
}
