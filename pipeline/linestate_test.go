package pipeline

import (
	"errors"
	"strings"
	"testing"

	"github.com/supplyhub/supplyhub/internal/domain"
	"github.com/supplyhub/supplyhub/internal/store"
)

// ln is a line of quantity q with cancelled c, shipped s, status st.
func ln(pos, q, c, s int, st string) domain.Line {
	return domain.Line{Position: pos, SKU: "S" + string(rune('0'+pos)), Quantity: q, CancelledQty: c, ShippedQty: s, Status: st, Total: domain.Money(q * 100)}
}

func TestDeriveSupplierOrderStatus(t *testing.T) {
	for _, tc := range []struct {
		name  string
		base  string
		lines []domain.Line
		want  string
	}{
		{"no lines keeps the base", "dispatched", nil, "dispatched"},
		{"all open", "dispatched", []domain.Line{ln(1, 2, 0, 0, "open"), ln(2, 1, 0, 0, "open")}, "dispatched"},
		{"all open, new", "new", []domain.Line{ln(1, 2, 0, 0, "open")}, "new"},
		{"a line cancelled while awaiting stock keeps waiting", "awaiting_stock", []domain.Line{ln(1, 2, 2, 0, "cancelled"), ln(2, 1, 0, 0, "open")}, "awaiting_stock"},
		{"every line cancelled while awaiting stock", "awaiting_stock", []domain.Line{ln(1, 2, 2, 0, "cancelled")}, "cancelled"},
		{"all accepted: a whole acknowledgement", "dispatched", []domain.Line{ln(1, 2, 0, 0, "accepted"), ln(2, 1, 0, 0, "accepted")}, "acknowledged"},
		{"some accepted, some open", "dispatched", []domain.Line{ln(1, 2, 0, 0, "accepted"), ln(2, 1, 0, 0, "open")}, "dispatched"},
		{"a backorder answered away leaves dispatched", "backordered", []domain.Line{ln(1, 2, 0, 0, "accepted"), ln(2, 1, 0, 0, "open")}, "dispatched"},
		{"one backordered", "dispatched", []domain.Line{ln(1, 2, 0, 0, "backordered"), ln(2, 1, 0, 0, "accepted")}, "backordered"},
		{"backordered beats partially cancelled", "dispatched", []domain.Line{ln(1, 2, 0, 0, "backordered"), ln(2, 1, 1, 0, "rejected")}, "backordered"},
		{"one rejected, rest accepted", "dispatched", []domain.Line{ln(1, 2, 0, 0, "accepted"), ln(2, 1, 1, 0, "rejected")}, "partially_cancelled"},
		{"one rejected, rest open", "dispatched", []domain.Line{ln(1, 2, 0, 0, "open"), ln(2, 1, 1, 0, "rejected")}, "partially_cancelled"},
		{"units cut by a quantity change", "dispatched", []domain.Line{ln(1, 4, 1, 0, "accepted")}, "partially_cancelled"},
		{"all rejected", "dispatched", []domain.Line{ln(1, 2, 2, 0, "rejected"), ln(2, 1, 1, 0, "rejected")}, "rejected"},
		{"rejected and cancelled", "dispatched", []domain.Line{ln(1, 2, 2, 0, "rejected"), ln(2, 1, 1, 0, "cancelled")}, "cancelled"},
		{"some units shipped", "acknowledged", []domain.Line{ln(1, 2, 0, 1, "partially_shipped"), ln(2, 1, 0, 0, "accepted")}, "partially_shipped"},
		{"partially shipped beats backordered", "acknowledged", []domain.Line{ln(1, 2, 0, 2, "shipped"), ln(2, 1, 0, 0, "backordered")}, "partially_shipped"},
		{"all shipped", "shipped", []domain.Line{ln(1, 2, 0, 2, "shipped"), ln(2, 1, 0, 1, "shipped")}, "shipped"},
		{"shipped, the rest rejected", "partially_shipped", []domain.Line{ln(1, 2, 0, 2, "shipped"), ln(2, 1, 1, 0, "rejected")}, "shipped"},
		{"delivered stays delivered", "delivered", []domain.Line{ln(1, 2, 0, 2, "shipped")}, "delivered"},
		{"a cancelled order stays cancelled", "delivered", []domain.Line{ln(1, 2, 2, 0, "cancelled")}, "cancelled"},
	} {
		if got := DeriveSupplierOrderStatus(tc.base, tc.lines); got != tc.want {
			t.Errorf("%s: DeriveSupplierOrderStatus(%s, …) = %q, want %q", tc.name, tc.base, got, tc.want)
		}
	}
}

func TestDeriveLineStatus(t *testing.T) {
	for _, tc := range []struct {
		line   domain.Line
		answer string
		want   string
	}{
		{ln(1, 2, 0, 0, ""), domain.LineOpen, "open"},
		{ln(1, 2, 0, 0, ""), domain.LineAccepted, "accepted"},
		{ln(1, 2, 0, 0, ""), domain.LineBackordered, "backordered"},
		{ln(1, 2, 2, 0, ""), domain.LineRejected, "rejected"},
		{ln(1, 2, 2, 0, ""), domain.LineAccepted, "cancelled"},
		{ln(1, 2, 0, 1, ""), domain.LineBackordered, "partially_shipped"},
		{ln(1, 2, 1, 1, ""), domain.LineRejected, "shipped"},
		{ln(1, 2, 0, 2, ""), domain.LineAccepted, "shipped"},
	} {
		if got := DeriveLineStatus(tc.line, tc.answer); got != tc.want {
			t.Errorf("DeriveLineStatus(%+v, %s) = %q, want %q", tc.line, tc.answer, got, tc.want)
		}
	}
}

// TestShipLinesRefusesOverShip: a package never ships more of a line than
// is left, and the refusal names the line and the package's field.
func TestShipLinesRefusesOverShip(t *testing.T) {
	base := []domain.Line{ln(1, 4, 0, 1, "partially_shipped"), ln(2, 3, 1, 0, "accepted"), ln(3, 1, 0, 0, "open")}
	for _, tc := range []struct {
		name    string
		pkg     []PackageLine
		over    bool
		wantErr string
		shipped []int // shipped quantity per line after
	}{
		{"exactly what is left", []PackageLine{{Position: 1, Quantity: 3}, {SKU: "S2", Quantity: 2}}, false, "", []int{4, 2, 0}},
		{"no lines: everything left", nil, false, "", []int{4, 2, 1}},
		{"one too many", []PackageLine{{Position: 1, Quantity: 4}}, true,
			"lines[0].quantity: line 1 (SKU S1): cannot ship 4, only 3 left to ship (ordered 4, shipped 1, cancelled 0)", nil},
		{"cancelled units cannot ship", []PackageLine{{Position: 2, Quantity: 3}}, true, "line 2 (SKU S2): cannot ship 3, only 2 left", nil},
		{"twice in one package adds up", []PackageLine{{Position: 3, Quantity: 1}, {SKU: "S3", Quantity: 1}}, true, "lines[1].quantity: line 3 (SKU S3): cannot ship 1, only 0 left", nil},
		{"unknown position", []PackageLine{{Position: 9, Quantity: 1}}, false, "lines[0].position: line 9 is not in this supplier order", nil},
		{"unknown sku", []PackageLine{{SKU: "NOPE", Quantity: 1}}, false, "lines[0].sku: no line with SKU NOPE", nil},
		{"sku and position disagree", []PackageLine{{Position: 1, SKU: "S2", Quantity: 1}}, false, "line 1 is SKU S1, not S2", nil},
		{"zero units", []PackageLine{{Position: 1, Quantity: 0}}, false, "lines[0].quantity: must be a whole number above 0", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			lines := append([]domain.Line(nil), base...)
			_, err := shipLines(lines, tc.pkg)
			if tc.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				for i, want := range tc.shipped {
					if lines[i].ShippedQty != want {
						t.Errorf("line %d shipped %d, want %d", i+1, lines[i].ShippedQty, want)
					}
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !errors.Is(err, ErrLineAnswer) || errors.Is(err, ErrOverShip) != tc.over {
				t.Errorf("err = %v, want one containing %q (over-ship %v)", err, tc.wantErr, tc.over)
			}
		})
	}
}

// TestSupplierLinesEvent: only the retailer's own cuts are news to the
// supplier, and not while the order waits for stock (it never got it).
func TestSupplierLinesEvent(t *testing.T) {
	for _, c := range []struct {
		name       string
		byRetailer bool
		cut        bool
		from, to   string
		want       string
	}{
		{"retailer cuts some units", true, true, domain.StatusAcknowledged, domain.StatusAcknowledged, domain.EventOrderLinesCancelled},
		{"retailer cuts some units of a new order", true, true, domain.StatusNew, domain.StatusNew, domain.EventOrderLinesCancelled},
		{"retailer cuts every line", true, true, domain.StatusAcknowledged, domain.StatusCancelled, domain.EventOrderCancelled},
		{"waiting for stock, cut", true, true, domain.StatusAwaitingStock, domain.StatusAwaitingStock, ""},
		{"waiting for stock, cancelled", true, true, domain.StatusAwaitingStock, domain.StatusCancelled, ""},
		{"supplier's own answer", false, true, domain.StatusAcknowledged, domain.StatusPartiallyCancelled, ""},
		{"nothing cut", true, false, domain.StatusAcknowledged, domain.StatusAcknowledged, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			ev := &store.StatusEvent{From: c.from, To: c.to}
			if got := supplierLinesEvent(c.byRetailer, c.cut, ev); got != c.want {
				t.Errorf("supplierLinesEvent = %q, want %q", got, c.want)
			}
		})
	}
}
