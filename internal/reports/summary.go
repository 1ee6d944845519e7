package reports

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"sort"
	"time"

	"github.com/supplyhub/supplyhub/formats"
	"github.com/supplyhub/supplyhub/internal/domain"
	"github.com/supplyhub/supplyhub/internal/store"
)

// Summary is a retailer's month: its orders, per-supplier totals, every
// cancellation with its note, and the commissions from the ledger.
type Summary struct {
	Retailer      *domain.Retailer
	Month         string
	From, To      time.Time // [From, To) in the retailer's time zone
	Rows          []store.SummaryRow
	Suppliers     []SupplierTotal
	Cancellations []store.SummaryCancellation
	// LineCancellations are lines (or units) rejected, cancelled or cut in
	// the month, with their reasons.
	LineCancellations []store.SummaryLineCancellation
	Commissions       []store.CommissionLine
	Orders            int
	Totals            SupplierTotal
}

// SupplierTotal adds up one supplier's part of the month.
type SupplierTotal struct {
	Supplier                                string
	SupplierOrders, Cancelled               int
	ItemTotal, Shipping, Commission, Payout domain.Money
}

// MonthRange is [first instant of month, first of the next) in loc.
func MonthRange(month string, loc *time.Location) (time.Time, time.Time, error) {
	t, err := ParseMonth(month)
	if err != nil {
		return time.Time{}, time.Time{}, err
	}
	from := time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, loc)
	return from, from.AddDate(0, 1, 0), nil
}

// BuildSummary computes a retailer's summary of month ("2026-10") in the
// retailer's time zone. Cancelled and rejected supplier orders are listed
// but earn no commission in the totals; a supplier order with rejected or
// cancelled lines counts what is left of it (its ledger net).
func BuildSummary(ctx context.Context, st *store.Store, r *domain.Retailer, month string) (*Summary, error) {
	loc, err := time.LoadLocation(r.TimeZone)
	if err != nil {
		loc = time.UTC
	}
	from, to, err := MonthRange(month, loc)
	if err != nil {
		return nil, err
	}
	s := &Summary{Retailer: r, Month: month, From: from, To: to}
	if s.Rows, err = st.SummaryRows(ctx, r.ID, from, to); err != nil {
		return nil, err
	}
	if s.Cancellations, err = st.SummaryCancellations(ctx, r.ID, from, to); err != nil {
		return nil, err
	}
	if s.LineCancellations, err = st.SummaryLineCancellations(ctx, r.ID, from, to); err != nil {
		return nil, err
	}
	if s.Commissions, err = st.CommissionReport(ctx, month, r.ID); err != nil {
		return nil, err
	}
	by := map[string]*SupplierTotal{}
	orders := map[string]bool{}
	for _, row := range s.Rows {
		orders[row.OrderNumber] = true
		t := by[row.Supplier]
		if t == nil {
			t = &SupplierTotal{Supplier: row.Supplier}
			by[row.Supplier] = t
		}
		t.SupplierOrders++
		if row.Status == domain.StatusCancelled || row.Status == domain.StatusRejected {
			t.Cancelled++
			continue
		}
		t.ItemTotal += row.ItemTotal
		t.Shipping += row.Shipping
		t.Commission += row.Commission
		t.Payout += row.Payout
	}
	s.Orders = len(orders)
	for _, t := range by {
		s.Suppliers = append(s.Suppliers, *t)
		s.Totals.SupplierOrders += t.SupplierOrders
		s.Totals.Cancelled += t.Cancelled
		s.Totals.ItemTotal += t.ItemTotal
		s.Totals.Shipping += t.Shipping
		s.Totals.Commission += t.Commission
		s.Totals.Payout += t.Payout
	}
	sort.Slice(s.Suppliers, func(i, j int) bool { return s.Suppliers[i].Supplier < s.Suppliers[j].Supplier })
	return s, nil
}

// Empty reports whether nothing happened in the month.
func (s *Summary) Empty() bool {
	return len(s.Rows) == 0 && len(s.Cancellations) == 0 && len(s.LineCancellations) == 0
}

// WriteCSV writes the detail: one row per supplier order.
func (s *Summary) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"order_number", "external_id", "supplier_order_number", "supplier", "placed_at", "status",
		"currency", "item_total", "shipping", "commission", "payout"})
	for _, r := range s.Rows {
		if err := cw.Write([]string{r.OrderNumber, formats.NeutralizeCell(r.ExternalID), r.SupplierOrder, r.Supplier, r.PlacedAt.UTC().Format(time.RFC3339),
			r.Status, r.Currency, r.ItemTotal.Decimal(), r.Shipping.Decimal(), r.Commission.Decimal(), r.Payout.Decimal()}); err != nil {
			return fmt.Errorf("summary csv: %w", err)
		}
	}
	cw.Flush()
	return cw.Error()
}
