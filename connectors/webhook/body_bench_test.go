package webhook

import (
	"encoding/json"
	"strconv"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/supplyhub/supplyhub/internal/domain"
	"github.com/supplyhub/supplyhub/pipeline"
)

// benchSnapshot is a delivery snapshot as pipeline's encodeSnapshot
// writes it, with n lines (the daemon benchmark's orders have one per
// supplier).
func benchSnapshot(tb testing.TB, n int) []byte {
	t0 := time.Date(2026, 11, 22, 10, 0, 0, 123456000, time.UTC)
	so := domain.SupplierOrder{Number: "22-31", Supplier: "31", Status: domain.StatusNew, ItemTotal: 2500 * domain.Money(n),
		Shipping: 500, CommissionBP: 220, Commission: 55 * domain.Money(n), Payout: 2445*domain.Money(n) + 500, Version: 1,
		Order: domain.OrderHeader{Number: "22", ExternalID: "bench-22", Retailer: "shop", PlacedAt: t0, Currency: "EUR",
			Customer:        domain.Customer{Name: "Zoë Martin", Email: "zoe@example.com"},
			ShippingAddress: domain.Address{Name: "Zoë Martin", Line1: "1 rue de Rivoli", City: "Paris", PostalCode: "75001", Country: "FR"}},
		CreatedAt: t0, UpdatedAt: t0}
	for i := range n {
		so.Lines = append(so.Lines, domain.Line{Position: i + 1, SKU: "SKU-0-" + strconv.Itoa(i), Supplier: "31",
			Name: "Widget " + strconv.Itoa(i), Quantity: 2, UnitPrice: 1250, Total: 2500, Status: domain.LineOpen})
	}
	b, err := json.Marshal(&so)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// BenchmarkWebhookBody measures what one webhook attempt spends on its
// body, from the stored snapshot to the bytes to sign: as it was, and as
// it is now.
func BenchmarkWebhookBody(b *testing.B) {
	ts := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	for _, n := range []int{1, 10} {
		snap := benchSnapshot(b, n)
		// The dispatcher decoded the snapshot (pipeline.renderedOrder)
		// and Deliver marshalled the struct again.
		b.Run("decode+marshal/"+strconv.Itoa(n)+"-lines", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				var so domain.SupplierOrder
				if err := json.Unmarshal(snap, &so); err != nil {
					b.Fatal(err)
				}
				if _, err := NewMessage("msg_1", Event{Type: EventOrderCreated, Timestamp: ts, Data: &so}); err != nil {
					b.Fatal(err)
				}
			}
		})
		// Now: the dispatcher checks the snapshot (pipeline's
		// sendableSnapshot: UTF-8, JSON) and Deliver copies it into the
		// envelope.
		b.Run("snapshot/"+strconv.Itoa(n)+"-lines", func(b *testing.B) {
			b.ReportAllocs()
			del := &domain.Delivery{ID: 1, Event: EventOrderCreated, CreatedAt: ts}
			for b.Loop() {
				if !utf8.Valid(snap) || !json.Valid(snap) {
					b.Fatal("snapshot not valid")
				}
				if _, err := message(&pipeline.DeliveryRequest{Delivery: del, Snapshot: snap}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	// A retailer notification decodes the snapshot for the order's
	// number either way; it no longer marshals the struct.
	change := &pipeline.Change{Type: EventSupplierOrderStatusChanged, EventID: 9, From: "new", To: "acknowledged",
		Actor: "supplier:31", Channel: "api", OccurredAt: ts}
	notify := &domain.Delivery{ID: 1, Event: EventSupplierOrderStatusChanged + ":9", CreatedAt: ts}
	snap := benchSnapshot(b, 1)
	b.Run("notification/decode+marshal/1-lines", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var so domain.SupplierOrder
			if err := json.Unmarshal(snap, &so); err != nil {
				b.Fatal(err)
			}
			if _, err := message(&pipeline.DeliveryRequest{Delivery: notify, Change: change, SupplierOrder: &so}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("notification/snapshot/1-lines", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if !utf8.Valid(snap) || !json.Valid(snap) {
				b.Fatal("snapshot not valid")
			}
			if _, err := message(&pipeline.DeliveryRequest{Delivery: notify, Change: change, Snapshot: snap}); err != nil {
				b.Fatal(err)
			}
		}
	})
}
