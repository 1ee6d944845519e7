package email

import (
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/supplyhub/supplyhub/internal/domain"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// golden compares got with testdata/name, rewriting the file under -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	p := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(p, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("read golden file (run go test -update to create it): %v", err)
	}
	if string(got) != string(want) {
		t.Errorf("%s differs from the golden file (go test -update rewrites it)\n--- got ---\n%s\n--- want ---\n%s", p, got, want)
	}
}

// testSupplierOrder is supplier order 22-31 with a non-ASCII customer.
func testSupplierOrder() *domain.SupplierOrder {
	return &domain.SupplierOrder{
		ID: 7, OrderID: 22, SupplierID: 31,
		Number:   "22-31",
		Supplier: "moebel",
		Status:   domain.StatusNew,
		Lines: []domain.Line{
			{Position: 1, SKU: "CH-OAK-1", Supplier: "moebel", Name: "Oak chair",
				Options:  map[string]string{"Size": "L", "Colour": "natural"},
				Quantity: 2, UnitPrice: 12000, Total: 24000},
			{Position: 2, SKU: "CU-1", Supplier: "moebel", Name: "Cushion «Søft»",
				Quantity: 1, UnitPrice: 1500, Discount: 500, Total: 1000},
		},
		ItemTotal:    25000,
		Shipping:     990,
		CommissionBP: 220,
		Commission:   550,
		Payout:       24450,
		Version:      1,
		Order: domain.OrderHeader{
			Number:     "1001",
			ExternalID: "shop-1001",
			Retailer:   "Acme Shop",
			PlacedAt:   time.Date(2024, 5, 1, 10, 30, 0, 0, time.UTC),
			Currency:   "EUR",
			Customer: domain.Customer{
				Type: domain.CustomerB2C, Name: "Zoë Ñúñez",
				Email: "zoe@example.com", Phone: "+34 600 000 000",
			},
			ShippingAddress: domain.Address{
				Name: "Zoë Ñúñez", Line1: "Calle Mayor 1", Line2: "3º izq.",
				City: "Madrid", PostalCode: "28013", Country: "ES",
			},
			Notes: "Please call before delivery.\nThe doorbell <b>is</b> broken & loud.",
		},
	}
}

// testMessage renders so into a complete message with a CSV attachment.
func testMessage(t *testing.T, r *Renderer, so *domain.SupplierOrder) *Message {
	t.Helper()
	subject, text, html, err := r.RenderSupplierOrder(so)
	if err != nil {
		t.Fatal(err)
	}
	return &Message{
		From:      Address{Name: "Supplyhub", Address: "orders@supplyhub.example"},
		To:        []Address{{Name: "Möbel Größe GmbH", Address: "orders@moebel.example"}},
		Cc:        []Address{{Address: "archive@supplyhub.example"}},
		ReplyTo:   &Address{Name: "Supplyhub replies", Address: "replies@supplyhub.example"},
		Subject:   subject,
		MessageID: MessageID(domain.EventOrderCreated, so.Number, "supplyhub.example"),
		Date:      time.Date(2024, 5, 1, 10, 31, 0, 0, time.UTC),
		Text:      text,
		HTML:      html,
		Attachments: []Attachment{{
			Filename:    "pedido-22-31-señal.csv",
			ContentType: "text/csv; charset=utf-8",
			Data:        []byte("position,sku,name,quantity\r\n1,CH-OAK-1,Oak chair,2\r\n2,CU-1,Cushion «Søft»,1\r\n"),
		}},
		Headers: map[string]string{"X-Supplyhub-Supplier-Order": so.Number, "Auto-Submitted": "auto-generated"},
	}
}
